using System;

namespace WdGen
{
    /// <summary>Finds a parameter's role from the type of the module that owns it.</summary>
    internal static class ParameterClassifier
    {
        /// <summary>
        /// The role of parameter <paramref name="localName"/> of a module of run-time type <paramref name="ownerType"/>,
        /// and the words that say why. A subclass of a known TorchSharp layer counts as that layer.
        /// </summary>
        public static (ParameterRole Role, string Reason) Classify(Type ownerType, string localName, DecayContext context)
        {
            for (var type = ownerType; type is not null; type = type.BaseType)
            {
                var metadataName = TypeNames.Metadata(type);
                if (TorchSharpLayers.Find(metadataName) is not null)
                {
                    return Classify(metadataName, localName, context);
                }
            }

            return Classify(TypeNames.Metadata(ownerType), localName, context);
        }

        /// <summary>
        /// The role of parameter <paramref name="localName"/> of a module whose type has metadata name
        /// <paramref name="ownerMetadataName"/>: an enclosing <c>[LayerRole]</c> wins, then the TorchSharp layer
        /// table; anything else is <see cref="ParameterRole.Other"/>.
        /// </summary>
        public static (ParameterRole Role, string Reason) Classify(string ownerMetadataName, string localName, DecayContext context)
        {
            var owner = TypeNames.Display(ownerMetadataName);
            if (context.LayerRole is { } forced)
            {
                return (forced, DecayPolicy.ForcedRoleReason(owner, localName, context.LayerRoleSource!, forced));
            }

            if (TorchSharpLayers.Find(ownerMetadataName) is { } layer)
            {
                var role = layer.RoleOf(localName);
                return (role, DecayPolicy.LayerRoleReason(layer.Name, localName, role));
            }

            return (ParameterRole.Other, DecayPolicy.RawRoleReason(owner, localName));
        }
    }
}

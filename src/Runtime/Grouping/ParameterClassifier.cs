using System;

namespace WdGen
{
    /// <summary>Finds a parameter's role from the run-time type of the module that owns it.</summary>
    internal static class ParameterClassifier
    {
        /// <summary>
        /// The role of parameter <paramref name="localName"/> of a module of type <paramref name="ownerType"/>,
        /// and the words that say why. An enclosing <c>[LayerRole]</c> wins; then the TorchSharp layer table
        /// (a subclass of a known layer counts as that layer); anything else is <see cref="ParameterRole.Other"/>.
        /// </summary>
        public static (ParameterRole Role, string Reason) Classify(Type ownerType, string localName, DecayContext context)
        {
            var owner = TypeNames.Display(ownerType);
            if (context.LayerRole is { } forced)
            {
                return (forced, DecayPolicy.ForcedRoleReason(owner, localName, context.LayerRoleSource!, forced));
            }

            for (var type = ownerType; type is not null; type = type.BaseType)
            {
                if (TorchSharpLayers.Find(TypeNames.Metadata(type)) is { } layer)
                {
                    var role = layer.RoleOf(localName);
                    return (role, DecayPolicy.LayerRoleReason(layer.Name, localName, role));
                }
            }

            return (ParameterRole.Other, DecayPolicy.RawRoleReason(owner, localName));
        }
    }
}

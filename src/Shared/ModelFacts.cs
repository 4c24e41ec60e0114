// Symbol-level facts about user model classes that the generator (what to extend) and the analyzers (what to
// report) must agree on. Roslyn-only, so it is compiled into the generator, the analyzers and the code fixes, not into the runtime.
#if WDGEN_GENERATOR || WDGEN_ANALYZERS || WDGEN_CODEFIXES

using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace WdGen
{
    internal static class ModelFacts
    {
        /// <summary>Whether a type is a model the generator extends: it has <c>[DecayGroups]</c> or a WdGen attribute on a member.</summary>
        public static bool IsDecayGroupsModel(ITypeSymbol type)
        {
            if (type is not INamedTypeSymbol named)
            {
                return false;
            }

            if (HasAttribute(named, WdGenNames.DecayGroupsAttribute))
            {
                return true;
            }

            foreach (var member in named.GetMembers())
            {
                if (member is IFieldSymbol or IPropertySymbol
                    && (HasAttribute(member, WdGenNames.DecayAttribute) || HasAttribute(member, WdGenNames.NoDecayAttribute)
                        || HasAttribute(member, WdGenNames.LearningRateAttribute)))
                {
                    return true;
                }
            }

            return false;
        }

        public static bool HasAttribute(ISymbol symbol, string metadataName)
            => FindAttribute(symbol, metadataName) is not null;

        public static AttributeData? FindAttribute(ISymbol symbol, string metadataName)
        {
            foreach (var attribute in symbol.GetAttributes())
            {
                // The simple name first: building the full name allocates, and most attributes are someone else's.
                if (attribute.AttributeClass is { } attributeClass && EndsWithSimpleName(metadataName, attributeClass.MetadataName)
                    && MetadataName(attributeClass) == metadataName)
                {
                    return attribute;
                }
            }

            return null;
        }

        private static bool EndsWithSimpleName(string metadataName, string simpleName)
        {
            var start = metadataName.Length - simpleName.Length;
            return start >= 0 && string.CompareOrdinal(metadataName, start, simpleName, 0, simpleName.Length) == 0
                && (start == 0 || metadataName[start - 1] is '.' or '+');
        }

        /// <summary>The metadata name Roslyn and reflection use: <c>TorchSharp.torch+nn+Module`2</c>.</summary>
        public static string MetadataName(INamedTypeSymbol type)
        {
            if (type.ContainingType is { } outer)
            {
                return MetadataName(outer) + "+" + type.MetadataName;
            }

            var ns = type.ContainingNamespace;
            return ns is null || ns.IsGlobalNamespace ? type.MetadataName : ns.ToDisplayString() + "." + type.MetadataName;
        }

        /// <summary>The role <c>[LayerRole]</c> gives a type or one of its bases, if any.</summary>
        public static ParameterRole? LayerRoleOf(ITypeSymbol type)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (FindAttribute(current, WdGenNames.LayerRoleAttribute) is { ConstructorArguments.Length: 1 } attribute
                    && attribute.ConstructorArguments[0].Value is int role
                    && System.Enum.IsDefined(typeof(ParameterRole), role))
                {
                    return (ParameterRole)role;
                }
            }

            return null;
        }

        /// <summary>Whether the type and every type containing it is declared <c>partial</c> (the generator can extend it).</summary>
        public static bool IsPartialChain(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            for (var current = type; current is not null; current = current.ContainingType)
            {
                if (!IsPartial(current, cancellationToken))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Whether some declaration of <paramref name="type"/> has the <c>partial</c> modifier.</summary>
        public static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
#endif

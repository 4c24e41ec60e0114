using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using WdGen.Generator.Model;

namespace WdGen.Generator.Parsing
{
    /// <summary>
    /// Turns a model class symbol into a <see cref="ModelSpec"/>. Returns null for anything the generator must
    /// not extend (not partial, not a TorchSharp module, file-local, invalid attribute arguments): the
    /// analyzers say why; the generator stays silent and never throws.
    /// </summary>
    internal sealed class ModelParser
    {
        private readonly TorchSharpSymbols symbols;

        private ModelParser(TorchSharpSymbols symbols)
        {
            this.symbols = symbols;
        }

        public static ModelSpec? Parse(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
        {
            var symbols = TorchSharpSymbols.From(compilation);
            return symbols is null ? null : new ModelParser(symbols).ParseModel(type, cancellationToken);
        }

        private ModelSpec? ParseModel(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            if (type.TypeKind != TypeKind.Class || type.IsStatic || type.IsFileLocal || HasMissingName(type) || !symbols.IsModule(type) || !ModelFacts.IsPartialChain(type, cancellationToken))
            {
                return null;
            }

            var members = new List<MemberSpec>();
            foreach (var field in FieldsInWalkOrder(type))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!TryParseMember(field, out var member))
                {
                    return null;
                }

                if (member is not null)
                {
                    members.Add(member);
                }
            }

            var containing = new List<TypeDeclarationSpec>();
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                containing.Insert(0, Declaration(outer));
            }

            var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
            return new ModelSpec(
                HintName(type),
                ns,
                containing.ToEquatableArray(),
                Declaration(type),
                type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                type.Name,
                type.BaseType is { } baseType && (ModelFacts.IsDecayGroupsModel(baseType) || symbols.IsContributor(baseType)),
                ModelFacts.LayerRoleOf(type),
                members.ToEquatableArray());
        }

        /// <summary>
        /// Instance fields in walk order: the type's own, ordered by file path then position (so partial
        /// declarations do not depend on the order files reach the compiler), then accessible fields of its
        /// base types, derived first (TorchSharp 0.104+ registers base-class fields after the derived ones).
        /// </summary>
        private IEnumerable<IFieldSymbol> FieldsInWalkOrder(INamedTypeSymbol type)
        {
            for (var current = type; current is not null && !symbols.IsTorchSharpBase(current); current = current.BaseType)
            {
                var fields = current.GetMembers()
                    .OfType<IFieldSymbol>()
                    .Where(f => !f.IsStatic && !f.IsConst && (SymbolEqualityComparer.Default.Equals(current, type) || f.DeclaredAccessibility != Accessibility.Private))
                    .Select(f => (Field: f, Location: DeclarationLocation(f)))
                    .Where(f => f.Location is not null)
                    .OrderBy(f => f.Location!.SourceTree?.FilePath ?? string.Empty, StringComparer.Ordinal)
                    .ThenBy(f => f.Location!.SourceSpan.Start);
                foreach (var (field, _) in fields)
                {
                    yield return field;
                }
            }
        }

        private static Location? DeclarationLocation(IFieldSymbol field)
        {
            var symbol = field.IsImplicitlyDeclared ? field.AssociatedSymbol : field;
            return symbol?.Locations.FirstOrDefault(l => l.IsInSource);
        }

        /// <summary>Parses one field; <paramref name="member"/> is null for a field that holds no parameters. False means: give up on the model.</summary>
        private bool TryParseMember(IFieldSymbol field, out MemberSpec? member)
        {
            member = null;
            var property = field.AssociatedSymbol as IPropertySymbol;
            if (field.IsImplicitlyDeclared && property is null)
            {
                return true; // captured primary-constructor parameters and other compiler fields cannot be read
            }

            var kind = Classify(field.Type, out var layer);
            if (kind is null || HasMissingName(property ?? (ISymbol)field))
            {
                return true;
            }

            var attributeSource = (ISymbol?)property ?? field;
            var noDecay = ModelFacts.HasAttribute(attributeSource, WdGenNames.NoDecayAttribute) || ModelFacts.HasAttribute(field, WdGenNames.NoDecayAttribute);
            var decay = ModelFacts.FindAttribute(attributeSource, WdGenNames.DecayAttribute) ?? ModelFacts.FindAttribute(field, WdGenNames.DecayAttribute);
            var attributeKind = noDecay ? MemberAttributeKind.NoDecay : decay is null ? MemberAttributeKind.None : MemberAttributeKind.Decay;
            var scale = 1.0;
            var includeBiases = false;
            if (attributeKind == MemberAttributeKind.Decay && !TryReadDecay(decay!, out scale, out includeBiases))
            {
                return false;
            }

            var memberName = property?.Name ?? field.Name;
            var registeredName = RegisteredName(field);

            member = new MemberSpec(
                memberName,
                "this." + Identifier(memberName),
                registeredName,
                field.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                kind.Value,
                attributeKind,
                scale,
                includeBiases,
                layer?.Name);
            return true;
        }

        private MemberKind? Classify(ITypeSymbol type, out TorchSharpLayer? layer)
        {
            layer = null;
            switch (type)
            {
                case IErrorTypeSymbol:
                    return null;
                case ITypeParameterSymbol:
                    return MemberKind.Value;
                case { SpecialType: SpecialType.System_Object }:
                case { TypeKind: TypeKind.Interface }:
                    return MemberKind.Value;
                case INamedTypeSymbol named when symbols.IsParameter(named):
                    return MemberKind.Parameter;
                case INamedTypeSymbol named when symbols.IsTensor(named):
                    return MemberKind.Value;
                case INamedTypeSymbol named when symbols.IsTorchSharpBase(named):
                    // TorchSharp's own types: the layer table decides, without looking into their members.
                    layer = TorchSharpLayers.Find(ModelFacts.MetadataName(named.OriginalDefinition));
                    return layer?.Kind switch
                    {
                        TorchSharpModuleKind.Layer => MemberKind.Layer,
                        TorchSharpModuleKind.ModuleContainer or TorchSharpModuleKind.ParameterContainer => MemberKind.Container,
                        _ => symbols.IsModule(named) ? MemberKind.Module : null,
                    };
                case INamedTypeSymbol named when symbols.IsModule(named):
                    return ModelFacts.IsDecayGroupsModel(named) || symbols.IsContributor(named) ? MemberKind.DecayGroupsModule : MemberKind.Module;
                default:
                    return null;
            }
        }

        private static bool TryReadDecay(AttributeData attribute, out double scale, out bool includeBiases)
        {
            scale = 1.0;
            includeBiases = false;
            if (attribute.ConstructorArguments.Length == 1)
            {
                if (attribute.ConstructorArguments[0].Value is not double value)
                {
                    return false;
                }

                scale = value;
            }

            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == WdGenNames.IncludeBiases && named.Value.Value is bool include)
                {
                    includeBiases = include;
                }
            }

            // A scale that is not positive and finite is WDG007; nothing sensible can be generated for it.
            return !double.IsNaN(scale) && !double.IsInfinity(scale) && scale > 0;
        }

        private string RegisteredName(IFieldSymbol field)
        {
            if (symbols.ComponentNameAttribute is { } componentName)
            {
                foreach (var attribute in field.GetAttributes())
                {
                    if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, componentName))
                    {
                        foreach (var named in attribute.NamedArguments)
                        {
                            if (named.Key == "Name" && named.Value.Value is string { Length: > 0 } name)
                            {
                                return name;
                            }
                        }
                    }
                }
            }

            return field.Name;
        }

        /// <summary>Half-typed code (<c>class : Module</c>, <c>namespace Odd.</c>, <c>Model&lt;&gt;</c>) has symbols with empty names: no code for them.</summary>
        private static bool HasMissingName(ISymbol? symbol)
            => symbol is not null and not INamespaceSymbol { IsGlobalNamespace: true }
               && (symbol.Name.Length == 0 || (symbol is INamedTypeSymbol named && named.TypeParameters.Any(p => p.Name.Length == 0)) || HasMissingName(symbol.ContainingSymbol));



        private static TypeDeclarationSpec Declaration(INamedTypeSymbol type)
        {
            var keyword = type.IsRecord
                ? (type.TypeKind == TypeKind.Struct ? "record struct" : "record")
                : type.TypeKind switch
                {
                    TypeKind.Struct => "struct",
                    TypeKind.Interface => "interface",
                    _ => "class",
                };
            var name = Identifier(type.Name);
            if (type.TypeParameters.Length > 0)
            {
                name += "<" + string.Join(", ", type.TypeParameters.Select(p => Identifier(p.Name))) + ">";
            }

            return new TypeDeclarationSpec(keyword, name);
        }

        private static string HintName(INamedTypeSymbol type)
            => ModelFacts.MetadataName(type).Replace("@", string.Empty).Replace('+', '.').Replace('`', '_') + ".g.cs";

        private static string Identifier(string name)
            => SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None ? name : "@" + name;
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using WdGen.Generator.Model;

namespace WdGen.Generator.Parsing
{
    /// <summary>
    /// Reads one partial class declaration into a <see cref="PartSpec"/> from syntax alone. It never asks the
    /// semantic model: a semantic read re-runs for every model after any edit anywhere (each edit makes a new
    /// compilation), while a syntax read of an unchanged file is cheap and its result compares equal. What only
    /// types can tell (is a field's type a module, what a [Decay] argument evaluates to) is left to the compiler,
    /// which binds the generated code, and to the runtime, which reads the compiled metadata (<c>DecayPlan.Of</c>).
    /// </summary>
    internal static class PartParser
    {
        /// <summary>A partial class, or a <c>global using</c> directive (any: <see cref="Parse(SyntaxNode, CancellationToken)"/> keeps WdGen's).</summary>
        public static bool IsCandidate(SyntaxNode node) => node switch
        {
            ClassDeclarationSyntax declaration => declaration.Modifiers.Any(SyntaxKind.PartialKeyword),
            UsingDirectiveSyntax directive => directive.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword),
            _ => false,
        };

        /// <summary>A node <see cref="IsCandidate"/> accepted, read; null when it cannot matter to a model.</summary>
        public static SyntaxSpec? Parse(SyntaxNode node, CancellationToken cancellationToken) => node switch
        {
            ClassDeclarationSyntax declaration => Parse(declaration, cancellationToken),
            UsingDirectiveSyntax directive when ParseGlobalUsing(directive) is { } alias => new GlobalUsingSpec(alias),
            _ => null,
        };

        /// <summary>The part, or null when it is half-typed or holds nothing that could matter to a model (no member, no attribute).</summary>
        public static PartSpec? Parse(ClassDeclarationSyntax declaration, CancellationToken cancellationToken)
        {
            if (HasMissingName(declaration))
            {
                return null;
            }

            var members = new List<string>();
            var memberAttributes = new List<string>();
            foreach (var member in declaration.Members)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (member)
                {
                    case FieldDeclarationSyntax field:
                        AddAttributes(memberAttributes, field.AttributeLists);
                        if (MayHoldParameters(Storage(field), field.Declaration.Type))
                        {
                            members.AddRange(field.Declaration.Variables.Where(v => !IsMissing(v.Identifier)).Select(v => v.Identifier.ValueText));
                        }

                        break;
                    case PropertyDeclarationSyntax property:
                        AddAttributes(memberAttributes, property.AttributeLists);
                        if (MayHoldParameters(IsAutoProperty(property) ? MemberStorage.AutoProperty : MemberStorage.Other, property.Type) && !IsMissing(property.Identifier))
                        {
                            members.Add(property.Identifier.ValueText);
                        }

                        break;
                }
            }

            var classAttributes = new List<string>();
            AddAttributes(classAttributes, declaration.AttributeLists);
            if (members.Count == 0 && classAttributes.Count == 0 && memberAttributes.Count == 0)
            {
                return null;
            }

            var canExtend = !declaration.Modifiers.Any(m => m.IsKind(SyntaxKind.StaticKeyword) || m.IsKind(SyntaxKind.FileKeyword));
            var containing = new List<TypeDeclarationSpec>();
            var key = MetadataName(declaration);
            var namespaces = new List<string>();
            var importsWdGen = false;
            var aliases = new List<AliasSpec>();
            for (var parent = declaration.Parent; parent is not null; parent = parent.Parent)
            {
                switch (parent)
                {
                    case TypeDeclarationSyntax outer:
                        if (HasMissingName(outer))
                        {
                            return null;
                        }

                        canExtend &= outer.Modifiers.Any(SyntaxKind.PartialKeyword) && !outer.Modifiers.Any(SyntaxKind.FileKeyword);
                        containing.Insert(0, Declaration(outer));
                        key = MetadataName(outer) + "+" + key;
                        break;
                    case BaseNamespaceDeclarationSyntax ns:
                        if (NamespaceName(ns.Name) is not { } name)
                        {
                            return null;
                        }

                        namespaces.Insert(0, name);
                        importsWdGen |= name == "WdGen" || name.StartsWith("WdGen.", StringComparison.Ordinal);
                        ReadUsings(ns.Usings, ref importsWdGen, aliases);
                        break;
                    case CompilationUnitSyntax unit:
                        ReadUsings(unit.Usings, ref importsWdGen, aliases);
                        break;
                    default:
                        return null; // not a place a model can be extended from
                }
            }

            var fullNamespace = namespaces.Count == 0 ? null : string.Join(".", namespaces);
            return new PartSpec(
                (fullNamespace is null ? string.Empty : fullNamespace + ".") + key,
                declaration.SyntaxTree.FilePath,
                declaration.SpanStart,
                fullNamespace,
                containing.ToEquatableArray(),
                Declaration(declaration),
                canExtend,
                declaration.BaseList is { Types.Count: > 0 },
                classAttributes.ToEquatableArray(),
                memberAttributes.ToEquatableArray(),
                new NameScope(importsWdGen, aliases.ToEquatableArray()),
                members.ToEquatableArray());
        }

        /// <summary>A <c>global using</c> of WdGen (alias empty) or of an alias into it; null for any other.</summary>
        public static AliasSpec? ParseGlobalUsing(UsingDirectiveSyntax directive)
            => UsingOfWdGen(directive) is { } target
                ? new AliasSpec(directive.Alias?.Name.Identifier.ValueText ?? string.Empty, target)
                : null;

        /// <summary>An identifier as C# must write it: <c>@class</c> for a keyword.</summary>
        public static string Identifier(string name)
            => SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None ? name : "@" + name;

        /// <summary>
        /// Whether a member could hold a module or a parameter, by the shared rule (<see cref="ParameterHolders"/>) fed with
        /// what syntax shows: a named type is only a name here (the runtime reads its declared type), so only what is
        /// certain is ruled out (keyword types other than object, arrays, pointers, tuples, static and const fields).
        /// </summary>
        private static bool MayHoldParameters(MemberStorage storage, TypeSyntax type)
            => ParameterHolders.Of(storage, KindOf(type), TorchSharpBase.None) != HeldValue.Nothing;

        private static DeclaredTypeKind KindOf(TypeSyntax type) => type switch
        {
            NullableTypeSyntax nullable => KindOf(nullable.ElementType),
            PredefinedTypeSyntax predefined => predefined.Keyword.IsKind(SyntaxKind.ObjectKeyword) ? DeclaredTypeKind.Object : DeclaredTypeKind.Other,
            // A half-typed name has nothing to walk: the generator emits nothing for input it cannot handle.
            NameSyntax name => name.IsMissing ? DeclaredTypeKind.Other : DeclaredTypeKind.Name,
            _ => DeclaredTypeKind.Other,
        };

        private static MemberStorage Storage(FieldDeclarationSyntax field)
            => field.Modifiers.Any(m => m.IsKind(SyntaxKind.StaticKeyword) || m.IsKind(SyntaxKind.ConstKeyword) || m.IsKind(SyntaxKind.FixedKeyword))
                ? MemberStorage.Other
                : MemberStorage.InstanceField;

        /// <summary>An instance auto-property: TorchSharp registers its backing field.</summary>
        private static bool IsAutoProperty(PropertyDeclarationSyntax property)
            => property.AccessorList is { } accessors
               && property.ExpressionBody is null
               && !property.Modifiers.Any(m => m.IsKind(SyntaxKind.StaticKeyword) || m.IsKind(SyntaxKind.AbstractKeyword) || m.IsKind(SyntaxKind.ExternKeyword) || m.IsKind(SyntaxKind.PartialKeyword))
               && accessors.Accessors.Any(a => a.IsKind(SyntaxKind.GetAccessorDeclaration))
               && accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null);

        private static void AddAttributes(List<string> names, SyntaxList<AttributeListSyntax> lists)
        {
            foreach (var list in lists)
            {
                foreach (var attribute in list.Attributes)
                {
                    if (WrittenName(attribute.Name) is { } name)
                    {
                        names.Add(name);
                    }
                }
            }
        }

        private static void ReadUsings(SyntaxList<UsingDirectiveSyntax> usings, ref bool importsWdGen, List<AliasSpec> aliases)
        {
            foreach (var directive in usings)
            {
                if (UsingOfWdGen(directive) is not { } target)
                {
                    continue;
                }

                if (directive.Alias is null)
                {
                    importsWdGen |= target == "WdGen";
                }
                else
                {
                    aliases.Add(new AliasSpec(directive.Alias.Name.Identifier.ValueText, target));
                }
            }
        }

        /// <summary>The target of <c>using WdGen…;</c> or <c>using A = WdGen…;</c>; null for a static using or any other target.</summary>
        private static string? UsingOfWdGen(UsingDirectiveSyntax directive)
            => directive.StaticKeyword.IsKind(SyntaxKind.None)
               && directive.Name is { } name
               && WrittenName(name) is { } target
               && (target == "WdGen" || target.StartsWith("WdGen.", StringComparison.Ordinal))
                ? target
                : null;

        /// <summary>A name as written, without trivia or <c>global::</c>: <c>WdGen.DecayGroups</c>; null when half-typed.</summary>
        private static string? WrittenName(NameSyntax name)
        {
            var text = new StringBuilder();
            foreach (var token in name.DescendantTokens())
            {
                if (token.IsMissing)
                {
                    return null;
                }

                text.Append(token.IsKind(SyntaxKind.IdentifierToken) ? token.ValueText : token.Text);
            }

            var written = text.ToString();
            return written.StartsWith("global::", StringComparison.Ordinal) ? written.Substring("global::".Length) : written;
        }

        private static string? NamespaceName(NameSyntax name)
        {
            var parts = new List<string>();
            foreach (var token in name.DescendantTokens())
            {
                if (token.IsMissing)
                {
                    return null;
                }

                if (token.IsKind(SyntaxKind.IdentifierToken))
                {
                    parts.Add(token.ValueText);
                }
            }

            return parts.Count == 0 ? null : string.Join(".", parts);
        }

        /// <summary>The metadata name of a declaration: <c>Net`1</c>.</summary>
        private static string MetadataName(TypeDeclarationSyntax declaration)
            => declaration.Identifier.ValueText + (declaration.TypeParameterList is { Parameters.Count: > 0 } list ? "`" + list.Parameters.Count : string.Empty);

        private static TypeDeclarationSpec Declaration(TypeDeclarationSyntax declaration)
        {
            var keyword = declaration switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                _ => "class",
            };
            var name = Identifier(declaration.Identifier.ValueText);
            if (declaration.TypeParameterList is { Parameters.Count: > 0 } list)
            {
                name += "<" + string.Join(", ", list.Parameters.Select(p => Identifier(p.Identifier.ValueText))) + ">";
            }

            return new TypeDeclarationSpec(keyword, name);
        }

        /// <summary>Half-typed code (<c>class : Module</c>, <c>Model&lt;&gt;</c>) has declarations without names: no code for them.</summary>
        private static bool HasMissingName(TypeDeclarationSyntax declaration)
            => IsMissing(declaration.Identifier) || declaration.TypeParameterList?.Parameters.Any(p => IsMissing(p.Identifier)) == true;

        private static bool IsMissing(SyntaxToken identifier) => identifier.IsMissing || identifier.ValueText.Length == 0;
    }
}

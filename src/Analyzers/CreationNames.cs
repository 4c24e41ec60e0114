using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace WdGen.Analyzers
{
    /// <summary>
    /// Which written type names in <c>new T(…)</c> may denote an optimizer class or a ParamGroup: the optimizer table's
    /// names and ParamGroup, plus (computed once, on first need) the names of ParamGroup subclasses declared in source or
    /// in libraries built on TorchSharp, and of using aliases to any of those, so a creation can be rejected without
    /// binding its method.
    /// </summary>
    internal sealed class CreationNames
    {
        private static readonly HashSet<string> TorchSharpNames = new HashSet<string>(
            TorchSharpOptimizers.All.Select(o => o.Name).Concat(new[] { TorchSharpOptimizers.ParamGroupTypeName }),
            System.StringComparer.Ordinal);

        private readonly TorchSharpApi api;
        private readonly Compilation compilation;
        private readonly System.Lazy<HashSet<string>> others;

        public CreationNames(TorchSharpApi api, Compilation compilation)
        {
            this.api = api;
            this.compilation = compilation;
            others = new System.Lazy<HashSet<string>>(Collect, System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public bool MayName(TypeSyntax type)
        {
            var name = RightmostName(type);
            return name is not null && (TorchSharpNames.Contains(name) || others.Value.Contains(name));
        }

        private static string? RightmostName(TypeSyntax type)
            => type switch
            {
                SimpleNameSyntax simple => simple.Identifier.ValueText,
                QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
                _ => null,
            };

        private HashSet<string> Collect()
        {
            var names = new HashSet<string>(System.StringComparer.Ordinal);
            AddSubclasses(compilation.Assembly.GlobalNamespace, names);
            var torchSharp = api.Module.ContainingAssembly;
            foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
            {
                if (!SymbolEqualityComparer.Default.Equals(assembly, torchSharp)
                    && assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == torchSharp.Identity.Name)))
                {
                    AddSubclasses(assembly.GlobalNamespace, names);
                }
            }

            // Aliases (using G = TorchSharp.Modules.AdamW.ParamGroup;), in any file since global ones reach every file.
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (tree.GetRoot() is CompilationUnitSyntax unit)
                {
                    AddAliases(unit.Usings, unit.Members, names);
                }
            }

            return names;
        }

        private void AddSubclasses(INamespaceOrTypeSymbol container, HashSet<string> names)
        {
            foreach (var member in container.GetMembers())
            {
                if (member is INamespaceSymbol ns)
                {
                    AddSubclasses(ns, names);
                }
                else if (member is INamedTypeSymbol type)
                {
                    if (type.TypeKind == TypeKind.Class && api.IsParamGroup(type))
                    {
                        names.Add(type.Name);
                    }

                    AddSubclasses(type, names);
                }
            }
        }

        private static void AddAliases(SyntaxList<UsingDirectiveSyntax> usings, SyntaxList<MemberDeclarationSyntax> members, HashSet<string> names)
        {
            foreach (var directive in usings)
            {
                if (directive.Alias is { } alias)
                {
                    // Over-including is harmless (one more creation bound), so every alias counts.
                    names.Add(alias.Name.Identifier.ValueText);
                }
            }

            foreach (var member in members)
            {
                if (member is BaseNamespaceDeclarationSyntax ns)
                {
                    AddAliases(ns.Usings, ns.Members, names);
                }
            }
        }
    }
}

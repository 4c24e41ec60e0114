using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WdGen.Analyzers.Rules
{
    /// <summary>WDG009: the parameter-bearing fields of one module declared in several files (their registration order then depends on the files' order).</summary>
    internal static class SplitFieldsRule
    {
        public static void Check(SymbolAnalysisContext context, TorchSharpApi api, INamedTypeSymbol type)
        {
            // Every model has a second declaration (its generated code), so the syntax is read first: with fields and
            // properties in one file at most, the symbols' locations (allocated anew on each call) are not needed.
            if (!DeclaresMembersInSeveralFiles(type, context.CancellationToken))
            {
                return;
            }

            var files = new List<string>();
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol { IsImplicitlyDeclared: false } or IPropertySymbol
                    && api.Holds(member) is HeldValue.Module or HeldValue.Parameter
                    && member.Locations.FirstOrDefault(l => l.IsInSource)?.SourceTree?.FilePath is { } path && !files.Contains(path))
                {
                    files.Add(path);
                }
            }

            if (files.Count > 1 && type.Locations.FirstOrDefault(l => l.IsInSource) is { } location)
            {
                var names = string.Join(", ", files.Select(f => System.IO.Path.GetFileName(f)).OrderBy(f => f, StringComparer.Ordinal));
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG009, location, type.Name, files.Count, names));
            }
        }

        private static bool DeclaresMembersInSeveralFiles(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            SyntaxTree? first = null;
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
                    && (declaration.ParameterList is not null || declaration.Members.Any(m => m is BaseFieldDeclarationSyntax or PropertyDeclarationSyntax)))
                {
                    if (first is null)
                    {
                        first = declaration.SyntaxTree;
                    }
                    else if (first != declaration.SyntaxTree)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}

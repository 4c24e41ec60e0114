using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace WdGen.CodeFixes
{
    internal static class FixHelpers
    {
        /// <summary>Adds <c>using <paramref name="ns"/>;</c> to the file unless a using of it is already in force.</summary>
        public static CompilationUnitSyntax AddUsing(CompilationUnitSyntax root, string ns)
        {
            var present = root.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)
                .OfType<UsingDirectiveSyntax>()
                .Any(u => u.StaticKeyword.IsKind(SyntaxKind.None) && u.Alias is null && u.Name?.ToString() == ns);
            if (present)
            {
                return root;
            }

            var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(ns)).WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed);
            return root.AddUsings(directive);
        }

        /// <summary>Replaces <paramref name="node"/> by <paramref name="replacement"/> and, if asked, adds a using.</summary>
        public static async Task<Document> ReplaceAsync(Document document, SyntaxNode node, SyntaxNode replacement, string? usingNamespace, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            var newRoot = root.ReplaceNode(node, replacement.WithTriviaFrom(node).WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation));
            if (usingNamespace is not null && newRoot is CompilationUnitSyntax unit)
            {
                newRoot = AddUsing(unit, usingNamespace);
            }

            return document.WithSyntaxRoot(newRoot);
        }

        /// <summary>The node a diagnostic points at (the innermost one with exactly its span).</summary>
        public static SyntaxNode? NodeAt(SyntaxNode root, Microsoft.CodeAnalysis.Text.TextSpan span)
        {
            var node = root.FindNode(span, getInnermostNodeForTie: true);
            while (node.Parent is { } parent && parent.Span == span)
            {
                node = parent;
            }

            return node is ArgumentSyntax argument ? argument.Expression : node;
        }
    }
}

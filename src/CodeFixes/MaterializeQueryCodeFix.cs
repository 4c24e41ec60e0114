using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using WdGen.Analyzers;

namespace WdGen.CodeFixes
{
    /// <summary>WDG003: materialize the query once, <c>query.ToArray()</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MaterializeQueryCodeFix)), Shared]
    public sealed class MaterializeQueryCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "WDG003.ToArray";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.LazyParameterQuery);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (FixHelpers.NodeAt(root, diagnostic.Location.SourceSpan) is not ExpressionSyntax expression)
                {
                    continue;
                }

                var receiver = expression is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax
                    ? expression.WithoutTrivia()
                    : SyntaxFactory.ParenthesizedExpression(expression.WithoutTrivia());
                var replacement = SyntaxFactory.InvocationExpression(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName("ToArray")));
                context.RegisterCodeFix(
                    CodeAction.Create("Materialize with .ToArray()", token => FixHelpers.ReplaceAsync(context.Document, expression, replacement, "System.Linq", token), EquivalenceKey),
                    diagnostic);
            }
        }
    }
}

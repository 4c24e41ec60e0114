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
    /// <summary>WDG005 on an optimizer with a decoupled variant of the same arguments (Adam): switch to it (AdamW).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseAdamWCodeFix)), Shared]
    public sealed class UseAdamWCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "WDG005.AdamW";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.CoupledWeightDecay);

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
                if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.Optimizer, out var optimizer) || optimizer is null
                    || !diagnostic.Properties.TryGetValue(DiagnosticProperties.DecoupledVariant, out var variant) || variant is null
                    || FixHelpers.NodeAt(root, diagnostic.Location.SourceSpan) is not { } node)
                {
                    continue;
                }

                var call = node.Parent?.FirstAncestorOrSelf<SyntaxNode>(n => n is InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax);
                var name = call switch
                {
                    InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => access.Name,
                    InvocationExpressionSyntax { Expression: SimpleNameSyntax simple } => simple,
                    ObjectCreationExpressionSyntax { Type: QualifiedNameSyntax qualified } => qualified.Right,
                    ObjectCreationExpressionSyntax { Type: SimpleNameSyntax simple } => simple,
                    _ => null,
                };
                if (name is not IdentifierNameSyntax identifier || identifier.Identifier.ValueText != optimizer)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Use " + variant + " (decoupled weight decay)",
                        token => FixHelpers.ReplaceAsync(context.Document, identifier, SyntaxFactory.IdentifierName(variant), null, token),
                        EquivalenceKey),
                    diagnostic);
            }
        }
    }
}

using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using WdGen.Analyzers;

namespace WdGen.CodeFixes
{
    /// <summary>WDG001: keep the model's own order, <c>model.parameters().Where(set.Contains).ToArray()</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnorderedParametersCodeFix)), Shared]
    public sealed class UnorderedParametersCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "WDG001.ModelOrder";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnorderedParameters);

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
                if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.Model, out var model) || model is null
                    || !diagnostic.Properties.TryGetValue(DiagnosticProperties.UnorderedSource, out var set) || set is null
                    || !diagnostic.Properties.TryGetValue(DiagnosticProperties.ModelMethod, out var method) || method is null
                    || FixHelpers.NodeAt(root, diagnostic.Location.SourceSpan) is not { } node)
                {
                    continue;
                }

                var text = model + "." + method + "().Where(" + set + ".Contains).ToArray()";
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Keep the model's order: " + text,
                        token => FixHelpers.ReplaceAsync(context.Document, node, SyntaxFactory.ParseExpression(text), "System.Linq", token),
                        EquivalenceKey),
                    diagnostic);
            }
        }
    }
}

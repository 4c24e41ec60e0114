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
    /// <summary>
    /// WDG014: clip over each tensor once, the generated groups' entries:
    /// <c>clip_grad_norm_(model.GetDecayGroups().Entries.Select(e =&gt; e.Parameter), …)</c>, adding <c>[DecayGroups]</c> and
    /// <c>partial</c> to the model where needed.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ClipUniqueTensorsCodeFix)), Shared]
    public sealed class ClipUniqueTensorsCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "WDG014.UniqueTensors";

        private static readonly string[] Usings = { "System.Linq", "WdGen" };

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.TiedGradientClipping);

        // Each fix may edit the model class, possibly in another document: no batch fix-all.
        public override FixAllProvider? GetFixAllProvider() => null;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || semanticModel is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.CanUseGeneratedGroups, out var can) || can != "true"
                    || !diagnostic.Properties.TryGetValue(DiagnosticProperties.Model, out var model) || model is null
                    || FixHelpers.NodeAt(root, diagnostic.Location.SourceSpan) is not ExpressionSyntax tensors
                    || semanticModel.GetOperation(tensors, context.CancellationToken) is not { } operation
                    || GeneratedGroupsEdit.ModelReceiver(operation)?.Type is not INamedTypeSymbol modelType)
                {
                    continue;
                }

                // Until WdGen.TorchSharp has groups.ClipGradNorm(maxNorm), the entries list each tensor once.
                var replacement = SyntaxFactory.ParseExpression(model + "." + TorchSharpOptimizers.GetDecayGroups + "().Entries.Select(e => e.Parameter)");
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Clip over each tensor once: " + replacement,
                        token => GeneratedGroupsEdit.ApplyAsync(context.Document, tensors, replacement, modelType, Usings, token),
                        EquivalenceKey),
                    diagnostic);
            }
        }
    }
}

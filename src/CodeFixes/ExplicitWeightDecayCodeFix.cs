using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
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
    /// WDG012: pass weight_decay explicitly, either PyTorch's default (what ported code meant) or TorchSharp's (no decay,
    /// now said), both read from the optimizer table.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ExplicitWeightDecayCodeFix)), Shared]
    public sealed class ExplicitWeightDecayCodeFix : CodeFixProvider
    {
        public const string PyTorchDefaultKey = "WDG012.PyTorchDefault";
        public const string NoDecayKey = "WDG012.NoDecay";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.DefaultWeightDecay);

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
                if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.Optimizer, out var name) || name is null
                    || TorchSharpOptimizers.Find(name) is not { } optimizer
                    || FixHelpers.NodeAt(root, diagnostic.Location.SourceSpan)?.FirstAncestorOrSelf<SyntaxNode>(n => n is InvocationExpressionSyntax or ObjectCreationExpressionSyntax) is not { } call
                    || ArgumentsOf(call) is not { } arguments)
                {
                    continue;
                }

                Register(context, diagnostic, call, arguments, optimizer.PyTorchWeightDecayDefault, "as in PyTorch", PyTorchDefaultKey);
                Register(context, diagnostic, call, arguments, optimizer.WeightDecayDefault, "no weight decay, said explicitly", NoDecayKey);
            }
        }

        private static void Register(CodeFixContext context, Diagnostic diagnostic, SyntaxNode call, ArgumentListSyntax arguments, double value, string what, string key)
        {
            var literal = value.ToString("R", CultureInfo.InvariantCulture);
            var argument = SyntaxFactory.Argument(
                SyntaxFactory.NameColon(TorchSharpOptimizers.WeightDecay),
                default,
                SyntaxFactory.ParseExpression(literal));
            var replacement = call.ReplaceNode(arguments, arguments.AddArguments(argument));
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Pass " + TorchSharpOptimizers.WeightDecay + ": " + literal + " (" + what + ")",
                    token => FixHelpers.ReplaceAsync(context.Document, call, replacement, null, token),
                    key),
                diagnostic);
        }

        private static ArgumentListSyntax? ArgumentsOf(SyntaxNode call)
            => call switch
            {
                InvocationExpressionSyntax invocation => invocation.ArgumentList,
                ObjectCreationExpressionSyntax creation => creation.ArgumentList,
                _ => null,
            };
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using WdGen.Analyzers;

namespace WdGen.CodeFixes
{
    /// <summary>WDG004: <c>new X.ParamGroup(ps, lr: a, weight_decay: b)</c> → <c>new X.ParamGroup(ps, new X.Options { LearningRate = a, weight_decay = b })</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ParamGroupOptionsCodeFix)), Shared]
    public sealed class ParamGroupOptionsCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "WDG004.Options";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ConvenienceParamGroup);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (FixHelpers.NodeAt(root, diagnostic.Location.SourceSpan) is not ObjectCreationExpressionSyntax creation
                    || model.GetOperation(creation, context.CancellationToken) is not IObjectCreationOperation operation)
                {
                    continue;
                }

                var parameters = operation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == TorchSharpOptimizers.ParametersOrdinal);
                if (parameters is null)
                {
                    continue;
                }

                var assignments = new List<string>();
                foreach (var argument in operation.Arguments)
                {
                    if (argument.ArgumentKind == ArgumentKind.Explicit && argument.Parameter is { Name: var name } && argument != parameters)
                    {
                        assignments.Add((name == TorchSharpOptimizers.LearningRate ? TorchSharpOptimizers.OptionsLearningRate : name) + " = " + argument.Value.Syntax);
                    }
                }

                var typeText = creation.Type.ToString();
                var optionsType = typeText.EndsWith(TorchSharpOptimizers.ParamGroupTypeName, System.StringComparison.Ordinal)
                    ? typeText.Substring(0, typeText.Length - TorchSharpOptimizers.ParamGroupTypeName.Length) + TorchSharpOptimizers.OptionsTypeName
                    : operation.Type?.ContainingType?.ToDisplayString() + "." + TorchSharpOptimizers.OptionsTypeName;
                var options = "new " + optionsType + (assignments.Count == 0 ? "()" : " { " + string.Join(", ", assignments) + " }");
                var replacement = SyntaxFactory.ParseExpression("new " + typeText + "(" + parameters.Value.Syntax + ", " + options + ")");
                context.RegisterCodeFix(
                    CodeAction.Create("Use the Options form (inherits the optimizer's lr)", token => FixHelpers.ReplaceAsync(context.Document, creation, replacement, null, token), EquivalenceKey),
                    diagnostic);
            }
        }
    }
}

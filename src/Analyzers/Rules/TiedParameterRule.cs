using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WdGen.Analyzers.Rules
{
    /// <summary>WDG011: the parameters of a model with a tied weight (listed twice by TorchSharp) handed straight to an optimizer.</summary>
    internal static class TiedParameterRule
    {
        public static void Check(SemanticModelAnalysisContext context, ModelInspector inspector, OptimizerConstruction optimizer, ParameterSource source, ImmutableDictionary<string, string?> fixProperties)
        {
            if (source.IsWholeModel && source.ModelReceiver?.Type is { } modelType && inspector.FindTie(modelType, context.CancellationToken) is { } tie)
            {
                var parameters = optimizer.Parameters.Value;
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG011, parameters.Syntax.GetLocation(), fixProperties, parameters.Syntax.ToString(), tie, optimizer.Optimizer.Name));
            }
        }
    }
}

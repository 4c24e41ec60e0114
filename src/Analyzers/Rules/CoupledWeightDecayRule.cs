using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers.Rules
{
    /// <summary>WDG005: a non-zero weight_decay on an optimizer whose decay is coupled (an L2 term in the gradient), per the optimizer table.</summary>
    internal static class CoupledWeightDecayRule
    {
        public static void Check(SemanticModelAnalysisContext context, OptimizerConstruction construction)
        {
            var optimizer = construction.Optimizer;
            if (optimizer.Coupling != WeightDecayCoupling.Coupled || !construction.Decays || construction.WeightDecay is not { ArgumentKind: ArgumentKind.Explicit } weightDecay)
            {
                return;
            }

            var props = ImmutableDictionary<string, string?>.Empty;
            string hint;
            if (optimizer.DecoupledVariant is { } variant)
            {
                hint = "; use " + variant + " for decoupled weight decay";

                // Renaming the call is safe over plain parameters; ParamGroups are typed by the optimizer they belong to.
                if (!construction.TakesGroups)
                {
                    props = props.Add(DiagnosticProperties.Optimizer, optimizer.Name).Add(DiagnosticProperties.DecoupledVariant, variant);
                }
            }
            else
            {
                hint = "; prefer " + TorchSharpOptimizers.AdamW.Name + " for decoupled weight decay, or keep " + optimizer.Name + "'s L2 deliberately";
            }

            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG005, weightDecay.Value.Syntax.GetLocation(), props, construction.DecayText, optimizer.Name, hint));
        }
    }
}

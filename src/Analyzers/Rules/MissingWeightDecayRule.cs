using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers.Rules
{
    /// <summary>
    /// WDG012: an optimizer whose weight_decay default differs from PyTorch's (AdamW: 0 here, 0.01 there, per the
    /// optimizer table) built without one, so code ported from PyTorch silently trains without decay.
    /// </summary>
    internal static class MissingWeightDecayRule
    {
        /// <param name="groups">The optimizer's groups when it takes ParamGroups; <paramref name="complete"/> says whether all were seen.</param>
        public static void Check(SemanticModelAnalysisContext context, OptimizerConstruction construction, IReadOnlyList<ParameterGroup> groups, bool complete)
        {
            var optimizer = construction.Optimizer;
            if (!optimizer.DefaultDiffersFromPyTorch || construction.WeightDecay is not { ArgumentKind: ArgumentKind.DefaultValue })
            {
                return;
            }

            // Groups that set their own weight_decay do not inherit the optimizer's; unseen groups may.
            if (construction.TakesGroups && (!complete || groups.All(g => g.OwnWeightDecay is not null)))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.WDG012,
                construction.NameSyntax.GetLocation(),
                ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.Optimizer, optimizer.Name),
                optimizer.Name,
                TorchSharpOptimizers.WeightDecay,
                Operations.Literal(optimizer.WeightDecayDefault),
                Operations.Literal(optimizer.PyTorchWeightDecayDefault),
                optimizer.GroupsExtension is { } extension ? ", or build it with model." + TorchSharpOptimizers.GetDecayGroups + "()." + extension + "(lr, weightDecay)" : string.Empty));
        }
    }
}

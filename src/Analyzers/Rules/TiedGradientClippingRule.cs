using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers.Rules
{
    /// <summary>
    /// WDG014: <c>torch.nn.utils.clip_grad_norm_(model.parameters(), …)</c> on a model with a tied weight, or over the
    /// <c>parameters()</c> of an optimizer built from such a model's. TorchSharp lists the tied tensor twice, so its
    /// gradient counts twice in the total norm (and is scaled twice when clipped).
    /// </summary>
    internal static class TiedGradientClippingRule
    {
        public static void Check(SemanticModelAnalysisContext context, TorchSharpApi api, ModelInspector inspector, IInvocationOperation clip)
        {
            if (Operations.Argument(clip.Arguments, TorchSharpLayers.ClipGradNormTensors)?.Value is not { } tensors)
            {
                return;
            }

            var optimizer = OptimizerOf(tensors, api, context.CancellationToken);
            var source = ParameterSource.Trace(api, optimizer?.Parameters.Value ?? tensors, context.CancellationToken);
            if (!source.IsWholeModel || source.ModelReceiver is not { Type: { } modelType } model || inspector.FindTie(modelType, context.CancellationToken) is not { } tie)
            {
                return;
            }

            // The fix rewrites the argument from the model's groups: only when it is the model's own parameters.
            var props = ImmutableDictionary<string, string?>.Empty;
            if (optimizer is null && Operations.InScope(model, clip) && (ModelFacts.IsDecayGroupsModel(modelType) || modelType.DeclaringSyntaxReferences.Length > 0))
            {
                props = props.Add(DiagnosticProperties.CanUseGeneratedGroups, "true").Add(DiagnosticProperties.Model, model.Syntax.ToString());
            }

            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG014, tensors.Syntax.GetLocation(), props, tensors.Syntax.ToString(), tie, model.Syntax.ToString()));
        }

        /// <summary>The optimizer built in view whose <c>parameters()</c> are clipped (<c>optimizer.parameters()</c>, through locals), if that is what they are.</summary>
        private static OptimizerConstruction? OptimizerOf(IOperation tensors, TorchSharpApi api, CancellationToken cancellationToken)
            => Operations.ThroughLocal(tensors, cancellationToken) is IInvocationOperation { TargetMethod.Name: "parameters", Instance: { } instance } && api.IsOptimizer(instance.Type)
                && OptimizerConstruction.Of(Operations.ThroughLocal(instance, cancellationToken), api) is { TakesGroups: false } optimizer
                ? optimizer
                : null;
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers.Rules
{
    /// <summary>WDG004: <c>new X.ParamGroup(parameters, lr: …)</c>, whose defaults override the optimizer's options.</summary>
    internal static class ConvenienceParamGroupRule
    {
        public static void Check(SemanticModelAnalysisContext context, TorchSharpApi api, IObjectCreationOperation creation)
        {
            if (!ParamGroups.IsConvenienceConstructor(creation.Constructor) || api.OptimizerOf(creation.Type) is not { } optimizer)
            {
                return;
            }

            var lr = Operations.Argument(creation.Arguments, TorchSharpOptimizers.LearningRate);
            var sets = lr is { ArgumentKind: ArgumentKind.Explicit }
                ? TorchSharpOptimizers.LearningRate + " = " + lr.Value.Syntax
                : TorchSharpOptimizers.LearningRate + " = " + Operations.DescribeValue(lr) + " unless given";
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.WDG004,
                creation.Syntax.GetLocation(),
                Operations.Shorten(creation.Syntax.ToString()),
                optimizer.Name,
                sets));
        }
    }
}

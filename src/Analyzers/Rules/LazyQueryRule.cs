using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WdGen.Analyzers.Rules
{
    /// <summary>WDG003: a lazy query as an optimizer's or a group's parameters, which TorchSharp re-runs on every step.</summary>
    internal static class LazyQueryRule
    {
        public static void Check(SemanticModelAnalysisContext context, ParameterSource source, IOperation expression, string target)
        {
            if (source.Lazy)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG003, expression.Syntax.GetLocation(), Operations.Shorten(expression.Syntax.ToString()), target));
            }
        }
    }
}

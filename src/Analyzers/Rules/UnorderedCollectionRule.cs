using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WdGen.Analyzers.Rules
{
    /// <summary>WDG001: an unordered collection (HashSet, dictionary keys or values, …) as an optimizer's or a group's parameters.</summary>
    internal static class UnorderedCollectionRule
    {
        /// <summary>
        /// Reports when <paramref name="source"/> has no stable order; true then, and nothing more should be said about
        /// the expression. <paramref name="optimizer"/> is the optimizer receiving it directly (null for a ParamGroup).
        /// </summary>
        public static bool Check(SemanticModelAnalysisContext context, ParameterSource source, IOperation expression, string target, TorchSharpOptimizer? optimizer)
        {
            if (source.Unordered is null)
            {
                return false;
            }

            var props = ImmutableDictionary<string, string?>.Empty;
            if (source.ModelReceiver is { } model && Operations.InScope(model, expression) && source.UnorderedRoot is { } root && Operations.InScope(root, expression))
            {
                props = props
                    .Add(DiagnosticProperties.Model, model.Syntax.ToString())
                    .Add(DiagnosticProperties.ModelMethod, Operations.IsNamed(Operations.ElementType(expression.Type)) ? "named_parameters" : "parameters")
                    .Add(DiagnosticProperties.UnorderedSource, root.Syntax.ToString());
            }

            if (optimizer?.GroupsExtension is not null && source.ModelReceiver is { Type: { } modelType } receiver
                && Operations.InScope(receiver, expression) && ModelFacts.IsDecayGroupsModel(modelType))
            {
                props = props.Add(DiagnosticProperties.CanUseGeneratedGroups, "true");
            }

            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG001, expression.Syntax.GetLocation(), props, Operations.Shorten(expression.Syntax.ToString()), source.Unordered, target));
            return true;
        }
    }
}

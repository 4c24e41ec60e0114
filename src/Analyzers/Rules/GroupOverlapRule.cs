using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers.Rules
{
    /// <summary>WDG006: a parameter in two groups of one optimizer, or a listed layer whose other parameters are in none.</summary>
    internal static class GroupOverlapRule
    {
        /// <param name="complete">Whether every group of the optimizer is seen (a gap is reported only then).</param>
        public static void Check(SemanticModelAnalysisContext context, ModelInspector inspector, IReadOnlyList<ParameterGroup> groups, bool complete, IOperation parameters, string optimizer)
        {
            var seen = new Dictionary<string, int>();
            for (var i = 0; i < groups.Count; i++)
            {
                foreach (var element in groups[i].Source.Elements)
                {
                    if (ParameterSource.Path(element) is not { } path)
                    {
                        continue;
                    }

                    if (seen.TryGetValue(path, out var first) && first != i)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.WDG006,
                            element.Syntax.GetLocation(),
                            "'" + element.Syntax + "' is in two groups of " + optimizer + " (groups " + (first + 1) + " and " + (i + 1) + "): it is updated twice per step; keep each parameter in exactly one group"));
                    }
                    else if (!seen.ContainsKey(path))
                    {
                        seen[path] = i;
                    }

                    for (var j = 0; j < i; j++)
                    {
                        if (groups[j].Source.IsWholeModel && ParameterSource.Path(groups[j].Source.ModelReceiver) is { } model
                            && (path.StartsWith(model + ".", System.StringComparison.Ordinal) || (model == "this" && !path.Contains("."))))
                        {
                            context.ReportDiagnostic(Diagnostic.Create(
                                DiagnosticDescriptors.WDG006,
                                element.Syntax.GetLocation(),
                                "'" + element.Syntax + "' is in two groups of " + optimizer + ": group " + (j + 1) + " already holds every parameter of '" + groups[j].Source.ModelReceiver!.Syntax + "'; keep each parameter in exactly one group"));
                        }
                    }
                }
            }

            if (!complete || groups.Count == 0 || groups.Any(g => !g.Source.ElementsOnly))
            {
                return;
            }

            // Layers whose parameters are listed one by one: each listed layer's other parameters must be somewhere,
            // unless every construction of the layer's field leaves them out (hasBias: false).
            var reported = new HashSet<string>();
            foreach (var group in groups)
            {
                foreach (var element in group.Source.Elements)
                {
                    if (element is not IPropertyReferenceOperation { Instance: { } instance } property
                        || ModelInspector.Layer(instance.Type) is not { Kind: TorchSharpModuleKind.Layer } layer
                        || layer.Parameters.Count > 2
                        || ParameterSource.Path(instance) is not { } owner)
                    {
                        continue;
                    }

                    var leftOut = ModelInspector.FieldOf(ParameterSource.Unwrap(instance)) is { } field
                        ? inspector.LeftOut(field, layer, context.CancellationToken)
                        : (IReadOnlyCollection<string>)System.Array.Empty<string>();
                    foreach (var (name, _) in layer.Parameters)
                    {
                        var path = owner == "this" ? name : owner + "." + name;
                        if (name != property.Property.Name && !leftOut.Contains(name) && !seen.ContainsKey(path) && reported.Add(path))
                        {
                            context.ReportDiagnostic(Diagnostic.Create(
                                DiagnosticDescriptors.WDG006,
                                parameters.Syntax.GetLocation(),
                                "The groups of " + optimizer + " list '" + instance.Syntax + "." + property.Property.Name + "' but leave '" + instance.Syntax + "." + name + "' out: it will not be trained; add it to a group (the no-decay group for a bias) or use model.GetDecayGroups()"));
                        }
                    }
                }
            }
        }
    }
}

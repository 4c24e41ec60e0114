using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers.Rules
{
    /// <summary>
    /// WDG013: an optimizer that holds a model's parameters, followed in the same body by a move or cast of that model
    /// (<c>model.to(device)</c>, <c>.cuda()</c>, <c>.half()</c>, …), or of a module inside it or around it. TorchSharp
    /// replaces the Parameter objects it moves, so the optimizer is left with stale ones.
    /// </summary>
    internal static class OptimizerBeforeMoveRule
    {
        private static readonly HashSet<string> Materializers = new HashSet<string> { "ToArray", "ToList", "ToHashSet", "ToImmutableArray", "ToImmutableList", TorchSharpOptimizers.GetDecayGroups };

        /// <param name="optimizer">The optimizer's construction: TorchSharp's factory or constructor, or WdGen's <c>groups.ToAdamW(…)</c>.</param>
        /// <param name="model">The module whose parameters the optimizer holds.</param>
        /// <param name="capturedAt">Where those parameters were read (<see cref="CapturedAt"/>): a move after it leaves them stale.</param>
        public static void Check(SemanticModelAnalysisContext context, TorchSharpApi api, IOperation optimizer, IOperation model, int capturedAt)
        {
            if (PathOf(model) is not { } modelPath || Operations.ExecutableBody(optimizer.Syntax) is not { } body)
            {
                return;
            }

            foreach (var node in Operations.NodesOf(body))
            {
                if (node is not InvocationExpressionSyntax invocation
                    || invocation.SpanStart < capturedAt
                    || Operations.InvokedName(invocation.Expression) is not { } name
                    || !TorchSharpLayers.MayMoveModule(name)
                    || context.SemanticModel.GetOperation(invocation, context.CancellationToken) is not IInvocationOperation move
                    || !api.MovesModule(move.TargetMethod)
                    || Operations.Receiver(move) is not { } moved
                    || PathOf(moved) is not { } movedPath
                    || !Related(modelPath, movedPath))
                {
                    continue;
                }

                var line = invocation.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG013,
                    optimizer.Syntax.GetLocation(),
                    new[] { invocation.GetLocation() },
                    Operations.Shorten(optimizer.Syntax.ToString()),
                    Operations.Shorten(model.Syntax.ToString()),
                    Operations.Shorten(invocation.ToString()),
                    line.ToString(CultureInfo.InvariantCulture)));
                return;
            }
        }

        /// <summary>
        /// Where the parameters in <paramref name="parameters"/> are read: at the end of <paramref name="optimizer"/>'s
        /// call, or already at the end of a local's initializer that holds them materialized (<c>.ToArray()</c>, a list,
        /// <c>model.GetDecayGroups()</c>); a local holding a lazy <c>model.parameters()</c> is read at the call.
        /// </summary>
        public static int CapturedAt(IOperation parameters, IOperation optimizer, CancellationToken cancellationToken)
        {
            var end = optimizer.Syntax.Span.End;
            if (ParameterSource.Unwrap(parameters) is ILocalReferenceOperation local
                && ParameterSource.LocalInitializer(local.Local, local.SemanticModel, cancellationToken) is { } initializer
                && ParameterSource.Unwrap(initializer) switch
                {
                    IInvocationOperation invocation => Materializers.Contains(invocation.TargetMethod.Name),
                    IObjectCreationOperation or IArrayCreationOperation => true,
                    { Syntax: CollectionExpressionSyntax } => true,
                    _ => false,
                })
            {
                return System.Math.Min(end, initializer.Syntax.Span.End);
            }

            return end;
        }

        /// <summary>The variable and members a module expression goes through (<c>model.encoder</c>: model, encoder); null for anything else.</summary>
        private static List<ISymbol?>? PathOf(IOperation operation)
        {
            var path = new List<ISymbol?>();
            for (var current = ParameterSource.Unwrap(operation); ; )
            {
                switch (current)
                {
                    case ILocalReferenceOperation local:
                        path.Add(local.Local);
                        break;
                    case IParameterReferenceOperation parameter:
                        path.Add(parameter.Parameter);
                        break;
                    case IInstanceReferenceOperation:
                        path.Add(null);
                        break;
                    case IFieldReferenceOperation field:
                        path.Add(field.Field);
                        if (field.Instance is { } fieldOwner)
                        {
                            current = ParameterSource.Unwrap(fieldOwner);
                            continue;
                        }

                        break;
                    case IPropertyReferenceOperation { Arguments.Length: 0 } property:
                        path.Add(property.Property);
                        if (property.Instance is { } propertyOwner)
                        {
                            current = ParameterSource.Unwrap(propertyOwner);
                            continue;
                        }

                        break;
                    default:
                        return null;
                }

                path.Reverse();
                return path;
            }
        }

        /// <summary>Whether one module path is the other or lies inside it (moving a model moves its submodules).</summary>
        private static bool Related(List<ISymbol?> a, List<ISymbol?> b)
        {
            for (var i = 0; i < a.Count && i < b.Count; i++)
            {
                if (!SymbolEqualityComparer.Default.Equals(a[i], b[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

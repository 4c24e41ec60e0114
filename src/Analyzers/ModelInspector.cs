using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers
{
    /// <summary>
    /// What a model type holds, decided from its fields with the shared layer table and cached per compilation.
    /// Heuristic (documented in docs/diagnostics/WDG002.md): a known layer with a bias, norm or embedding parameter
    /// counts, less the parameters that every construction of its field leaves out with a constant argument
    /// (<c>nn.Linear(4, 4, hasBias: false)</c> in the field's initializer or in assignments to it); a container
    /// (Sequential, ModuleList, …) counts, since its contents are known only at run time; a class with
    /// <c>[LayerRole(Bias|Norm|Embedding)]</c> counts; a custom module counts when one of its fields does.
    /// </summary>
    internal sealed class ModelInspector
    {
        private const int MaxDepth = 8;

        private static readonly IReadOnlyCollection<string> NoneLeftOut = new HashSet<string>();

        private readonly TorchSharpApi api;
        private readonly Compilation compilation;
        private readonly ConcurrentDictionary<ITypeSymbol, bool> nonDecay = new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<ITypeSymbol, string> ties = new ConcurrentDictionary<ITypeSymbol, string>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<IFieldSymbol, IReadOnlyCollection<string>> leftOut = new ConcurrentDictionary<IFieldSymbol, IReadOnlyCollection<string>>(SymbolEqualityComparer.Default);

        public ModelInspector(TorchSharpApi api, Compilation compilation)
        {
            this.api = api;
            this.compilation = compilation;
        }

        /// <summary>
        /// Whether the module <paramref name="model"/> refers to has parameters that should not decay (biases,
        /// normalization parameters, embeddings); a layer held in a field counts without the parameters its constructions leave out.
        /// </summary>
        public bool HasNonDecayParameters(IOperation model, CancellationToken cancellationToken)
        {
            if (model.Type is not { } type)
            {
                return false;
            }

            if (Layer(type) is { Kind: TorchSharpModuleKind.Layer } layer && FieldOf(ParameterSource.Unwrap(model)) is { } field)
            {
                return HasNonDecay(layer, LeftOut(field, layer, cancellationToken));
            }

            return nonDecay.GetOrAdd(type, t => HasNonDecay(t, 0, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default), cancellationToken));
        }

        /// <summary>
        /// The parameters of the layer in <paramref name="layerField"/> that every visible construction of it leaves out
        /// (<c>bias</c> for <c>nn.Linear(4, 4, hasBias: false)</c>); none when a construction cannot be read.
        /// </summary>
        public IReadOnlyCollection<string> LeftOut(IFieldSymbol layerField, TorchSharpLayer layer, CancellationToken cancellationToken)
            => layer.Switches.Count == 0 ? NoneLeftOut : leftOut.GetOrAdd(layerField, f => ReadLeftOut(f, layer, cancellationToken));

        /// <summary>The field behind a reference to a field or an auto-property (its backing field).</summary>
        public static IFieldSymbol? FieldOf(IOperation? reference)
            => reference switch
            {
                IFieldReferenceOperation field => field.Field,
                IPropertyReferenceOperation property => property.Property.ContainingType?.GetMembers().OfType<IFieldSymbol>()
                    .FirstOrDefault(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property.Property)),
                _ => null,
            };

        /// <summary>A tie inside the model ("head.weight = wte.weight"), or null.</summary>
        public string? FindTie(ITypeSymbol type, CancellationToken cancellationToken)
        {
            var tie = ties.GetOrAdd(type, t => Tie(t, 0, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default), cancellationToken) ?? string.Empty);
            return tie.Length == 0 ? null : tie;
        }

        /// <summary>The role <c>[LayerRole]</c> gives a type (or a base), if any.</summary>
        public static ParameterRole? LayerRole(ITypeSymbol type) => ModelFacts.LayerRoleOf(type);

        /// <summary>The known TorchSharp layer of a type, if it is one.</summary>
        public static TorchSharpLayer? Layer(ITypeSymbol? type)
            => type is INamedTypeSymbol named ? TorchSharpLayers.Find(ModelFacts.MetadataName(named.OriginalDefinition)) : null;

        /// <summary>The instance fields (auto-property backing fields included) of a type and its non-TorchSharp bases.</summary>
        public IEnumerable<IFieldSymbol> InstanceFields(ITypeSymbol type)
        {
            for (var current = type as INamedTypeSymbol; current is not null && !api.IsTorchSharpType(current); current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    if (member is IFieldSymbol { IsStatic: false, IsConst: false } field)
                    {
                        yield return field;
                    }
                }
            }
        }

        private bool HasNonDecay(ITypeSymbol type, int depth, HashSet<ITypeSymbol> visited, CancellationToken cancellationToken)
        {
            if (depth > MaxDepth || !visited.Add(type))
            {
                return false;
            }

            if (Layer(type) is { } layer)
            {
                return HasNonDecay(layer, NoneLeftOut);
            }

            if (LayerRole(type) is ParameterRole.Bias or ParameterRole.Norm or ParameterRole.Embedding)
            {
                return true;
            }

            foreach (var field in InstanceFields(type))
            {
                if (api.Holds(field) != HeldValue.Module)
                {
                    continue;
                }

                var nonDecayInField = Layer(field.Type) is { Kind: TorchSharpModuleKind.Layer } fieldLayer
                    ? HasNonDecay(fieldLayer, LeftOut(field, fieldLayer, cancellationToken))
                    : HasNonDecay(field.Type, depth + 1, visited, cancellationToken);
                if (nonDecayInField)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether a known layer, less the parameters left out, has a bias, norm or embedding parameter (a container always may).</summary>
        private static bool HasNonDecay(TorchSharpLayer layer, IReadOnlyCollection<string> leftOut)
        {
            if (layer.Kind != TorchSharpModuleKind.Layer)
            {
                return true;
            }

            foreach (var (name, role) in layer.Parameters)
            {
                if (role is ParameterRole.Bias or ParameterRole.Norm or ParameterRole.Embedding && !leftOut.Contains(name))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Reads every construction of a layer field: its initializer (or its auto-property's) and each assignment to it in
        /// its type's declarations. A parameter is left out when every construction switches it off with a constant.
        /// </summary>
        private IReadOnlyCollection<string> ReadLeftOut(IFieldSymbol field, TorchSharpLayer layer, CancellationToken cancellationToken)
        {
            var member = field.AssociatedSymbol ?? field;
            HashSet<string>? common = null;
            foreach (var value in Constructions(field, member, cancellationToken))
            {
                var offHere = SwitchedOff(value, layer);
                if (offHere.Count == 0)
                {
                    return NoneLeftOut;
                }

                if (common is null)
                {
                    common = offHere;
                }
                else
                {
                    common.IntersectWith(offHere);
                }
            }

            return common ?? (IReadOnlyCollection<string>)NoneLeftOut;
        }

        /// <summary>
        /// The values a field is given: its initializer, then the right-hand side of each assignment to it, bound in their
        /// own trees; null for one that cannot be read (<c>fc ??= …</c>).
        /// </summary>
        private IEnumerable<IOperation?> Constructions(IFieldSymbol field, ISymbol member, CancellationToken cancellationToken)
        {
            foreach (var reference in member.DeclaringSyntaxReferences)
            {
                var initializer = reference.GetSyntax(cancellationToken) switch
                {
                    VariableDeclaratorSyntax declarator => declarator.Initializer?.Value,
                    PropertyDeclarationSyntax property => property.Initializer?.Value,
                    _ => null,
                };
                if (initializer is not null)
                {
                    yield return ModelOf(initializer.SyntaxTree).GetOperation(initializer, cancellationToken);
                }
            }

            foreach (var reference in field.ContainingType.DeclaringSyntaxReferences)
            {
                foreach (var assignment in reference.GetSyntax(cancellationToken).DescendantNodes().OfType<AssignmentExpressionSyntax>())
                {
                    if (Operations.InvokedName(assignment.Left) == member.Name
                        && ModelOf(assignment.SyntaxTree).GetOperation(assignment, cancellationToken) is IAssignmentOperation operation
                        && SymbolEqualityComparer.Default.Equals(FieldOf(ParameterSource.Unwrap(operation.Target)), field))
                    {
                        yield return operation is ISimpleAssignmentOperation simple ? simple.Value : null;
                    }
                }
            }
        }

        /// <summary>The parameters one construction (<c>nn.Linear(4, 4, hasBias: false)</c>) switches off; none when it is not a call of the layer's.</summary>
        private static HashSet<string> SwitchedOff(IOperation? value, TorchSharpLayer layer)
        {
            var off = new HashSet<string>();
            var arguments = (value is null ? null : ParameterSource.Unwrap(value)) switch
            {
                IInvocationOperation invocation when Layer(invocation.Type) == layer => invocation.Arguments,
                IObjectCreationOperation creation when Layer(creation.Type) == layer => creation.Arguments,
                _ => ImmutableArray<IArgumentOperation>.Empty,
            };
            foreach (var argument in arguments)
            {
                // Left-out arguments carry their default (InstanceNorm's affine is false unless given).
                if (argument.Value.ConstantValue is { HasValue: true, Value: false or null } && argument.Parameter is { } parameter)
                {
                    foreach (var switchOf in layer.Switches)
                    {
                        if (switchOf.Arguments.Contains(parameter.Name))
                        {
                            off.UnionWith(switchOf.Parameters);
                        }
                    }
                }
            }

            return off;
        }

        /// <summary>The semantic model of a tree of the compilation (a model's declarations may live in other trees than the one being analyzed).</summary>
        private SemanticModel ModelOf(SyntaxTree tree)
        {
            // Read only for model types and layer fields handed to an optimizer, once per symbol per compilation.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
            return compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
        }

        private string? Tie(ITypeSymbol type, int depth, HashSet<ITypeSymbol> visited, CancellationToken cancellationToken)
        {
            if (depth > MaxDepth || !visited.Add(type) || type is not INamedTypeSymbol named || api.IsTorchSharpType(named))
            {
                return null;
            }

            foreach (var reference in named.DeclaringSyntaxReferences)
            {
                var syntax = reference.GetSyntax(cancellationToken);
                SemanticModel? model = null;
                foreach (var node in syntax.DescendantNodes())
                {
                    // TorchSharp 0.107 annotates Parameter members as nullable, so a tie is often written `tok.weight!`.
                    if (node is not AssignmentExpressionSyntax assignment
                        || !(assignment.Left is MemberAccessExpressionSyntax or IdentifierNameSyntax)
                        || !(SkipNullForgiving(assignment.Right) is MemberAccessExpressionSyntax or IdentifierNameSyntax))
                    {
                        continue;
                    }

                    model ??= ModelOf(syntax.SyntaxTree);
                    if (model.GetOperation(assignment, cancellationToken) is ISimpleAssignmentOperation operation
                        && IsParameterMember(operation.Target)
                        && IsParameterMember(ParameterSource.Unwrap(operation.Value)))
                    {
                        return assignment.Left + " = " + assignment.Right;
                    }
                }
            }

            foreach (var field in InstanceFields(type))
            {
                if (api.Holds(field) == HeldValue.Module && Tie(field.Type, depth + 1, visited, cancellationToken) is { } inner)
                {
                    return inner;
                }
            }

            return null;
        }

        private static ExpressionSyntax SkipNullForgiving(ExpressionSyntax expression)
            => expression is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } suppressed ? suppressed.Operand : expression;

        /// <summary>A Parameter-typed member of a module (<c>head.weight</c>, <c>this.tok.weight</c>).</summary>
        private bool IsParameterMember(IOperation operation)
            => operation switch
            {
                IPropertyReferenceOperation property => api.IsParameter(property.Type) && property.Instance is { } instance && api.IsModule(instance.Type),
                IFieldReferenceOperation field => api.IsParameter(field.Type) && field.Instance is { } instance && api.IsModule(instance.Type),
                _ => false,
            };
    }
}

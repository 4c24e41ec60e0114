using System.Collections.Concurrent;
using System.Collections.Generic;
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
    /// counts (a Linear counts even when built with <c>hasBias: false</c>, which the field's type cannot show); a
    /// container (Sequential, ModuleList, …) counts, since its contents are known only at run time; a class with
    /// <c>[LayerRole(Bias|Norm|Embedding)]</c> counts; a custom module counts when one of its fields does.
    /// </summary>
    internal sealed class ModelInspector
    {
        private const int MaxDepth = 8;

        private readonly TorchSharpApi api;
        private readonly Compilation compilation;
        private readonly ConcurrentDictionary<ITypeSymbol, bool> nonDecay = new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<ITypeSymbol, string> ties = new ConcurrentDictionary<ITypeSymbol, string>(SymbolEqualityComparer.Default);

        public ModelInspector(TorchSharpApi api, Compilation compilation)
        {
            this.api = api;
            this.compilation = compilation;
        }

        /// <summary>Whether the model has parameters that should not decay (biases, normalization parameters, embeddings).</summary>
        public bool HasNonDecayParameters(ITypeSymbol type)
            => nonDecay.GetOrAdd(type, t => HasNonDecay(t, 0, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default)));

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

        private bool HasNonDecay(ITypeSymbol type, int depth, HashSet<ITypeSymbol> visited)
        {
            if (depth > MaxDepth || !visited.Add(type))
            {
                return false;
            }

            if (Layer(type) is { } layer)
            {
                if (layer.Kind != TorchSharpModuleKind.Layer)
                {
                    return true;
                }

                foreach (var (_, role) in layer.Parameters)
                {
                    if (role is ParameterRole.Bias or ParameterRole.Norm or ParameterRole.Embedding)
                    {
                        return true;
                    }
                }

                return false;
            }

            if (LayerRole(type) is ParameterRole.Bias or ParameterRole.Norm or ParameterRole.Embedding)
            {
                return true;
            }

            foreach (var field in InstanceFields(type))
            {
                if (api.IsModule(field.Type) && HasNonDecay(field.Type, depth + 1, visited))
                {
                    return true;
                }
            }

            return false;
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

                    // The type's other declarations may live in other trees than the one being analyzed; reading
                    // them is limited to model types handed to an optimizer, once per type per compilation.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
                    model ??= compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
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
                if (api.IsModule(field.Type) && Tie(field.Type, depth + 1, visited, cancellationToken) is { } inner)
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

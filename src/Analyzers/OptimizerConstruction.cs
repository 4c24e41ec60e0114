using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers
{
    /// <summary>An optimizer of the table built in user code: <c>torch.optim.AdamW(…)</c> or <c>new AdamW(…)</c>.</summary>
    internal sealed class OptimizerConstruction
    {
        private OptimizerConstruction(TorchSharpOptimizer optimizer, IOperation call, ImmutableArray<IArgumentOperation> arguments, IArgumentOperation parameters, TorchSharpApi api)
        {
            Optimizer = optimizer;
            Call = call;
            Arguments = arguments;
            Parameters = parameters;
            WeightDecay = Operations.Argument(arguments, TorchSharpOptimizers.WeightDecay);
            ElementType = Operations.ElementType(parameters.Parameter?.Type);
            TakesGroups = api.IsParamGroup(ElementType);
        }

        public TorchSharpOptimizer Optimizer { get; }

        /// <summary>The factory invocation or the constructor call.</summary>
        public IOperation Call { get; }

        public ImmutableArray<IArgumentOperation> Arguments { get; }

        public IArgumentOperation Parameters { get; }

        /// <summary>The weight_decay argument, explicit or (with its default value) left out.</summary>
        public IArgumentOperation? WeightDecay { get; }

        /// <summary>Whether the optimizer's own weight decay is not zero.</summary>
        public bool Decays => !Operations.IsZero(WeightDecay);

        /// <summary>The weight decay as written, or its default.</summary>
        public string DecayText => Operations.DescribeValue(WeightDecay);

        /// <summary>T of the parameters argument's <c>IEnumerable&lt;T&gt;</c>: Parameter, a (name, Parameter) tuple or a ParamGroup.</summary>
        public ITypeSymbol? ElementType { get; }

        /// <summary>Whether the parameters are <c>X.ParamGroup</c>s.</summary>
        public bool TakesGroups { get; }

        /// <summary>The optimizer's name where the call writes it (<c>AdamW</c> in <c>torch.optim.AdamW(…)</c> or <c>new AdamW(…)</c>), else the whole call.</summary>
        public SyntaxNode NameSyntax => Call.Syntax switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => access.Name,
            InvocationExpressionSyntax { Expression: SimpleNameSyntax name } => name,
            ObjectCreationExpressionSyntax { Type: QualifiedNameSyntax qualified } => qualified.Right,
            ObjectCreationExpressionSyntax { Type: AliasQualifiedNameSyntax alias } => alias.Name,
            ObjectCreationExpressionSyntax { Type: SimpleNameSyntax name } => name,
            var other => other,
        };

        public static OptimizerConstruction? Of(IOperation call, TorchSharpApi api)
        {
            var (optimizer, arguments) = call switch
            {
                IInvocationOperation invocation => (api.FactoryOf(invocation.TargetMethod), invocation.Arguments),
                IObjectCreationOperation { Type: INamedTypeSymbol type } creation when api.OptimizerClasses.TryGetValue(type.OriginalDefinition, out var found) => (found, creation.Arguments),
                _ => (null, ImmutableArray<IArgumentOperation>.Empty),
            };
            return optimizer is not null && Operations.ParametersArgument(arguments) is { } parameters
                ? new OptimizerConstruction(optimizer, call, arguments, parameters, api)
                : null;
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers
{
    /// <summary>
    /// One group of parameters an optimizer receives: the whole list of a plain optimizer, or one <c>X.ParamGroup</c>,
    /// with what it is made of and the weight decay it gets.
    /// </summary>
    internal sealed class ParameterGroup
    {
        public ParameterGroup(ParameterSource source, IOperation expression, IOperation? ownWeightDecay, bool decays, string decayText)
        {
            Source = source;
            Expression = expression;
            OwnWeightDecay = ownWeightDecay;
            Decays = decays;
            DecayText = decayText;
        }

        public ParameterSource Source { get; }

        /// <summary>The parameters expression as written.</summary>
        public IOperation Expression { get; }

        /// <summary>The group's own weight decay; null when it inherits the optimizer's.</summary>
        public IOperation? OwnWeightDecay { get; }

        /// <summary>Whether the group's weight decay is not zero.</summary>
        public bool Decays { get; }

        /// <summary>The group's weight decay as written (or its default).</summary>
        public string DecayText { get; }
    }

    /// <summary>Reading <c>X.ParamGroup</c> creations and lists of them.</summary>
    internal static class ParamGroups
    {
        /// <summary>The group expressions of an <c>IEnumerable&lt;X.ParamGroup&gt;</c> argument; <paramref name="complete"/> turns false when some cannot be seen.</summary>
        public static List<IOperation> Expressions(IOperation list, CancellationToken cancellationToken, ref bool complete)
        {
            var result = new List<IOperation>();
            switch (Operations.ThroughLocal(list, cancellationToken))
            {
                case IArrayCreationOperation { Initializer: { } arrayInitializer }:
                    result.AddRange(arrayInitializer.ElementValues);
                    break;
                case { Syntax: CollectionExpressionSyntax } collection:
                    foreach (var (element, isSpread) in ParameterSource.CollectionElements(collection, cancellationToken))
                    {
                        if (isSpread)
                        {
                            complete = false;
                        }
                        else
                        {
                            result.Add(element);
                        }
                    }

                    break;
                case IObjectCreationOperation { Initializer: { } objectInitializer, Arguments.Length: 0 }:
                    foreach (var element in objectInitializer.Initializers)
                    {
                        if (element is IInvocationOperation { Arguments.Length: 1 } add)
                        {
                            result.Add(add.Arguments[0].Value);
                        }
                        else
                        {
                            complete = false;
                        }
                    }

                    break;
                default:
                    complete = false;
                    break;
            }

            return result;
        }

        /// <summary>The <c>new X.ParamGroup(…)</c> a group expression is (through a local), if it is one.</summary>
        public static IObjectCreationOperation? Creation(IOperation group, CancellationToken cancellationToken)
            => Operations.ThroughLocal(group, cancellationToken) as IObjectCreationOperation;

        /// <summary>The parameters a group is created with: its first constructor argument or its <c>Parameters</c> initializer.</summary>
        public static IOperation? Parameters(IObjectCreationOperation creation)
            => Operations.ParametersArgument(creation.Arguments)?.Value ?? Operations.InitializerValue(creation, TorchSharpOptimizers.GroupParameters);

        /// <summary>Whether a group is made with the convenience constructor, which sets every option (lr included).</summary>
        public static bool IsConvenienceConstructor(IMethodSymbol? constructor)
            => constructor?.Parameters.Any(p => p.Name == TorchSharpOptimizers.LearningRate) == true;

        /// <summary>The group's own weight decay: null when it inherits the optimizer's.</summary>
        public static IOperation? OwnWeightDecay(IObjectCreationOperation creation, CancellationToken cancellationToken)
        {
            if (IsConvenienceConstructor(creation.Constructor))
            {
                return Operations.Argument(creation.Arguments, TorchSharpOptimizers.WeightDecay)?.Value;
            }

            var options = Operations.Argument(creation.Arguments, TorchSharpOptimizers.GroupOptionsArgument)?.Value
                ?? Operations.InitializerValue(creation, TorchSharpOptimizers.GroupOptions);
            return options is not null && Operations.ThroughLocal(options, cancellationToken) is IObjectCreationOperation optionsCreation
                ? Operations.InitializerValue(optionsCreation, TorchSharpOptimizers.WeightDecay)
                : null;
        }
    }
}

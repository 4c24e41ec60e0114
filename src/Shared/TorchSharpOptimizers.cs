// The one table of TorchSharp's optimizers WdGen knows, beside the layer table: each factory of torch.optim and its
// class, the names of their arguments, the default of weight_decay (TorchSharp's and PyTorch's, which differ for
// AdamW) and whether the decay is coupled (an L2 term added to the gradient) or decoupled (the parameter shrinks
// apart from the gradient step). Linked into the analyzers and the code fixes, so rules and fixes read the same facts.
// Read from TorchSharp 0.107's src/TorchSharp/Optimizers/*.cs; tests/Analyzers.Tests checks every entry against the
// real package's metadata. Only optimizers that take a weight_decay are listed (not LBFGS, not Rprop).

using System;
using System.Collections.Generic;

namespace WdGen
{
    /// <summary>How an optimizer applies its <c>weight_decay</c>.</summary>
    internal enum WeightDecayCoupling
    {
        /// <summary>An L2 penalty: <c>grad ← grad + wd·p</c> before the update, so an adaptive optimizer rescales it like the gradient.</summary>
        Coupled,
        /// <summary>Decoupled decay: <c>p ← p·(1 − lr·wd)</c>, apart from the gradient step (AdamW).</summary>
        Decoupled,
    }

    /// <summary>One TorchSharp optimizer: its factory <c>torch.optim.X</c> and its class <c>TorchSharp.Modules.X</c>.</summary>
    internal sealed class TorchSharpOptimizer
    {
        public TorchSharpOptimizer(
            string name,
            string factoryLearningRate,
            WeightDecayCoupling coupling,
            double pyTorchWeightDecayDefault,
            string? groupsExtension = null,
            string? fusedGroupsExtension = null,
            string[]? groupsExtensionArguments = null,
            string? decoupledVariant = null)
        {
            Name = name;
            FactoryLearningRate = factoryLearningRate;
            Coupling = coupling;
            PyTorchWeightDecayDefault = pyTorchWeightDecayDefault;
            GroupsExtension = groupsExtension;
            FusedGroupsExtension = fusedGroupsExtension;
            GroupsExtensionArguments = groupsExtensionArguments ?? Array.Empty<string>();
            DecoupledVariant = decoupledVariant;
        }

        /// <summary>The factory's name in <c>torch.optim</c>, which is also the class's simple name: <c>AdamW</c>.</summary>
        public string Name { get; }

        /// <summary><c>TorchSharp.Modules.AdamW</c>.</summary>
        public string MetadataName => TorchSharpLayers.ModuleNamespace + "." + Name;

        /// <summary><c>TorchSharp.Modules.AdamW+ParamGroup</c>.</summary>
        public string ParamGroupMetadataName => MetadataName + "+" + TorchSharpOptimizers.ParamGroupTypeName;

        /// <summary><c>TorchSharp.Modules.AdamW+Options</c>.</summary>
        public string OptionsMetadataName => MetadataName + "+" + TorchSharpOptimizers.OptionsTypeName;

        /// <summary>The factory's learning-rate argument: <c>lr</c>, but <c>learningRate</c> for SGD (whose constructor says <c>lr</c>).</summary>
        public string FactoryLearningRate { get; }

        /// <summary>TorchSharp's default <c>weight_decay</c> (every factory, constructor and convenience ParamGroup): 0.</summary>
        public double WeightDecayDefault => 0;

        /// <summary>PyTorch's default for the same optimizer: 0.01 for AdamW, 0 for the others.</summary>
        public double PyTorchWeightDecayDefault { get; }

        /// <summary>Whether code ported from PyTorch that leaves <c>weight_decay</c> out trains with a different decay here.</summary>
        public bool DefaultDiffersFromPyTorch => PyTorchWeightDecayDefault != WeightDecayDefault;

        public WeightDecayCoupling Coupling { get; }

        /// <summary>WdGen.TorchSharp's extension method that builds this optimizer from decay groups (<c>ToAdamW</c>), if any.</summary>
        public string? GroupsExtension { get; }

        /// <summary>WdGen.TorchSharp's fused equivalent over decay groups (<c>ToFusedAdamW</c>), if any.</summary>
        public string? FusedGroupsExtension { get; }

        /// <summary>The factory's arguments, beyond learning rate and weight decay, that <see cref="GroupsExtension"/> takes under the same names.</summary>
        public IReadOnlyList<string> GroupsExtensionArguments { get; }

        /// <summary>An optimizer with the same arguments whose decay is decoupled (<c>AdamW</c> for <c>Adam</c>), if any.</summary>
        public string? DecoupledVariant { get; }
    }

    /// <summary>The table, plus the optimizer names shared by every entry.</summary>
    internal static class TorchSharpOptimizers
    {
        /// <summary><c>torch.optim</c>, home of the factories.</summary>
        public const string OptimMetadataName = "TorchSharp.torch+optim";

        /// <summary>The base of every optimizer (<c>torch.optim.Optimizer</c>).</summary>
        public const string OptimizerMetadataName = "TorchSharp.torch+optim+Optimizer";

        /// <summary>The base of every <c>X.ParamGroup</c>.</summary>
        public const string ParamGroupMetadataName = TorchSharpLayers.ModuleNamespace + "." + ParamGroupTypeName;

        public const string ParamGroupTypeName = "ParamGroup";
        public const string OptionsTypeName = "Options";

        /// <summary><c>optimizer.add_param_group(group)</c>.</summary>
        public const string AddParamGroup = "add_param_group";

        /// <summary>The weight decay: an argument of every factory, constructor and convenience ParamGroup constructor, and a field of every Options.</summary>
        public const string WeightDecay = "weight_decay";

        /// <summary>The learning-rate argument of every constructor and convenience ParamGroup constructor.</summary>
        public const string LearningRate = "lr";

        /// <summary>The learning rate in an Options (a property of the base <c>OptimizerOptions</c>).</summary>
        public const string OptionsLearningRate = "LearningRate";

        /// <summary>A ParamGroup's parameters (its property) and options (its property; <c>options</c> as a constructor argument).</summary>
        public const string GroupParameters = "Parameters";
        public const string GroupOptions = "Options";
        public const string GroupOptionsArgument = "options";

        /// <summary>WdGen.TorchSharp's <c>model.GetDecayGroups()</c>.</summary>
        public const string GetDecayGroups = "GetDecayGroups";

        /// <summary>
        /// Every optimizer's parameters come first, in each factory, constructor and convenience ParamGroup constructor
        /// (named <c>parameters</c>, except NAdam's factory over plain parameters, which says <c>named_parameters</c>).
        /// </summary>
        public const int ParametersOrdinal = 0;

        private static readonly string[] AdamArguments = { "beta1", "beta2", "eps", "amsgrad", "maximize" };

        /// <summary>AdamW, the one optimizer with decoupled weight decay: what rules and fixes recommend.</summary>
        public static TorchSharpOptimizer AdamW { get; } = new TorchSharpOptimizer("AdamW", LearningRate, WeightDecayCoupling.Decoupled, 0.01, "ToAdamW", "ToFusedAdamW", AdamArguments);

        public static IReadOnlyList<TorchSharpOptimizer> All { get; } = new[]
        {
            AdamW,
            new TorchSharpOptimizer("Adam", LearningRate, WeightDecayCoupling.Coupled, 0, "ToAdam", "ToFusedAdam", AdamArguments, decoupledVariant: AdamW.Name),
            new TorchSharpOptimizer("SGD", "learningRate", WeightDecayCoupling.Coupled, 0, "ToSgd", "ToFusedSgd", new[] { "momentum", "dampening", "nesterov", "maximize" }),
            new TorchSharpOptimizer("RMSProp", LearningRate, WeightDecayCoupling.Coupled, 0),
            new TorchSharpOptimizer("Adagrad", LearningRate, WeightDecayCoupling.Coupled, 0),
            new TorchSharpOptimizer("Adadelta", LearningRate, WeightDecayCoupling.Coupled, 0),
            new TorchSharpOptimizer("Adamax", LearningRate, WeightDecayCoupling.Coupled, 0),
            // TorchSharp's NAdam and RAdam have no decoupled_weight_decay switch (PyTorch's do, off by default).
            new TorchSharpOptimizer("NAdam", LearningRate, WeightDecayCoupling.Coupled, 0),
            new TorchSharpOptimizer("RAdam", LearningRate, WeightDecayCoupling.Coupled, 0),
            new TorchSharpOptimizer("ASGD", LearningRate, WeightDecayCoupling.Coupled, 0),
        };

        private static readonly Dictionary<string, TorchSharpOptimizer> ByName = IndexNames();
        private static readonly Dictionary<string, TorchSharpOptimizer> ByExtension = IndexExtensions();

        /// <summary>The optimizer whose factory or class is called <paramref name="name"/>.</summary>
        public static TorchSharpOptimizer? Find(string name) => ByName.TryGetValue(name, out var optimizer) ? optimizer : null;

        /// <summary>The optimizer a WdGen extension over decay groups (<c>ToAdamW</c>, <c>ToFusedAdamW</c>) builds.</summary>
        public static TorchSharpOptimizer? FindByGroupsExtension(string method) => ByExtension.TryGetValue(method, out var optimizer) ? optimizer : null;

        private static Dictionary<string, TorchSharpOptimizer> IndexNames()
        {
            var index = new Dictionary<string, TorchSharpOptimizer>(StringComparer.Ordinal);
            foreach (var optimizer in All)
            {
                index.Add(optimizer.Name, optimizer);
            }

            return index;
        }

        private static Dictionary<string, TorchSharpOptimizer> IndexExtensions()
        {
            var index = new Dictionary<string, TorchSharpOptimizer>(StringComparer.Ordinal);
            foreach (var optimizer in All)
            {
                foreach (var extension in new[] { optimizer.GroupsExtension, optimizer.FusedGroupsExtension })
                {
                    if (extension is not null)
                    {
                        index.Add(extension, optimizer);
                    }
                }
            }

            return index;
        }
    }
}

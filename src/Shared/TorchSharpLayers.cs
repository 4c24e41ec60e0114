// The one table of TorchSharp knowledge WdGen relies on: which layer types exist, which parameters each
// registers (in TorchSharp's order) and the role of each parameter. It is linked into the runtime (the plan and
// the run-time walk) and the analyzers (WDG002), so the two can never disagree; the generator, which reads syntax
// only, uses just its metadata names.
// Facts come from ../shared/TORCHSHARP_API.md; keys are metadata names.

using System;
using System.Collections.Generic;

namespace WdGen
{
    /// <summary>The part a parameter plays in its layer, which decides whether it decays by default.</summary>
#if WDGEN_RUNTIME
    public
#else
    internal
#endif
    enum ParameterRole
    {
        /// <summary>A matmul or convolution weight: decays by default.</summary>
        Weight,
        /// <summary>A bias (including MultiheadAttention's in_proj_bias, bias_k, bias_v): never decays by default.</summary>
        Bias,
        /// <summary>A normalization layer's scale or shift: never decays by default.</summary>
        Norm,
        /// <summary>An embedding table: does not decay unless the member says <c>[Decay]</c>.</summary>
        Embedding,
        /// <summary>A raw parameter or one of a module type WdGen does not know: does not decay unless attributed.</summary>
        Other,
    }

    /// <summary>What kind of TorchSharp module a type is, as far as parameter grouping cares.</summary>
    internal enum TorchSharpModuleKind
    {
        /// <summary>Not a TorchSharp type WdGen knows.</summary>
        Unknown,
        /// <summary>A layer with a fixed list of parameters (Linear, Conv2d, LayerNorm, …).</summary>
        Layer,
        /// <summary>A container whose children are walked in index order (Sequential, ModuleList, ModuleDict).</summary>
        ModuleContainer,
        /// <summary>A container of raw parameters (ParameterList, ParameterDict).</summary>
        ParameterContainer,
    }

    /// <summary>One known TorchSharp module type.</summary>
    internal sealed class TorchSharpLayer
    {
        public TorchSharpLayer(string metadataName, TorchSharpModuleKind kind, ParameterRole defaultRole, params (string Name, ParameterRole Role)[] parameters)
        {
            MetadataName = metadataName;
            Kind = kind;
            DefaultRole = defaultRole;
            Parameters = parameters;
        }

        /// <summary>Metadata name without generic arity, e.g. <c>TorchSharp.Modules.Linear</c>.</summary>
        public string MetadataName { get; }

        /// <summary>The simple type name, e.g. <c>Linear</c>.</summary>
        public string Name => MetadataName.Substring(MetadataName.LastIndexOf('.') + 1);

        public TorchSharpModuleKind Kind { get; }

        /// <summary>The role of a parameter of this type that <see cref="Parameters"/> does not list.</summary>
        public ParameterRole DefaultRole { get; }

        /// <summary>The parameters the layer registers, in TorchSharp's order (some are optional).</summary>
        public IReadOnlyList<(string Name, ParameterRole Role)> Parameters { get; }

        /// <summary>The role of the parameter registered under <paramref name="parameterName"/>.</summary>
        public ParameterRole RoleOf(string parameterName)
        {
            foreach (var (name, role) in Parameters)
            {
                if (name == parameterName)
                {
                    return role;
                }
            }

            return DefaultRole;
        }
    }

    /// <summary>The table itself, plus the few other TorchSharp names WdGen needs.</summary>
    internal static class TorchSharpLayers
    {
        public const string ModuleMetadataName = "TorchSharp.torch+nn+Module";
        public const string ModuleNamespace = "TorchSharp.Modules";
        public const string ParameterMetadataName = "TorchSharp.Modules.Parameter";
        public const string TensorMetadataName = "TorchSharp.torch+Tensor";
        public const string ComponentNameAttributeMetadataName = "TorchSharp.Utils.ComponentNameAttribute";

        private static readonly (string Name, ParameterRole Role)[] WeightAndBias = { ("weight", ParameterRole.Weight), ("bias", ParameterRole.Bias) };
        private static readonly (string Name, ParameterRole Role)[] NormAffine = { ("weight", ParameterRole.Norm), ("bias", ParameterRole.Norm) };

        /// <summary>Every module type WdGen classifies without looking further.</summary>
        public static IReadOnlyList<TorchSharpLayer> All { get; } = new[]
        {
            Layer("Linear", ParameterRole.Other, WeightAndBias),
            Layer("Conv1d", ParameterRole.Other, WeightAndBias),
            Layer("Conv2d", ParameterRole.Other, WeightAndBias),
            Layer("Conv3d", ParameterRole.Other, WeightAndBias),
            Layer("ConvTranspose1d", ParameterRole.Other, WeightAndBias),
            Layer("ConvTranspose2d", ParameterRole.Other, WeightAndBias),
            Layer("ConvTranspose3d", ParameterRole.Other, WeightAndBias),
            Layer("LayerNorm", ParameterRole.Norm, NormAffine),
            Layer("BatchNorm1d", ParameterRole.Norm, NormAffine),
            Layer("BatchNorm2d", ParameterRole.Norm, NormAffine),
            Layer("BatchNorm3d", ParameterRole.Norm, NormAffine),
            Layer("InstanceNorm1d", ParameterRole.Norm, NormAffine),
            Layer("InstanceNorm2d", ParameterRole.Norm, NormAffine),
            Layer("InstanceNorm3d", ParameterRole.Norm, NormAffine),
            Layer("GroupNorm", ParameterRole.Norm, NormAffine),
            Layer("Embedding", ParameterRole.Embedding, ("weight", ParameterRole.Embedding)),
            Layer("EmbeddingBag", ParameterRole.Embedding, ("weight", ParameterRole.Embedding)),
            Layer(
                "MultiheadAttention",
                ParameterRole.Other,
                ("in_proj_weight", ParameterRole.Weight),
                ("in_proj_bias", ParameterRole.Bias),
                ("q_proj_weight", ParameterRole.Weight),
                ("k_proj_weight", ParameterRole.Weight),
                ("v_proj_weight", ParameterRole.Weight),
                ("bias_k", ParameterRole.Bias),
                ("bias_v", ParameterRole.Bias),
                // TorchSharp's MultiheadAttention is a native module: libtorch's out_proj parameters are its own.
                ("out_proj.weight", ParameterRole.Weight),
                ("out_proj.bias", ParameterRole.Bias)),
            Container("Sequential", TorchSharpModuleKind.ModuleContainer),
            Container("ModuleList", TorchSharpModuleKind.ModuleContainer),
            Container("ModuleDict", TorchSharpModuleKind.ModuleContainer),
            Container("ParameterList", TorchSharpModuleKind.ParameterContainer),
            Container("ParameterDict", TorchSharpModuleKind.ParameterContainer),
        };

        private static readonly Dictionary<string, TorchSharpLayer> ByMetadataName = CreateIndex();

        /// <summary>
        /// Finds a known type by metadata name. Generic arity (<c>ModuleList`1</c>) is ignored, since
        /// <c>ModuleList&lt;T&gt;</c> registers its items the same way whatever T is.
        /// </summary>
        public static TorchSharpLayer? Find(string? metadataName)
        {
            if (metadataName is null)
            {
                return null;
            }

            var tick = metadataName.IndexOf('`');
            var key = tick < 0 ? metadataName : metadataName.Substring(0, tick);
            return ByMetadataName.TryGetValue(key, out var layer) ? layer : null;
        }

        /// <summary>A role in words, with its article, for plans and tables: "a matmul/conv weight".</summary>
        public static string DescribeRole(ParameterRole role) => role switch
        {
            ParameterRole.Weight => "a matmul/conv weight",
            ParameterRole.Bias => "a bias",
            ParameterRole.Norm => "a normalization parameter",
            ParameterRole.Embedding => "an embedding table",
            _ => "a parameter without a known role",
        };

        private static TorchSharpLayer Layer(string name, ParameterRole defaultRole, params (string Name, ParameterRole Role)[] parameters)
            => new TorchSharpLayer(ModuleNamespace + "." + name, TorchSharpModuleKind.Layer, defaultRole, parameters);

        private static TorchSharpLayer Container(string name, TorchSharpModuleKind kind)
            => new TorchSharpLayer(ModuleNamespace + "." + name, kind, ParameterRole.Other);

        private static Dictionary<string, TorchSharpLayer> CreateIndex()
        {
            var index = new Dictionary<string, TorchSharpLayer>(StringComparer.Ordinal);
            foreach (var layer in All)
            {
                index.Add(layer.MetadataName, layer);
            }

            return index;
        }
    }
}

// The one table of TorchSharp knowledge WdGen relies on: which layer types exist, which parameters each
// registers (in TorchSharp's order), the role of each parameter and the factory arguments that leave some out
// (hasBias: false); and the one rule for which members can hold parameters at all (ParameterHolders). It is linked
// into the runtime (the plan and the run-time walk), the generator (its walk order, from syntax) and the analyzers
// (from symbols), so they can never disagree.
// Facts come from ../shared/TORCHSHARP_API.md and TorchSharp 0.107's source; keys are metadata names.

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

    /// <summary>
    /// A boolean factory argument that leaves parameters out when it is false (<c>nn.Linear(4, 4, hasBias: false)</c>
    /// registers no bias). Some layers take a <c>Parameter?</c> under one of the names instead: null leaves it out too.
    /// </summary>
    internal sealed class ParameterSwitch
    {
        public ParameterSwitch(string[] arguments, params string[] parameters)
        {
            Arguments = arguments;
            Parameters = parameters;
        }

        /// <summary>The argument's names across the layer's factories and constructors (<c>hasBias</c>, <c>bias</c>).</summary>
        public IReadOnlyList<string> Arguments { get; }

        /// <summary>The parameters it leaves out.</summary>
        public IReadOnlyList<string> Parameters { get; }
    }

    /// <summary>One known TorchSharp module type.</summary>
    internal sealed class TorchSharpLayer
    {
        public TorchSharpLayer(string metadataName, TorchSharpModuleKind kind, ParameterRole defaultRole, (string Name, ParameterRole Role)[] parameters, ParameterSwitch[] switches)
        {
            MetadataName = metadataName;
            Kind = kind;
            DefaultRole = defaultRole;
            Parameters = parameters;
            Switches = switches;
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

        /// <summary>The factory arguments that leave some of <see cref="Parameters"/> out.</summary>
        public IReadOnlyList<ParameterSwitch> Switches { get; }

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

        /// <summary><c>torch.nn.utils</c>, whose <c>clip_grad_norm_(tensors, max_norm)</c> clips over whatever tensors it is given.</summary>
        public const string NnUtilsMetadataName = "TorchSharp.torch+nn+utils";
        public const string ClipGradNorm = "clip_grad_norm_";
        public const string ClipGradNormTensors = "tensors";

        /// <summary>
        /// TorchSharp's extension methods on modules (<c>to</c>, <c>cuda</c>, <c>cpu</c>, <c>half</c>, <c>bfloat16</c>, …):
        /// every one of them moves or casts the module, replacing the Parameter objects whose device or dtype changes.
        /// </summary>
        public const string ModuleExtensionsMetadataName = "TorchSharp.ModuleExtensionMethods";

        /// <summary>Module's public <c>_to(Tensor other, bool non_blocking)</c>, which moves and casts it like <c>to(other)</c>.</summary>
        public const string ModuleTo = "_to";

        private static readonly HashSet<string> ModuleMoveMethods = new HashSet<string>(StringComparer.Ordinal)
        {
            "to", "cpu", "cuda", ModuleTo, "half", "bfloat16", "float", "double", "cfloat", "cdouble", "bool", "byte", "char", "short", "int", "long",
        };

        private static readonly (string Name, ParameterRole Role)[] WeightAndBias = { ("weight", ParameterRole.Weight), ("bias", ParameterRole.Bias) };
        private static readonly (string Name, ParameterRole Role)[] NormAffine = { ("weight", ParameterRole.Norm), ("bias", ParameterRole.Norm) };

        // nn.Linear(…, hasBias: false) and nn.Linear(weight, bias: null); every convolution's bias: false.
        private static readonly ParameterSwitch[] LinearBias = { new ParameterSwitch(new[] { "hasBias", "bias" }, "bias") };
        private static readonly ParameterSwitch[] ConvBias = { new ParameterSwitch(new[] { "bias" }, "bias") };
        private static readonly ParameterSwitch[] Affine = { new ParameterSwitch(new[] { "affine" }, "weight", "bias") };
        private static readonly ParameterSwitch[] LayerNormAffine =
        {
            new ParameterSwitch(new[] { "elementwise_affine" }, "weight", "bias"),
            new ParameterSwitch(new[] { "bias" }, "bias"),
        };

        /// <summary>Every module type WdGen classifies without looking further.</summary>
        public static IReadOnlyList<TorchSharpLayer> All { get; } = new[]
        {
            Layer("Linear", ParameterRole.Other, WeightAndBias, LinearBias),
            Layer("Conv1d", ParameterRole.Other, WeightAndBias, ConvBias),
            Layer("Conv2d", ParameterRole.Other, WeightAndBias, ConvBias),
            Layer("Conv3d", ParameterRole.Other, WeightAndBias, ConvBias),
            Layer("ConvTranspose1d", ParameterRole.Other, WeightAndBias, ConvBias),
            Layer("ConvTranspose2d", ParameterRole.Other, WeightAndBias, ConvBias),
            Layer("ConvTranspose3d", ParameterRole.Other, WeightAndBias, ConvBias),
            Layer("LayerNorm", ParameterRole.Norm, NormAffine, LayerNormAffine),
            Layer("BatchNorm1d", ParameterRole.Norm, NormAffine, Affine),
            Layer("BatchNorm2d", ParameterRole.Norm, NormAffine, Affine),
            Layer("BatchNorm3d", ParameterRole.Norm, NormAffine, Affine),
            // affine defaults to false here: an InstanceNorm built without it has no parameters.
            Layer("InstanceNorm1d", ParameterRole.Norm, NormAffine, Affine),
            Layer("InstanceNorm2d", ParameterRole.Norm, NormAffine, Affine),
            Layer("InstanceNorm3d", ParameterRole.Norm, NormAffine, Affine),
            Layer("GroupNorm", ParameterRole.Norm, NormAffine, Affine),
            Layer("Embedding", ParameterRole.Embedding, new[] { ("weight", ParameterRole.Embedding) }),
            Layer("EmbeddingBag", ParameterRole.Embedding, new[] { ("weight", ParameterRole.Embedding) }),
            Layer(
                "MultiheadAttention",
                ParameterRole.Other,
                new[]
                {
                    ("in_proj_weight", ParameterRole.Weight),
                    ("in_proj_bias", ParameterRole.Bias),
                    ("q_proj_weight", ParameterRole.Weight),
                    ("k_proj_weight", ParameterRole.Weight),
                    ("v_proj_weight", ParameterRole.Weight),
                    ("bias_k", ParameterRole.Bias),
                    ("bias_v", ParameterRole.Bias),
                    // TorchSharp's MultiheadAttention is a native module: libtorch's out_proj parameters are its own.
                    ("out_proj.weight", ParameterRole.Weight),
                    ("out_proj.bias", ParameterRole.Bias),
                },
                new ParameterSwitch(new[] { "bias" }, "in_proj_bias", "out_proj.bias"),
                new ParameterSwitch(new[] { "add_bias_kv" }, "bias_k", "bias_v")),
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

        /// <summary>Whether a method of this name may move or cast a module: those of <see cref="ModuleExtensionsMetadataName"/> and <see cref="ModuleTo"/>.</summary>
        public static bool MayMoveModule(string methodName) => ModuleMoveMethods.Contains(methodName);

        /// <summary>A role in words, with its article, for plans and tables: "a matmul/conv weight".</summary>
        public static string DescribeRole(ParameterRole role) => role switch
        {
            ParameterRole.Weight => "a matmul/conv weight",
            ParameterRole.Bias => "a bias",
            ParameterRole.Norm => "a normalization parameter",
            ParameterRole.Embedding => "an embedding table",
            _ => "a parameter without a known role",
        };

        private static TorchSharpLayer Layer(string name, ParameterRole defaultRole, (string Name, ParameterRole Role)[] parameters, params ParameterSwitch[] switches)
            => new TorchSharpLayer(ModuleNamespace + "." + name, TorchSharpModuleKind.Layer, defaultRole, parameters, switches);

        private static TorchSharpLayer Container(string name, TorchSharpModuleKind kind)
            => new TorchSharpLayer(ModuleNamespace + "." + name, kind, ParameterRole.Other, Array.Empty<(string, ParameterRole)>(), Array.Empty<ParameterSwitch>());

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

    /// <summary>A member's declared type, as much of it as its reader sees.</summary>
    internal enum DeclaredTypeKind
    {
        /// <summary>Only a name is known (the generator reads syntax): the compiler and the runtime know the rest.</summary>
        Name,
        /// <summary>A type that does not bind (half-typed code).</summary>
        Unbound,
        /// <summary><c>object</c> or <c>dynamic</c>.</summary>
        Object,
        TypeParameter,
        Interface,
        /// <summary>A class: <see cref="TorchSharpBase"/> says which of TorchSharp's types it derives from.</summary>
        Class,
        /// <summary>Anything else: a value type, an array, a pointer, a tuple, a keyword type other than object.</summary>
        Other,
    }

    /// <summary>The TorchSharp type nearest to a class among its bases (itself included).</summary>
    internal enum TorchSharpBase
    {
        None,
        Tensor,
        Parameter,
        Module,
    }

    /// <summary>Where a member keeps its value.</summary>
    internal enum MemberStorage
    {
        /// <summary>An instance field (not const).</summary>
        InstanceField,
        /// <summary>An instance auto-property: TorchSharp registers its backing field.</summary>
        AutoProperty,
        /// <summary>A static or const field, a fixed buffer, a property with accessor bodies: TorchSharp never sees it.</summary>
        Other,
    }

    /// <summary>What a member may hold, as far as parameters go.</summary>
    internal enum HeldValue
    {
        /// <summary>Never a module or a parameter.</summary>
        Nothing,
        /// <summary>Not known from what its reader sees (a name in syntax, a type that does not bind): kept, and the compiled metadata decides.</summary>
        Unknown,
        /// <summary>Whatever its run-time value is (object, interface, type parameter, Tensor): TorchSharp registers by value.</summary>
        AnyValue,
        Parameter,
        Module,
    }

    /// <summary>
    /// The one rule for which members can hold a module or a parameter. The generator feeds it from syntax (its walk
    /// order), the analyzers from symbols and the runtime from reflection (the plan), each describing the member as
    /// far as it can see it, so the three cannot disagree.
    /// </summary>
    internal static class ParameterHolders
    {
        public static HeldValue Of(MemberStorage storage, DeclaredTypeKind type, TorchSharpBase torchSharpBase)
        {
            if (storage == MemberStorage.Other)
            {
                return HeldValue.Nothing;
            }

            return type switch
            {
                DeclaredTypeKind.Name or DeclaredTypeKind.Unbound => HeldValue.Unknown,
                DeclaredTypeKind.Object or DeclaredTypeKind.TypeParameter or DeclaredTypeKind.Interface => HeldValue.AnyValue,
                DeclaredTypeKind.Class => torchSharpBase switch
                {
                    TorchSharpBase.Module => HeldValue.Module,
                    TorchSharpBase.Parameter => HeldValue.Parameter,
                    // A Tensor-typed field may hold a Parameter: TorchSharp registers a field by the value it holds.
                    TorchSharpBase.Tensor => HeldValue.AnyValue,
                    _ => HeldValue.Nothing,
                },
                _ => HeldValue.Nothing,
            };
        }

        /// <summary>
        /// The TorchSharp base of a type, from the metadata names of the type and its bases (most derived first);
        /// <see cref="TorchSharpBase.Parameter"/> wins over <see cref="TorchSharpBase.Tensor"/>, from which it derives.
        /// </summary>
        public static TorchSharpBase BaseOf(IEnumerable<string> metadataNamesFromMostDerived)
        {
            foreach (var name in metadataNamesFromMostDerived)
            {
                switch (name)
                {
                    case TorchSharpLayers.ModuleMetadataName:
                        return TorchSharpBase.Module;
                    case TorchSharpLayers.ParameterMetadataName:
                        return TorchSharpBase.Parameter;
                    case TorchSharpLayers.TensorMetadataName:
                        return TorchSharpBase.Tensor;
                }
            }

            return TorchSharpBase.None;
        }
    }
}

using System.Linq;
using WdGen.Generator.Tests.Infrastructure;
using Xunit;

namespace WdGen.Generator.Tests.Behaviour
{
    /// <summary>Generated groups for each kind of member and container, run against the TorchSharp fixture.</summary>
    public class ModelShapeTests
    {
        private const string Usings = """
            using System.Collections.Generic;
            using TorchSharp;
            using TorchSharp.Modules;
            using TorchSharp.Utils;
            using WdGen;
            using static TorchSharp.torch;

            """;

        private const string Models = Usings + """
            namespace Shapes
            {
                // Seed 001: layers buried in unnamed Sequentials; only Linear/Conv weights decay.
                [DecayGroups]
                public sealed partial class SeedNet : nn.Module<Tensor, Tensor>
                {
                    private readonly Sequential features = nn.Sequential(
                        nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.Sequential(nn.Conv2d(8, 8, 3), nn.BatchNorm2d(8)));
                    private readonly Sequential classifier = nn.Sequential(nn.Linear(8, 16), nn.LayerNorm(16), nn.Linear(16, 4));

                    public SeedNet() : base(nameof(SeedNet)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class Containers : nn.Module<Tensor, Tensor>
                {
                    private readonly ModuleDict<Linear> heads = nn.ModuleDict(("zeta", nn.Linear(2, 2)), ("alpha", nn.Linear(2, 2)));
                    private readonly ParameterList prompts = nn.ParameterList(nn.Parameter(torch.ones(3)), nn.Parameter(torch.ones(3)));
                    [Decay] private readonly ParameterDict scales = nn.ParameterDict(("b", nn.Parameter(torch.ones(2))), ("a", nn.Parameter(torch.ones(2))));
                    private readonly MultiheadAttention attention = nn.MultiheadAttention(4, 2, add_bias_kv: true);

                    public Containers() : base(nameof(Containers)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class Members : nn.Module<Tensor, Tensor>
                {
                    private readonly nn.Module<Tensor, Tensor> baseTyped = nn.Linear(2, 2);
                    private readonly object boxed = nn.LayerNorm(2);
                    private readonly Tensor tensorTyped = nn.Parameter(torch.ones(2));
                    private readonly Tensor buffer = torch.zeros(2);
                    public Linear AutoProperty { get; } = nn.Linear(2, 2);
                    [ComponentName(Name = "renamed")] private readonly Linear original = nn.Linear(2, 2);
                    [Decay(IncludeBiases = true)] private readonly Linear withBiases = nn.Linear(2, 2);
                    [Decay(3)] private readonly Parameter rawDecayed = nn.Parameter(torch.ones(2));
                    [Decay] private readonly Embedding decayedEmbedding = nn.Embedding(3, 2);
                    [NoDecay] private readonly Sequential quiet = nn.Sequential(nn.Linear(2, 2));
                #pragma warning disable CS0414 // Read only by reflection (TorchSharp's registration and WdGen's walk), as in a real model.
                    private readonly Linear? absent = null;
                #pragma warning restore CS0414
                    private readonly Linear[] notRegistered = { nn.Linear(2, 2) };
                    private static readonly Linear Shared = nn.Linear(2, 2);

                    public Members() : base(nameof(Members)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class Inner : nn.Module<Tensor, Tensor>
                {
                    [Decay(2)] private readonly Linear fc = nn.Linear(2, 2);
                    private readonly Linear plain = nn.Linear(2, 2);

                    public Inner() : base(nameof(Inner)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class Outer : nn.Module<Tensor, Tensor>
                {
                    private readonly Inner open = new Inner();
                    [NoDecay] private readonly Inner closed = new Inner();
                    private readonly ModuleList<Inner> listed = nn.ModuleList(new Inner());

                    public Outer() : base(nameof(Outer)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                // A plain base class: its private fields are read by reflection, after the model's own.
                public abstract class Backbone : nn.Module<Tensor, Tensor>
                {
                    [NoDecay] private readonly Linear stem = nn.Linear(2, 2);
                    protected readonly int width = 2;

                    protected Backbone(string name) : base(name) { }
                }

                [DecayGroups]
                public sealed partial class OnBackbone : Backbone
                {
                    private readonly Linear top = nn.Linear(2, 2);

                    public OnBackbone() : base(nameof(OnBackbone)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                // A model deriving from a model: the base's members follow in the base's generated order.
                [DecayGroups]
                public partial class BaseModel : nn.Module<Tensor, Tensor>
                {
                    [Decay(2)] private readonly Linear shared = nn.Linear(2, 2);
                    protected readonly Linear second = nn.Linear(2, 2);

                    public BaseModel() : base(nameof(BaseModel)) { }

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class DerivedModel : BaseModel
                {
                    private readonly LayerNorm norm = nn.LayerNorm(2);

                    public DerivedModel() => RegisterComponents();
                }

                // A class derived from a model, with no WdGen code of its own: walked by the nearest generated base's plan.
                public sealed class PlainDerived : BaseModel
                {
                    public PlainDerived() => RegisterComponents();
                }

                [DecayGroups]
                public sealed partial class Late : nn.Module<Tensor, Tensor>
                {
                    private readonly Linear early;
                    private Linear? late;

                    public Late()
                        : base(nameof(Late))
                    {
                        early = nn.Linear(2, 2);
                        RegisterComponents();
                        late = nn.Linear(2, 2);
                    }

                    public override Tensor forward(Tensor input) => input;
                }
            }
            """;

        private static readonly UserAssembly Assembly = UserAssembly.Compile(Models);

        [Fact]
        public void Seed_001_layers_inside_unnamed_Sequentials_are_classified_by_their_type()
        {
            var groups = UserAssembly.Groups(Assembly.Create("Shapes.SeedNet"));

            Assert.Equal(
                new[] { "features.0.weight", "features.3.0.weight", "classifier.0.weight", "classifier.2.weight" },
                groups.Decay.Select(e => e.Name));
            Assert.Equal(
                new[]
                {
                    "features.0.bias", "features.1.weight", "features.1.bias", "features.3.0.bias", "features.3.1.weight", "features.3.1.bias",
                    "classifier.0.bias", "classifier.1.weight", "classifier.1.bias", "classifier.2.bias",
                },
                groups.NoDecay.Select(e => e.Name));
            Assert.Equal("BatchNorm2d.weight is a normalization parameter: normalization parameters never decay by default", groups["features.1.weight"].Reason);
        }

        [Fact]
        public void ModuleDict_keeps_insertion_order_and_parameter_containers_are_walked()
        {
            var groups = UserAssembly.Groups(Assembly.Create("Shapes.Containers"));

            Assert.Equal(
                new[]
                {
                    "heads.zeta.weight", "heads.zeta.bias", "heads.alpha.weight", "heads.alpha.bias",
                    "prompts.0", "prompts.1", "scales.b", "scales.a",
                },
                groups.Entries.Take(8).Select(e => e.Name));
            Assert.False(groups["prompts.0"].Decays);
            Assert.True(groups["scales.b"].Decays);
        }

        [Fact]
        public void MultiheadAttention_projections_decay_and_every_bias_does_not()
        {
            var groups = UserAssembly.Groups(Assembly.Create("Shapes.Containers"));
            var attention = groups.Entries.Where(e => e.Name.StartsWith("attention.")).ToDictionary(e => e.Name);

            Assert.True(attention["attention.in_proj_weight"].Decays);
            Assert.True(attention["attention.out_proj.weight"].Decays);
            Assert.False(attention["attention.in_proj_bias"].Decays);
            Assert.False(attention["attention.out_proj.bias"].Decays);
            Assert.Equal(ParameterRole.Bias, attention["attention.bias_k"].Role);
            Assert.Equal(ParameterRole.Bias, attention["attention.bias_v"].Role);
            Assert.False(attention["attention.bias_k"].Decays);
        }

        [Fact]
        public void Each_kind_of_member_is_named_as_TorchSharp_registers_it_and_decided_by_its_attribute()
        {
            var groups = UserAssembly.Groups(Assembly.Create("Shapes.Members"));

            Assert.Equal(
                new[]
                {
                    "baseTyped.weight", "baseTyped.bias", "boxed.weight", "boxed.bias", "tensorTyped",
                    "<AutoProperty>k__BackingField.weight", "<AutoProperty>k__BackingField.bias",
                    "renamed.weight", "renamed.bias", "withBiases.weight", "withBiases.bias",
                    "rawDecayed", "decayedEmbedding.weight", "quiet.0.weight", "quiet.0.bias",
                },
                groups.Entries.Select(e => e.Name));
            Assert.True(groups["baseTyped.weight"].Decays);
            Assert.Equal(ParameterRole.Norm, groups["boxed.weight"].Role);
            Assert.False(groups["tensorTyped"].Decays);
            Assert.True(groups["withBiases.bias"].Decays);
            Assert.Equal(3, groups["rawDecayed"].Scale);
            Assert.True(groups["decayedEmbedding.weight"].Decays);
            Assert.False(groups["quiet.0.weight"].Decays);
        }

        [Fact]
        public void Private_fields_of_a_plain_base_class_follow_the_models_own_with_their_attributes()
        {
            var groups = UserAssembly.Groups(Assembly.Create("Shapes.OnBackbone"));

            Assert.Equal(new[] { "top.weight", "top.bias", "stem.weight", "stem.bias" }, groups.Entries.Select(e => e.Name));
            Assert.True(groups["top.weight"].Decays);
            Assert.Equal("[NoDecay] on Backbone.stem", groups["stem.weight"].Reason);
            Assert.Equal(new[] { "top", "stem" }, Assembly.Plan("Shapes.OnBackbone").Members.Select(m => m.Name));
        }

        [Fact]
        public void A_model_deriving_from_a_model_walks_the_base_models_members_in_their_generated_order()
        {
            var groups = UserAssembly.Groups(Assembly.Create("Shapes.DerivedModel"));

            Assert.Equal(new[] { "norm.weight", "norm.bias", "shared.weight", "shared.bias", "second.weight", "second.bias" }, groups.Entries.Select(e => e.Name));
            Assert.Equal(2, groups["shared.weight"].Scale);
            Assert.Equal("DerivedModel", Assembly.Plan("Shapes.DerivedModel").Model);
            Assert.Equal("BaseModel", Assembly.Plan("Shapes.BaseModel").Model);
            Assert.Equal(new[] { "shared", "second" }, Assembly.Plan("Shapes.BaseModel").Members.Select(m => m.Name));
        }

        [Fact]
        public void A_class_derived_from_a_model_without_code_of_its_own_is_walked_by_its_generated_base()
        {
            var model = Assembly.Create("Shapes.PlainDerived");
            var groups = UserAssembly.Groups(model);

            Assert.Equal(new[] { "shared.weight", "shared.bias", "second.weight", "second.bias" }, groups.Entries.Select(e => e.Name));
            Assert.Equal(2, groups["shared.weight"].Scale);
        }

        [Fact]
        public void Nested_models_are_walked_through_their_own_code_and_outer_NoDecay_covers_them()
        {
            var groups = UserAssembly.Groups(Assembly.Create("Shapes.Outer"));

            Assert.Equal(2, groups["open.fc.weight"].Scale);
            Assert.Equal(1, groups["open.plain.weight"].Scale);
            Assert.False(groups["closed.fc.weight"].Decays);
            Assert.Equal("[NoDecay] on Outer.closed", groups["closed.fc.weight"].Reason);
            Assert.Equal(2, groups["listed.0.fc.weight"].Scale);
        }

        [Fact]
        public void A_module_assigned_after_RegisterComponents_is_named_in_the_error()
        {
            var error = Assert.Throws<DecayGroupsException>(() => UserAssembly.Groups(Assembly.Create("Shapes.Late")));

            Assert.Equal(2, error.Problems.Count);
            Assert.All(error.Problems, p => Assert.Contains("'late.", p));
            Assert.Contains("RegisterComponents()", error.Message);
        }

        [Fact]
        public void Frozen_parameters_are_left_out_unless_asked_for()
        {
            var model = (TorchSharp.torch.nn.Module)Assembly.Create("Shapes.SeedNet");
            foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.StartsWith("features.")))
            {
                parameter.requires_grad = false;
            }

            var trainable = UserAssembly.Groups(model);
            var all = UserAssembly.Groups(model, includeFrozen: true);

            Assert.All(trainable.Entries, e => Assert.StartsWith("classifier.", e.Name));
            Assert.Equal(8, trainable.Frozen.Count);
            Assert.Equal(model.named_parameters().Count(), all.Entries.Count);
        }
    }
}

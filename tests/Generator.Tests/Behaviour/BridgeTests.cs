using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.Generator.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace WdGen.Generator.Tests.Behaviour
{
    /// <summary>The generated TorchSharp bridge: optimizers built from groups, tied weights, the L2 penalty.</summary>
    public class BridgeTests
    {
        private const string Source = """
            using System.Collections.Generic;
            using TorchSharp;
            using TorchSharp.Modules;
            using WdGen;
            using static TorchSharp.torch;

            namespace Bridge
            {
                [DecayGroups]
                public sealed partial class Lm : nn.Module<Tensor, Tensor>
                {
                    private readonly Embedding wte = nn.Embedding(5, 3);
                    private readonly Linear fc = nn.Linear(3, 3);
                    [Decay(0.5)] private readonly Linear proj = nn.Linear(3, 3);
                    [NoDecay] private readonly Linear lm_head = nn.Linear(3, 5, hasBias: false);

                    public Lm(bool tie)
                        : base(nameof(Lm))
                    {
                        if (tie)
                        {
                            lm_head.weight = wte.weight!; // registered again under lm_head: one tensor, two names
                        }

                        RegisterComponents();
                    }

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class TiedDisagree : nn.Module<Tensor, Tensor>
                {
                    private readonly Embedding wte = nn.Embedding(5, 3);
                    private readonly Linear lm_head = nn.Linear(3, 5, hasBias: false);

                    public TiedDisagree()
                        : base(nameof(TiedDisagree))
                    {
                        lm_head.weight = wte.weight!;
                        RegisterComponents();
                    }

                    public override Tensor forward(Tensor input) => input;
                }

                public static class Use
                {
                    public static WdGen.DecayGroups<Parameter> Groups(Lm model) => model.GetDecayGroups();

                    public static AdamW AdamW(Lm model, double lr, double weightDecay) => model.GetDecayGroups().ToAdamW(lr, weightDecay);

                    public static Adam Adam(Lm model, double lr, double weightDecay) => model.GetDecayGroups().ToAdam(lr, weightDecay, amsgrad: true);

                    public static SGD Sgd(Lm model, double lr, double weightDecay) => model.GetDecayGroups().ToSgd(lr, weightDecay, momentum: 0.9);

                    public static Tensor Penalty(Lm model, double weightDecay, IReadOnlyDictionary<string, Tensor>? masks)
                        => model.GetDecayGroups().L2Penalty(weightDecay, masks);
                }
            }
            """;

        private static readonly UserAssembly Assembly = UserAssembly.Compile(Source);

        private static nn.Module Lm(bool tie) => (nn.Module)Assembly.Create("Bridge.Lm", tie);

        [Fact]
        public void ToAdamW_builds_one_group_per_scale_inheriting_the_optimizers_learning_rate()
        {
            var model = Lm(tie: false);

            var optimizer = (AdamW)Assembly.Call("Bridge.Use", "AdamW", model, 0.02, 0.1)!;

            var groups = optimizer.ParamGroups.Cast<ParamGroup>().ToList();
            Assert.Equal(3, groups.Count);
            Assert.All(groups, g => Assert.Equal(0.02, g.LearningRate));
            Assert.Equal(new[] { 0.1, 0.05, 0.0 }, groups.Select(g => ((AdamW.Options)g.Options).weight_decay!.Value), new ToleranceComparer());
            Assert.Equal(new[] { 1, 1, 4 }, groups.Select(g => g.Parameters.Count()));
        }

        [Fact]
        public void ToAdam_and_ToSgd_pass_weight_decay_per_group_and_the_other_options()
        {
            var adam = (Adam)Assembly.Call("Bridge.Use", "Adam", Lm(false), 0.01, 0.2)!;
            var sgd = (SGD)Assembly.Call("Bridge.Use", "Sgd", Lm(false), 0.3, 0.2)!;

            Assert.Equal(new[] { 0.2, 0.1, 0.0 }, adam.ParamGroups.Cast<ParamGroup>().Select(g => ((Adam.Options)g.Options).weight_decay!.Value), new ToleranceComparer());
            Assert.All(adam.ParamGroups.Cast<ParamGroup>(), g => Assert.True(((Adam.Options)g.Options).amsgrad));
            Assert.Equal(new[] { 0.2, 0.1, 0.0 }, sgd.ParamGroups.Cast<ParamGroup>().Select(g => ((SGD.Options)g.Options).weight_decay!.Value), new ToleranceComparer());
            Assert.All(sgd.ParamGroups.Cast<ParamGroup>(), g => Assert.Equal(0.3, g.LearningRate));
            Assert.All(sgd.ParamGroups.Cast<ParamGroup>(), g => Assert.Equal(0.9, ((SGD.Options)g.Options).momentum));
        }

        [Fact]
        public void Tied_weight_is_listed_once_and_updated_once_per_step()
        {
            var model = Lm(tie: true);
            var groups = (DecayGroups<Parameter>)Assembly.Call("Bridge.Use", "Groups", model)!;

            var entry = groups["wte.weight"];
            Assert.Equal(new[] { "lm_head.weight" }, entry.Aliases);
            Assert.Equal(2, model.named_parameters().Count(p => p.name is "wte.weight" or "lm_head.weight"));

            // One SGD step with lr 0.1 and gradient 1 must move the tied weight by 0.1, not 0.2.
            var before = entry.Parameter.data<float>().ToArray();
            foreach (var (_, parameter) in model.named_parameters())
            {
                parameter.grad = torch.ones_like(parameter);
            }

            var optimizer = (SGD)Assembly.Call("Bridge.Use", "Sgd", model, 0.1, 0.0)!;
            optimizer.step();

            var after = entry.Parameter.data<float>().ToArray();
            Assert.All(before.Zip(after), pair => Assert.Equal(pair.First - 0.1f, pair.Second, 1e-5f));
        }

        [Fact]
        public void Tied_weight_whose_members_disagree_names_both_paths()
        {
            var model = (nn.Module)Assembly.Create("Bridge.TiedDisagree");

            var error = Assert.Throws<DecayGroupsException>(() => UserAssembly.Groups(model));

            Assert.Contains("'wte.weight' and 'lm_head.weight' are one tensor (a tied weight) but disagree on decay", error.Message);
            Assert.Contains("[NoDecay] on the member that holds 'lm_head.weight'", error.Message);
        }

        [Fact]
        public void L2Penalty_is_half_weight_decay_times_scaled_squares_of_decaying_parameters()
        {
            var model = Lm(false);
            var groups = UserAssembly.Groups(model);

            var penalty = ((Tensor)Assembly.Call("Bridge.Use", "Penalty", model, 0.1, null)!).ToDouble();

            var expected = groups.Decay.Sum(e => 0.5 * 0.1 * e.Scale * e.Parameter.data<float>().ToArray().Sum(v => (double)v * v));
            Assert.Equal(expected, penalty, 1e-5 * Math.Max(1, expected));
            Assert.True(expected > 0);
        }

        [Fact]
        public void L2Penalty_weights_each_element_by_its_mask()
        {
            var model = Lm(false);
            var fc = UserAssembly.Groups(model)["fc.weight"].Parameter;
            var values = fc.data<float>().ToArray();
            var maskValues = Enumerable.Range(0, values.Length).Select(i => (float)(i % 3)).ToArray();
            var masks = new Dictionary<string, Tensor> { ["fc.weight"] = torch.tensor(maskValues, fc.shape) };

            var unmasked = ((Tensor)Assembly.Call("Bridge.Use", "Penalty", model, 0.1, null)!).ToDouble();
            var masked = ((Tensor)Assembly.Call("Bridge.Use", "Penalty", model, 0.1, masks)!).ToDouble();

            var fcPlain = 0.05 * values.Sum(v => (double)v * v);
            var fcMasked = 0.05 * values.Select((v, i) => maskValues[i] * (double)v * v).Sum();
            Assert.Equal(unmasked - fcPlain + fcMasked, masked, 1e-5 * Math.Max(1, masked));
        }

        [Theory]
        [InlineData("nope", "no parameter of Lm is named 'nope'")]
        [InlineData("fc.bias", "'fc.bias' does not decay")]
        [InlineData("proj.weight", "the mask for 'proj.weight' has shape [2] but the parameter has shape [3, 3]")]
        public void L2Penalty_rejects_bad_masks_by_name(string name, string message)
        {
            var masks = new Dictionary<string, Tensor> { [name] = torch.ones(2) };

            var error = Assert.Throws<System.ArgumentException>(() => Assembly.Call("Bridge.Use", "Penalty", Lm(false), 0.1, masks));

            Assert.Contains(message, error.Message);
            Assert.Equal("masks", error.ParamName);
        }

        [Fact]
        public void Negative_or_non_finite_weight_decay_is_rejected()
        {
            Assert.Throws<System.ArgumentOutOfRangeException>(() => Assembly.Call("Bridge.Use", "AdamW", Lm(false), 0.1, -1.0));
            Assert.Throws<System.ArgumentOutOfRangeException>(() => Assembly.Call("Bridge.Use", "Sgd", Lm(false), 0.1, double.NaN));
        }

        private sealed class ToleranceComparer : IEqualityComparer<double>
        {
            public bool Equals(double x, double y) => System.Math.Abs(x - y) < 1e-12;

            public int GetHashCode(double obj) => 0;
        }
    }
}

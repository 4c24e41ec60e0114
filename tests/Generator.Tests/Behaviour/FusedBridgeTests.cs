using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.Generator.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace WdGen.Generator.Tests.Behaviour
{
    /// <summary>The fused optimizers of WdGen.TorchSharp on generated models, driven through TorchSharp's API.</summary>
    public class FusedBridgeTests
    {
        private const string Source = """
            using System.Collections.Generic;
            using TorchSharp;
            using TorchSharp.Modules;
            using WdGen;
            using static TorchSharp.torch;

            namespace Fused
            {
                [DecayGroups]
                public sealed partial class Net : nn.Module<Tensor, Tensor>
                {
                    private readonly Embedding wte = nn.Embedding(7, 5);
                    private readonly Sequential body = nn.Sequential(nn.Linear(5, 9), nn.LayerNorm(9), nn.Linear(9, 5));
                    [Decay(0.5)] private readonly Linear proj = nn.Linear(5, 5);
                    [NoDecay] private readonly Linear lm_head = nn.Linear(5, 7, hasBias: false);

                    public Net(bool tie)
                        : base(nameof(Net))
                    {
                        if (tie)
                        {
                            lm_head.weight = wte.weight!;
                        }

                        RegisterComponents();
                    }

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class Doubles : nn.Module<Tensor, Tensor>
                {
                    private readonly Parameter weights = nn.Parameter(torch.ones(3, dtype: ScalarType.Float64));

                    public Doubles() : base(nameof(Doubles)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                public static class Use
                {
                    public static torch.optim.Optimizer FusedAdamW(Net model, double lr, double weightDecay, IReadOnlyDictionary<string, Tensor>? masks)
                        => model.GetDecayGroups().ToFusedAdamW(lr, weightDecay, decayMasks: masks);

                    public static torch.optim.Optimizer FusedAdam(Net model, double lr, double weightDecay) => model.GetDecayGroups().ToFusedAdam(lr, weightDecay);

                    public static torch.optim.Optimizer FusedSgd(Net model, double lr, double weightDecay) => model.GetDecayGroups().ToFusedSgd(lr, weightDecay, momentum: 0.9, nesterov: true);

                    public static torch.optim.Optimizer TorchAdamW(Net model, double lr, double weightDecay) => model.GetDecayGroups().ToAdamW(lr, weightDecay);

                    public static torch.optim.Optimizer TorchAdam(Net model, double lr, double weightDecay) => model.GetDecayGroups().ToAdam(lr, weightDecay);

                    public static torch.optim.Optimizer TorchSgd(Net model, double lr, double weightDecay) => model.GetDecayGroups().ToSgd(lr, weightDecay, momentum: 0.9, nesterov: true);

                    public static torch.optim.Optimizer FusedDoubles(Doubles model) => model.GetDecayGroups().ToFusedAdamW(0.1, 0.1);

                    public static void Save(torch.optim.Optimizer optimizer, string path) => ((FusedTorchSharpOptimizer)optimizer).SaveState(path);

                    public static void Load(torch.optim.Optimizer optimizer, string path) => ((FusedTorchSharpOptimizer)optimizer).LoadState(path);
                }
            }
            """;

        private static readonly UserAssembly Assembly = UserAssembly.Compile(Source);

        private static nn.Module Net(bool tie = false) => (nn.Module)Assembly.Create("Fused.Net", tie);

        private static optim.Optimizer Optimizer(string method, params object?[] arguments) => (optim.Optimizer)Assembly.Call("Fused.Use", method, arguments)!;

        /// <summary>Gives every parameter the same deterministic gradient for step <paramref name="step"/>.</summary>
        private static void SetGradients(nn.Module model, int step)
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                var values = Enumerable.Range(0, (int)parameter.numel()).Select(i => (float)Math.Sin((i + 1) * 0.7 + step + name.Length)).ToArray();
                parameter.grad = torch.tensor(values, parameter.shape);
            }
        }

        private static float[][] Values(nn.Module model) => model.named_parameters().Select(p => p.parameter.data<float>().ToArray()).ToArray();

        [Theory]
        [InlineData("FusedAdamW", "TorchAdamW")]
        [InlineData("FusedAdam", "TorchAdam")]
        [InlineData("FusedSgd", "TorchSgd")]
        public void Fused_optimizers_match_TorchSharps_own_update_rules(string fused, string reference)
        {
            var fusedModel = Net();
            var referenceModel = CopyOf(fusedModel);
            var fusedOptimizer = fused == "FusedAdamW" ? Optimizer(fused, fusedModel, 0.05, 0.1, null) : Optimizer(fused, fusedModel, 0.05, 0.1);
            var referenceOptimizer = Optimizer(reference, referenceModel, 0.05, 0.1);

            for (var step = 0; step < 5; step++)
            {
                SetGradients(fusedModel, step);
                SetGradients(referenceModel, step);
                fusedOptimizer.step();
                referenceOptimizer.step();
            }

            foreach (var (fusedValues, referenceValues) in Values(fusedModel).Zip(Values(referenceModel)))
            {
                // The fixture's optimizers are scalar loops without FMA; the fused kernels follow ATen's FMA placement.
                for (var i = 0; i < fusedValues.Length; i++)
                {
                    Assert.Equal(referenceValues[i], fusedValues[i], 1e-5 * Math.Max(1, Math.Abs(referenceValues[i])));
                }
            }
        }

        [Fact]
        public void Learning_rate_schedulers_drive_the_fused_groups()
        {
            var model = Net();
            var optimizer = Optimizer("FusedAdamW", model, 0.1, 0.0, null);
            var scheduler = optim.lr_scheduler.StepLR(optimizer, step_size: 1, gamma: 0.5);
            var before = Values(model);

            SetGradients(model, 0);
            scheduler.step(); // lr 0.05 from now on
            optimizer.step();

            // The first Adam step moves every element by lr·sign(g) (bias-corrected moments), so 0.05 exactly.
            foreach (var (old, updated) in before.Zip(Values(model)))
            {
                for (var i = 0; i < old.Length; i++)
                {
                    Assert.Equal(0.05, Math.Abs(updated[i] - old[i]), 1e-4);
                }
            }
        }

        [Fact]
        public void Tied_weight_is_updated_once_per_step()
        {
            var model = Net(tie: true);
            var tied = model.named_parameters().First(p => p.name == "wte.weight").parameter;
            var before = tied.data<float>().ToArray();
            var optimizer = Optimizer("FusedSgd", model, 0.1, 0.0);
            foreach (var (_, parameter) in model.named_parameters())
            {
                parameter.grad = torch.ones_like(parameter);
            }

            optimizer.step();

            // Nesterov SGD's first step is lr·(g + momentum·g) = 0.1·1.9; a second update would move it twice as far.
            Assert.All(before.Zip(tied.data<float>().ToArray()), pair => Assert.Equal(pair.First - 0.19f, pair.Second, 1e-5f));
        }

        [Fact]
        public void Zero_grad_zeroes_every_gradient_in_place()
        {
            var model = Net();
            var optimizer = Optimizer("FusedAdamW", model, 0.1, 0.1, null);
            SetGradients(model, 3);

            optimizer.zero_grad();

            Assert.All(model.named_parameters(), p => Assert.All(p.parameter.grad!.data<float>().ToArray(), v => Assert.Equal(0f, v)));
        }

        [Fact]
        public void Parameters_without_a_gradient_are_skipped()
        {
            var model = Net();
            var optimizer = Optimizer("FusedAdamW", model, 0.1, 0.1, null);
            var before = Values(model);

            optimizer.step();

            Assert.Equal(before, Values(model));
        }

        [Fact]
        public void State_round_trips_by_name_and_a_differently_grouped_model_is_refused()
        {
            var path = Path.Combine(Path.GetTempPath(), "wdgen-fused-" + Guid.NewGuid().ToString("N") + ".state");
            try
            {
                var first = Net();
                var optimizer = Optimizer("FusedAdamW", first, 0.1, 0.1, null);
                SetGradients(first, 0);
                optimizer.step();
                Assembly.Call("Fused.Use", "Save", optimizer, path);

                // A fresh process would rebuild the model from its checkpoint: same values, fresh optimizer, loaded state.
                var resumedModel = CopyOf(first);
                var resumed = Optimizer("FusedAdamW", resumedModel, 0.1, 0.1, null);
                Assembly.Call("Fused.Use", "Load", resumed, path);
                SetGradients(first, 1);
                SetGradients(resumedModel, 1);
                optimizer.step();
                resumed.step();
                Assert.Equal(Values(first), Values(resumedModel));

                // A model whose groups differ (tied head) has another fingerprint: refused, naming the reason.
                var other = Optimizer("FusedAdamW", Net(tie: true), 0.1, 0.1, null);
                var error = Assert.ThrowsAny<Exception>(() => Assembly.Call("Fused.Use", "Load", other, path));
                Assert.Contains("fingerprint", error.Message, StringComparison.OrdinalIgnoreCase);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void Parameters_on_different_devices_are_refused_naming_two_of_them()
        {
            // A CPU build of TorchSharp has one real device; the meta device (shapes without data) stands in for another.
            var model = Net();
            var (childName, child) = model.named_children().Last();
            child.to(torch.device("meta"));

            var error = Assert.Throws<ArgumentException>(() => Optimizer("FusedAdamW", model, 0.1, 0.1, null));

            // Two parameters named, each with its device (the first in the optimizer's order is on the CPU).
            Assert.Matches($"'[^']+' is on cpu and '{System.Text.RegularExpressions.Regex.Escape(childName)}\\.[^']+' is on meta", error.Message);
        }

        [Fact]
        public void Parameters_on_a_device_other_than_cpu_or_cuda_are_refused()
        {
            var model = Net();
            model.to(torch.device("meta"));

            var error = Assert.Throws<NotSupportedException>(() => Optimizer("FusedAdamW", model, 0.1, 0.1, null));

            Assert.Contains("is on meta", error.Message);
        }

        [Fact]
        public void Tensors_other_than_float32_are_refused_with_the_parameter_name()
        {
            var model = (nn.Module)Assembly.Create("Fused.Doubles");

            var error = Assert.Throws<NotSupportedException>(() => Assembly.Call("Fused.Use", "FusedDoubles", model));

            Assert.Contains("'weights' is float64", error.Message);
            Assert.Contains("float32", error.Message);
        }

        [Fact]
        public void Decay_masks_are_checked_by_name_and_shape()
        {
            var wrongShape = new Dictionary<string, Tensor> { ["proj.weight"] = torch.ones(3) };
            var notDecaying = new Dictionary<string, Tensor> { ["proj.bias"] = torch.ones(5) };
            var unknown = new Dictionary<string, Tensor> { ["nope"] = torch.ones(5) };

            Assert.Contains("shape [5, 5]", Assert.Throws<ArgumentException>(() => Optimizer("FusedAdamW", Net(), 0.1, 0.1, wrongShape)).Message);
            Assert.Contains("'proj.bias', which does not decay", Assert.Throws<ArgumentException>(() => Optimizer("FusedAdamW", Net(), 0.1, 0.1, notDecaying)).Message);
            Assert.Contains("'nope'", Assert.Throws<ArgumentException>(() => Optimizer("FusedAdamW", Net(), 0.1, 0.1, unknown)).Message);
        }

        [Fact]
        public void A_zero_mask_stops_decoupled_decay_element_by_element()
        {
            var model = Net();
            var proj = model.named_parameters().First(p => p.name == "proj.weight").parameter;
            var maskValues = Enumerable.Range(0, 25).Select(i => i % 2 == 0 ? 1f : 0f).ToArray();
            var masks = new Dictionary<string, Tensor> { ["proj.weight"] = torch.tensor(maskValues, proj.shape) };
            var optimizer = Optimizer("FusedAdamW", model, 0.1, 0.5, masks);
            var before = proj.data<float>().ToArray();
            foreach (var (_, parameter) in model.named_parameters())
            {
                parameter.grad = torch.zeros_like(parameter);
            }

            optimizer.step(); // zero gradient: only decay moves the weights, p·(1 − lr·wd·scale·mask)

            var after = proj.data<float>().ToArray();
            for (var i = 0; i < before.Length; i++)
            {
                var expected = before[i] * (1f - (float)(0.1 * 0.5 * 0.5) * maskValues[i]);
                Assert.Equal(expected, after[i], 1e-6f * Math.Max(1f, Math.Abs(expected)));
            }
        }

        /// <summary>A new model with the same parameter values (each instance is initialized at random).</summary>
        private static nn.Module CopyOf(nn.Module source, bool tie = false)
        {
            var copy = Net(tie);
            using (torch.no_grad())
            {
                foreach (var ((_, target), (_, original)) in copy.named_parameters().Zip(source.named_parameters()))
                {
                    target.copy_(original);
                }
            }

            return copy;
        }
    }
}

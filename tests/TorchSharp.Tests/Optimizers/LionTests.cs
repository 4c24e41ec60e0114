using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.TorchSharp.Tests.Models;
using Xunit;
using static TorchSharp.torch;
using static WdGen.TorchSharp.Tests.Support;

namespace WdGen.TorchSharp.Tests.Optimizers
{
    /// <summary>
    /// <c>ToFusedLion</c> on real TorchSharp tensors: against Lion written by hand in TorchSharp tensor operations (the
    /// paper's Algorithm 2 with decoupled decay), two models from a common point with identical gradients, compared after
    /// every step to 1e-6 of each tensor's largest element; its state through TorchSharp's API and WdGen's files; refusals.
    /// </summary>
    public sealed class LionTests : IDisposable
    {
        private const int Steps = 6;
        private const double Lr = 0.01, WeightDecay = 0.3;
        private readonly string directory = Directory.CreateTempSubdirectory("wdgen-lion-").FullName;

        public void Dispose() => Directory.Delete(directory, recursive: true);

        [Theory]
        [InlineData(false, false, false)]
        [InlineData(true, false, false)]
        [InlineData(false, true, false)]
        [InlineData(false, false, true)]
        [InlineData(true, true, true)]
        public void Fused_Lion_matches_Lion_in_TorchSharp_operations_step_by_step(bool tie, bool maximize, bool masked)
        {
            const double beta1 = 0.9, beta2 = 0.99;
            var model = new Net(tie);
            var twin = Twin(model, () => new Net(tie));
            var groups = model.GetDecayGroups();
            var referenceGroups = twin.GetDecayGroups();
            torch.manual_seed(5);
            var masks = masked ? groups.Decay.ToDictionary(e => e.Name, e => torch.rand_like(e.Parameter).round()) : null;
            var fused = groups.ToFusedLion(Lr, WeightDecay, beta1, beta2, maximize, masks);
            var reference = new HandWrittenLion(referenceGroups, Lr, WeightDecay, beta1, beta2, maximize, masks);

            for (var step = 1; step <= Steps; step++)
            {
                // Step 3: proj.weight's gradient is zero (c = beta1*m, the update follows the moment alone).
                SetGradients(groups, referenceGroups, step);
                if (step == 3)
                {
                    groups["proj.weight"].Parameter.grad!.zero_();
                    referenceGroups["proj.weight"].Parameter.grad!.zero_();
                }

                fused.step();
                reference.Step();
                AssertClose(groups, referenceGroups, $"Lion (tied {tie}, maximize {maximize}, masked {masked}) after step {step}");
            }

            Assert.Equal(4L * groups.Entries.Sum(e => e.ElementCount), fused.StateBytes); // one float32 moment per element
        }

        [Fact]
        public void A_parameter_without_a_gradient_keeps_its_value_and_moment()
        {
            var model = new Net();
            var twin = Twin(model, () => new Net());
            var groups = model.GetDecayGroups();
            var referenceGroups = twin.GetDecayGroups();
            var fused = groups.ToFusedLion(Lr, WeightDecay);
            var reference = new HandWrittenLion(referenceGroups, Lr, WeightDecay, 0.9, 0.99, false, null);
            for (var step = 1; step <= Steps; step++)
            {
                var without = step % 2 == 0 ? new[] { "proj.weight" } : Array.Empty<string>();
                var before = Values(groups["proj.weight"].Parameter);
                SetGradients(groups, referenceGroups, step, without);
                fused.step();
                reference.Step();
                AssertClose(groups, referenceGroups, $"Lion after step {step}");
                if (without.Length > 0)
                {
                    Assert.Equal(before, Values(groups["proj.weight"].Parameter));
                }
            }
        }

        [Theory]
        [InlineData("torchsharp file")]
        [InlineData("torchsharp dictionary")]
        [InlineData("wdgen file")]
        public void A_resumed_Lion_continues_exactly_like_the_uninterrupted_one(string route)
        {
            var model = new Net(tie: true);
            var twin = Twin(model, () => new Net(tie: true));
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var straight = groups.ToFusedLion(Lr, WeightDecay, maximize: true);
            var first = twinGroups.ToFusedLion(Lr, WeightDecay, maximize: true);
            StepInTurn(groups, straight, twinGroups, first, 1, 3, compare: false);

            var resumed = twinGroups.ToFusedLion(Lr, WeightDecay, maximize: true);
            var path = Path.Combine(directory, "lion.bin");
            switch (route)
            {
                case "torchsharp file":
                    first.save_state_dict(path);
                    resumed.load_state_dict(path);
                    break;
                case "torchsharp dictionary":
                    resumed.load_state_dict(first.state_dict());
                    break;
                default:
                    first.SaveState(path);
                    var text = Encoding.UTF8.GetString(File.ReadAllBytes(path));
                    Assert.Contains("lion", text);
                    Assert.Contains("exp_avg", text);
                    Assert.All(twinGroups.Entries, e => Assert.Contains(e.Name, text));
                    resumed.LoadState(path);
                    break;
            }

            StepInTurn(groups, straight, twinGroups, resumed, 4, 6, compare: true);
        }

        [Theory]
        [InlineData(StateFormat.BFloat16)]
        [InlineData(StateFormat.Int8)]
        public void Lion_runs_and_resumes_exactly_in_the_lean_state_formats(StateFormat format)
        {
            var model = new Net();
            var twin = Twin(model, () => new Net());
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var straight = groups.ToFusedLion(Lr, WeightDecay, state: format);
            var first = twinGroups.ToFusedLion(Lr, WeightDecay, state: format);
            var elements = groups.Entries.Sum(e => e.ElementCount);
            Assert.True(format == StateFormat.BFloat16 ? straight.StateBytes == 2 * elements : straight.StateBytes <= 4 * elements, $"{straight.StateBytes} bytes");
            StepInTurn(groups, straight, twinGroups, first, 1, 3, compare: false);

            var path = Path.Combine(directory, "lean.bin");
            first.SaveState(path);
            var resumed = twinGroups.ToFusedLion(Lr, WeightDecay, state: format);
            resumed.LoadState(path);
            StepInTurn(groups, straight, twinGroups, resumed, 4, 6, compare: true);
        }

        [Fact]
        public void Lion_state_does_not_load_into_another_algorithm()
        {
            var groups = new Net().GetDecayGroups();
            var lion = groups.ToFusedLion(Lr, WeightDecay);
            var adamW = groups.ToFusedAdamW(Lr, WeightDecay);
            var path = Path.Combine(directory, "lion.bin");
            lion.SaveState(path);

            Assert.IsType<InvalidDataException>(Record.Exception(() => adamW.LoadState(path)));
        }

        [Theory]
        [InlineData(-0.1, 0.99, 0.01, "Beta1")]
        [InlineData(1.0, 0.99, 0.01, "Beta1")]
        [InlineData(0.9, 1.0, 0.01, "Beta2")]
        [InlineData(0.9, double.NaN, 0.01, "Beta2")]
        [InlineData(0.9, 0.99, -0.01, "LearningRate")]
        public void Out_of_range_hyper_parameters_are_refused_naming_them(double beta1, double beta2, double lr, string name)
        {
            var groups = new Net().GetDecayGroups();

            var error = Assert.ThrowsAny<ArgumentException>(() => groups.ToFusedLion(lr, WeightDecay, beta1, beta2));

            Assert.Contains(name, error.Message);
        }

        /// <summary>
        /// Lion from the paper in TorchSharp tensor operations, per unique parameter (a tied tensor once):
        /// <c>c = β1·m + (1−β1)·g;  p ← p·(1 − lr·wd·mask) − lr·sign(c);  m ← β2·m + (1−β2)·g</c>.
        /// </summary>
        private sealed class HandWrittenLion
        {
            private readonly List<(Parameter Parameter, double Decay, Tensor? Mask, Tensor Moment)> parameters = new();
            private readonly double lr, beta1, beta2;
            private readonly bool maximize;

            public HandWrittenLion(
                DecayGroups<Parameter> groups, double lr, double weightDecay, double beta1, double beta2, bool maximize, IReadOnlyDictionary<string, Tensor>? masks)
            {
                (this.lr, this.beta1, this.beta2, this.maximize) = (lr, beta1, beta2, maximize);
                foreach (var group in groups.ScaledGroups)
                {
                    foreach (var entry in group.Entries)
                    {
                        var mask = masks is not null && masks.TryGetValue(entry.Name, out var m) ? m : null;
                        parameters.Add((entry.Parameter, group.WeightDecayFor(weightDecay), mask, torch.zeros_like(entry.Parameter)));
                    }
                }
            }

            public void Step()
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                foreach (var (p, decay, mask, m) in parameters)
                {
                    if (p.grad is not { } gradient)
                    {
                        continue;
                    }

                    var g = maximize ? gradient.neg() : gradient;
                    var c = m.mul(beta1).add(g, alpha: 1 - beta1);
                    if (decay != 0)
                    {
                        if (mask is null)
                        {
                            p.mul_(1 - (lr * decay));
                        }
                        else
                        {
                            p.mul_(1 - (mask * (lr * decay)));
                        }
                    }

                    p.add_(c.sign(), alpha: -lr);
                    m.mul_(beta2).add_(g, alpha: 1 - beta2);
                }
            }
        }
    }
}

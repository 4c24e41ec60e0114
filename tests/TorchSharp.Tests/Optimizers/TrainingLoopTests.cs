using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.TorchSharp.Tests.Models;
using Xunit;
using static TorchSharp.torch;
using static WdGen.TorchSharp.Tests.Support;

namespace WdGen.TorchSharp.Tests.Optimizers
{
    /// <summary>
    /// The fused optimizers' training-loop options on real TorchSharp tensors: clipping inside the step against
    /// clip_grad_norm_ over the unique tensors, a schedule that resumes bit for bit, and the weights' moving average
    /// against one computed by hand with TorchSharp's tensor operations.
    /// </summary>
    public sealed class TrainingLoopTests : IDisposable
    {
        private readonly string directory = Directory.CreateTempSubdirectory("wdgen-training-loop-").FullName;

        public void Dispose() => Directory.Delete(directory, recursive: true);

        public static IEnumerable<object[]> Algorithms() => new[] { "adamw", "adam", "sgd", "lion" }.Select(a => new object[] { a });

        private static FusedTorchSharpOptimizer Fused(
            string algorithm, DecayGroups<Parameter> groups, double? maxGradNorm = null, LearningRateSchedule? schedule = null, double? ema = null, double lr = 0.01)
            => algorithm switch
            {
                "adamw" => groups.ToFusedAdamW(lr, 0.1, maxGradNorm: maxGradNorm, schedule: schedule, ema: ema),
                "adam" => groups.ToFusedAdam(lr, 0.1, amsgrad: true, maxGradNorm: maxGradNorm, schedule: schedule, ema: ema),
                "sgd" => groups.ToFusedSgd(lr, 0.1, momentum: 0.9, nesterov: true, maxGradNorm: maxGradNorm, schedule: schedule, ema: ema),
                _ => groups.ToFusedLion(lr, 0.1, maxGradNorm: maxGradNorm, schedule: schedule, ema: ema),
            };

        [Fact]
        public void Clipping_inside_the_step_matches_clip_grad_norm_over_unique_tensors_then_TorchSharps_AdamW()
        {
            var model = new Net(tie: true);
            var twin = Twin(model, () => new Net(tie: true));
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var fused = groups.ToFusedAdamW(0.01, 0.1, maxGradNorm: 0.5);
            var reference = twinGroups.ToAdamW(0.01, 0.1);
            for (var step = 1; step <= 6; step++)
            {
                SetGradients(groups, twinGroups, step);
                var before = GradientValues(groups);
                var norm = twinGroups.ClipGradNorm(0.5); // clip_grad_norm_ over the unique tensors
                fused.step();
                reference.step();
                Assert.Equal(norm, fused.LastGradNorm!.Value, norm * 1e-6);
                Assert.True(norm > 0.5, "the test's gradients must be clipped");
                Assert.Equal(before, GradientValues(groups)); // the caller's gradients stay as they were
                AssertClose(groups, twinGroups, $"step {step}");
            }
        }

        [Theory]
        [MemberData(nameof(Algorithms))]
        public void Clipping_inside_the_step_matches_a_manual_clip_then_the_unclipped_fused_optimizer(string algorithm)
        {
            var model = new Net(tie: true);
            var twin = Twin(model, () => new Net(tie: true));
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var clipped = Fused(algorithm, groups, maxGradNorm: 1.0);
            var manual = Fused(algorithm, twinGroups);
            for (var step = 1; step <= 5; step++)
            {
                SetGradients(groups, twinGroups, step, step == 3 ? new[] { "proj.weight" } : Array.Empty<string>());
                var norm = twinGroups.ClipGradNorm(1.0);
                clipped.step();
                manual.step();
                Assert.Equal(norm, clipped.LastGradNorm!.Value, norm * 1e-6);
                AssertClose(groups, twinGroups, $"{algorithm} step {step}", algorithm == "lion" ? 1e-5 : 1e-6);
            }
        }

        [Theory]
        [MemberData(nameof(Algorithms))]
        public void An_infinite_max_norm_measures_without_changing_a_bit(string algorithm)
        {
            var model = new Net(tie: true);
            var twin = Twin(model, () => new Net(tie: true));
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var measured = Fused(algorithm, groups, maxGradNorm: double.PositiveInfinity);
            var plain = Fused(algorithm, twinGroups);
            for (var step = 1; step <= 3; step++)
            {
                SetGradients(groups, twinGroups, step);
                var norm = Math.Sqrt(groups.Entries.Sum(e => Math.Pow(e.Parameter.grad!.norm().item<float>(), 2)));
                measured.step();
                plain.step();
                Assert.Equal(norm, measured.LastGradNorm!.Value, norm * 1e-5);
                Assert.Equal(Snapshot(groups), Snapshot(twinGroups));
            }

            Assert.Null(plain.LastGradNorm);
        }

        [Fact]
        public void A_non_finite_norm_does_what_ClipGradNorm_then_the_step_does()
        {
            var model = new Net();
            var twin = Twin(model, () => new Net());
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var clipped = groups.ToFusedAdamW(0.01, 0.1, maxGradNorm: 1.0);
            var manual = twinGroups.ToFusedAdamW(0.01, 0.1);
            SetGradients(groups, twinGroups, 1);
            groups["proj.weight"].Parameter.grad![0, 0] = float.NaN;
            twinGroups["proj.weight"].Parameter.grad![0, 0] = float.NaN;

            Assert.True(double.IsNaN(twinGroups.ClipGradNorm(1.0)));
            clipped.step();
            manual.step();

            Assert.True(double.IsNaN(clipped.LastGradNorm!.Value));
            foreach (var (a, b) in groups.Entries.Zip(twinGroups.Entries))
            {
                Assert.Equal(Values(b.Parameter).Select(float.IsNaN), Values(a.Parameter).Select(float.IsNaN));
                Assert.All(Values(a.Parameter), v => Assert.True(float.IsNaN(v)));
            }
        }

        [Theory]
        [MemberData(nameof(Algorithms))]
        public void A_schedule_multiplies_every_groups_learning_rate_by_its_factor(string algorithm)
        {
            var schedule = LearningRateSchedule.WarmupCosine(2, 6, 0.1);
            var model = new Net(tie: true);
            var twin = Twin(model, () => new Net(tie: true));
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var scheduled = Fused(algorithm, groups, schedule: schedule);
            for (var step = 1; step <= 7; step++)
            {
                // The same step by an unscheduled optimizer at lr × factor (state carried over through a state file).
                var reference = Fused(algorithm, twinGroups, lr: 0.01 * schedule.Factor(step));
                if (step > 1)
                {
                    reference.LoadState(Path.Combine(directory, "carry.bin"));
                }

                SetGradients(groups, twinGroups, step);
                scheduled.step();
                reference.step();
                Assert.Equal(schedule.Factor(step), scheduled.LastLearningRateFactor);
                Assert.Equal(step, scheduled.StepCount);
                Assert.Equal(Snapshot(twinGroups), Snapshot(groups));
                reference.SaveState(Path.Combine(directory, "carry.bin"));
                reference.Dispose();
            }

            Assert.Equal(0.1, schedule.Factor(6), 12);
            Assert.Equal(0.5, schedule.Factor(1));
            Assert.Equal(1.0, schedule.Factor(2));
            Assert.Equal(0.1, schedule.Factor(100), 12);
            Assert.Equal(0.55, LearningRateSchedule.WarmupLinear(0, 10, 0.1).Factor(5), 12);
            Assert.Equal(1.0, LearningRateSchedule.Constant().Factor(12345));
            Assert.Equal(0.01, scheduled.ParamGroups.First().LearningRate); // the groups' own rates are not changed
        }

        [Theory]
        [InlineData("torchsharp file", "adamw")]
        [InlineData("torchsharp dictionary", "sgd")]
        [InlineData("wdgen file", "adamw")]
        [InlineData("wdgen file", "lion")]
        public void A_resumed_scheduled_run_with_clipping_and_ema_equals_the_uninterrupted_one(string route, string algorithm)
        {
            var schedule = LearningRateSchedule.WarmupCosine(3, 8, 0.1);
            var model = new Net(tie: true);
            var twin = Twin(model, () => new Net(tie: true));
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var straight = Fused(algorithm, groups, maxGradNorm: 1.0, schedule: schedule, ema: 0.8);
            var first = Fused(algorithm, twinGroups, maxGradNorm: 1.0, schedule: schedule, ema: 0.8);
            for (var step = 1; step <= 4; step++)
            {
                SetGradients(groups, twinGroups, step);
                straight.step();
                first.step();
            }

            // A restarted process: a new optimizer over the twin's groups loads what the first one saved.
            var resumed = Fused(algorithm, twinGroups, maxGradNorm: 1.0, schedule: schedule, ema: 0.8);
            var path = Path.Combine(directory, "state.bin");
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
                    resumed.LoadState(path);
                    break;
            }

            first.Dispose();
            Assert.Equal(4, resumed.StepCount);
            for (var step = 5; step <= 9; step++)
            {
                SetGradients(groups, twinGroups, step);
                straight.step();
                resumed.step();
                Assert.Equal(straight.LastLearningRateFactor, resumed.LastLearningRateFactor);
                Assert.Equal(straight.LastGradNorm, resumed.LastGradNorm);
                Assert.Equal(Snapshot(groups), Snapshot(twinGroups));
            }

            var a = new Net(tie: true);
            var b = new Net(tie: true);
            straight.CopyEmaTo(a);
            resumed.CopyEmaTo(b);
            Assert.Equal(Snapshot(a.GetDecayGroups()), Snapshot(b.GetDecayGroups()));
        }

        [Fact]
        public void The_moving_average_equals_one_computed_by_hand_and_swapping_twice_is_the_identity()
        {
            const double Decay = 0.9;
            var model = new Net(tie: true);
            var twin = Twin(model, () => new Net(tie: true));
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var averaged = groups.ToFusedAdamW(0.05, 0.1, maxGradNorm: 2.0, ema: Decay);
            var plain = twinGroups.ToFusedAdamW(0.05, 0.1, maxGradNorm: 2.0);
            var byHand = new Dictionary<string, Tensor>();
            for (var step = 1; step <= 5; step++)
            {
                SetGradients(groups, twinGroups, step, step == 2 ? new[] { "proj.weight" } : Array.Empty<string>());
                averaged.step();
                plain.step();
                Assert.Equal(Snapshot(twinGroups), Snapshot(groups)); // the average does not change the update
                foreach (var entry in twinGroups.Entries.Where(e => e.Parameter.grad is not null))
                {
                    using var noGrad = torch.no_grad();
                    if (!byHand.TryGetValue(entry.Name, out var ema))
                    {
                        byHand[entry.Name] = entry.Parameter.detach().clone(); // the first step: the parameter itself
                    }
                    else
                    {
                        ema.mul_(Decay).add_(entry.Parameter.detach(), alpha: 1 - Decay);
                    }
                }
            }

            var before = Snapshot(groups);
            var evaluation = new Net(tie: true);
            averaged.CopyEmaTo(evaluation);
            var copied = Snapshot(evaluation.GetDecayGroups());
            averaged.SwapEma();
            var swapped = Snapshot(groups);
            foreach (var (name, ema) in byHand)
            {
                var expected = Values(ema);
                Assert.Equal(expected, copied[name]);
                Assert.Equal(expected, swapped[name]);
            }

            averaged.SwapEma();
            Assert.Equal(before, Snapshot(groups));
            Assert.Equal(0.9, averaged.EmaDecay);
            Assert.Throws<InvalidOperationException>(() => plain.SwapEma());
            Assert.Throws<ArgumentOutOfRangeException>(() => groups.ToFusedAdamW(0.01, 0.1, ema: 1.0));
            Assert.Equal("ema", Assert.Throws<ArgumentOutOfRangeException>(() => groups.ToFusedAdamW(0.01, 0.1, ema: 0.0)).ParamName);
            var zeroNorm = Assert.Throws<ArgumentOutOfRangeException>(() => groups.ToFusedAdamW(0.01, 0.1, maxGradNorm: 0.0));
            Assert.Equal("maxGradNorm", zeroNorm.ParamName);
            Assert.Contains("null turns clipping off", zeroNorm.Message);
        }

        private static List<float[]> GradientValues(DecayGroups<Parameter> groups) => groups.Entries.Select(e => Values(e.Parameter.grad!)).ToList();
    }
}

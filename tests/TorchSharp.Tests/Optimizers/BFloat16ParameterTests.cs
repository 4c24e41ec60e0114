using System;
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
    /// A bfloat16 model trained by the fused optimizers: with master weights, exactly the float32 run of the same
    /// gradients, rounded to bfloat16 after every step; without, in place with stochastic rounding, unbiased.
    /// </summary>
    public sealed class BFloat16ParameterTests
    {
        [Theory]
        [InlineData(StateFormat.Float32)]
        [InlineData(StateFormat.Int8)]
        public void With_master_weights_the_bfloat16_model_is_the_float32_run_rounded_to_nearest(StateFormat state)
        {
            var reference = new Net(tie: true);
            var model = Twin(reference, () => new Net(tie: true));
            model.to(ScalarType.BFloat16);
            using (torch.no_grad())
            {
                // The common point: float32 values that bfloat16 holds exactly.
                foreach (var ((_, r), (_, m)) in reference.named_parameters().Zip(model.named_parameters()))
                {
                    r.copy_(m.to(ScalarType.Float32));
                }
            }

            var groups = model.GetDecayGroups();
            var referenceGroups = reference.GetDecayGroups();
            using var optimizer = groups.ToFusedAdamW(0.01, 0.1, state: state);
            using var float32 = referenceGroups.ToFusedAdamW(0.01, 0.1, state: state);
            for (var step = 1; step <= 4; step++)
            {
                torch.manual_seed(2000 + step);
                foreach (var (m, r) in groups.Entries.Zip(referenceGroups.Entries))
                {
                    var gradient = torch.randn_like(r.Parameter).to(ScalarType.BFloat16);
                    m.Parameter.grad = gradient;
                    r.Parameter.grad = gradient.to(ScalarType.Float32);
                }

                optimizer.step();
                float32.step();
                foreach (var (m, r) in groups.Entries.Zip(referenceGroups.Entries))
                {
                    var expected = Values(r.Parameter.to(ScalarType.BFloat16).to(ScalarType.Float32)); // torch rounds to nearest even
                    Assert.True(expected.SequenceEqual(Values(m.Parameter.to(ScalarType.Float32))), $"step {step}: '{m.Name}' is not the float32 run rounded");
                }
            }

        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void A_resumed_bfloat16_run_continues_exactly_master_weights_included(bool masterWeights)
        {
            var model = new Net(tie: true);
            model.to(ScalarType.BFloat16);
            var twin = Twin(model, () => { var m = new Net(tie: true); m.to(ScalarType.BFloat16); return m; });
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            using var straight = groups.ToFusedAdamW(0.01, 0.1, masterWeights: masterWeights);
            using var first = twinGroups.ToFusedAdamW(0.01, 0.1, masterWeights: masterWeights);
            void Step(FusedTorchSharpOptimizer a, DecayGroups<Parameter> ga, FusedTorchSharpOptimizer b, DecayGroups<Parameter> gb, int step)
            {
                torch.manual_seed(3000 + step);
                foreach (var (x, y) in ga.Entries.Zip(gb.Entries))
                {
                    x.Parameter.grad = torch.randn_like(x.Parameter);
                    y.Parameter.grad = x.Parameter.grad.clone();
                }

                a.step();
                b.step();
            }

            for (var step = 1; step <= 3; step++)
            {
                Step(straight, groups, first, twinGroups, step);
            }

            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"wdgen-bf16-{Guid.NewGuid():N}.state");
            try
            {
                first.SaveState(path);
                using var resumed = twinGroups.ToFusedAdamW(0.01, 0.1, masterWeights: masterWeights);
                resumed.LoadState(path);
                for (var step = 4; step <= 6; step++)
                {
                    Step(straight, groups, resumed, twinGroups, step);
                    foreach (var (x, y) in groups.Entries.Zip(twinGroups.Entries))
                    {
                        Assert.True(Values(x.Parameter.to(ScalarType.Float32)).SequenceEqual(Values(y.Parameter.to(ScalarType.Float32))), $"step {step}: '{x.Name}' differs after resuming");
                    }
                }

                if (masterWeights)
                {
                    using var stochastic = twinGroups.ToFusedAdamW(0.01, 0.1, masterWeights: false);
                    var error = Assert.Throws<System.IO.InvalidDataException>(() => stochastic.LoadState(path));
                    Assert.Contains("master weights", error.Message);
                }
            }
            finally
            {
                System.IO.File.Delete(path);
            }
        }

        [Fact]
        public void Without_master_weights_updates_below_bfloat16_resolution_still_move_the_weights_on_average()
        {
            // 1.0 in bfloat16 has a spacing of 2^-7 above (2^-8 below); a step of 1e-4 is 1/39 of it. Rounding to nearest
            // would never move the weights; stochastic rounding moves them by the right amount on average.
            var model = new Net();
            model.to(ScalarType.BFloat16);
            var groups = model.GetDecayGroups();
            using (torch.no_grad())
            {
                foreach (var entry in groups.Entries)
                {
                    entry.Parameter.fill_(1.0);
                }
            }

            using var optimizer = groups.ToFusedSgd(1e-4, 0, masterWeights: false);
            const int steps = 200;
            for (var step = 0; step < steps; step++)
            {
                foreach (var entry in groups.Entries)
                {
                    entry.Parameter.grad = torch.ones_like(entry.Parameter);
                }

                optimizer.step();
            }

            var values = groups.Entries.SelectMany(e => Values(e.Parameter.to(ScalarType.Float32))).ToArray();
            var mean = values.Average(v => (double)v);
            Assert.True(Math.Abs(mean - (1 - (steps * 1e-4))) < 0.004, $"mean {mean} after {steps} steps of 1e-4 from 1.0 (expected {1 - (steps * 1e-4)})");
            Assert.True(values.Distinct().Count() > 1, "stochastic rounding left every weight equal");
        }

        [Fact]
        public void Stochastic_rounding_is_reproducible()
        {
            // Independent of torch's global generator (other tests draw from it in parallel): one set of starting
            // weights, gradients from System.Random.
            var start = new Net();
            start.to(ScalarType.BFloat16);
            float[] Run()
            {
                var model = Twin(start, () => { var m = new Net(); m.to(ScalarType.BFloat16); return m; });
                var groups = model.GetDecayGroups();
                using var optimizer = groups.ToFusedAdamW(0.01, 0.1, masterWeights: false, state: StateFormat.BFloat16);
                for (var step = 0; step < 3; step++)
                {
                    var random = new Random(10 + step);
                    foreach (var entry in groups.Entries)
                    {
                        var values = Enumerable.Range(0, (int)entry.Parameter.numel()).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
                        entry.Parameter.grad = torch.tensor(values).reshape(entry.Parameter.shape).to(ScalarType.BFloat16);
                    }

                    optimizer.step();
                }

                return groups.Entries.SelectMany(e => Values(e.Parameter.to(ScalarType.Float32))).ToArray();
            }

            Assert.Equal(Run(), Run());
        }

        [Fact]
        public void After_CopyEmaTo_the_master_weights_are_the_average()
        {
            var model = new Net();
            model.to(ScalarType.BFloat16);
            var groups = model.GetDecayGroups();
            using var optimizer = groups.ToFusedAdamW(0.05, 0.1, ema: 0.5);
            for (var step = 0; step < 3; step++)
            {
                torch.manual_seed(40 + step);
                foreach (var entry in groups.Entries)
                {
                    entry.Parameter.grad = torch.randn_like(entry.Parameter);
                }

                optimizer.step();
            }

            optimizer.CopyEmaTo();
            var average = groups.Entries.Select(e => Values(e.Parameter.to(ScalarType.Float32))).ToArray();

            // A step that changes nothing (lr 0) writes the master weights back: they must be the average now.
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = 0;
            }

            optimizer.step();
            Assert.Equal(average, groups.Entries.Select(e => Values(e.Parameter.to(ScalarType.Float32))).ToArray());
        }

        [Fact]
        public void Stochastic_rounding_of_float32_parameters_is_refused_naming_the_option()
        {
            var error = Assert.Throws<ArgumentException>(() => new Net().GetDecayGroups().ToFusedAdamW(0.1, 0.1, masterWeights: false));
            Assert.Equal("masterWeights", error.ParamName);
            Assert.Contains("float32", error.Message);
        }

        [Fact]
        public void A_model_mixing_float32_and_bfloat16_is_refused_naming_the_parameter()
        {
            var model = new Net();
            model.named_children().Last().module.to(ScalarType.BFloat16);

            var error = Assert.Throws<NotSupportedException>(() => model.GetDecayGroups().ToFusedAdamW(0.1, 0.1));

            Assert.Matches("The parameter of 'lm_head.weight' is bfloat16, but '[^']+' is float32", error.Message);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.TorchSharp.Tests.Models;
using Xunit;
using static TorchSharp.torch;
using static WdGen.TorchSharp.Tests.Support;

namespace WdGen.TorchSharp.Tests.Optimizers
{
    /// <summary>[LearningRate], ScaleLearningRate and WithLayerwiseDecay through TorchSharp's optimizers and the fused ones, on real tensors.</summary>
    public sealed class LearningRateScaleTests
    {
        private const double Lr = 0.05, WeightDecay = 0.1;

        private static readonly string[] Slow =
        {
            "backbone.0.weight", "backbone.0.bias", "backbone.1.weight", "backbone.1.bias", "backbone.2.weight", "backbone.2.bias", "adapter.weight", "adapter.bias",
        };

        [Fact]
        public void LearningRate_splits_the_groups_by_decay_and_learning_rate_scale()
        {
            var groups = new FineTuned().GetDecayGroups();

            Assert.Equal(new[] { (1.0, 0.1), (1.0, 1.0), (0.0, 1.0), (0.0, 0.1) }, groups.ScaledGroups.Select(g => (g.Scale, g.LearningRateScale)));
            Assert.Equal(new[] { "backbone.0.weight", "backbone.2.weight" }, groups.ScaledGroups[0].Entries.Select(e => e.Name));
            Assert.Equal(new[] { "wte.weight", "head.bias" }, groups.ScaledGroups[2].Entries.Select(e => e.Name));
            Assert.False(groups["adapter.weight"].Decays);
            Assert.Equal("[LearningRate(0.1)] on FineTuned.backbone", groups["backbone.1.weight"].LearningRateReason);
            Assert.Equal("[NoDecay] [LearningRate(0.1)]", DecayPlan.Of<FineTuned>().Members.Single(m => m.Name == "adapter").Attribute);
        }

        [Theory]
        [InlineData(false, 1)]
        [InlineData(true, 1)]
        [InlineData(false, 3)]
        [InlineData(true, 3)]
        public void A_LearningRate_member_trains_exactly_as_TorchSharps_AdamW_with_lr_times_the_scale_for_it(bool fused, int steps)
        {
            var model = new FineTuned();
            var twin = Twin(model, () => new FineTuned());
            var groups = model.GetDecayGroups();
            var referenceGroups = twin.GetDecayGroups();
            using var optimizer = fused ? (optim.Optimizer)groups.ToFusedAdamW(Lr, WeightDecay) : groups.ToAdamW(Lr, WeightDecay);
            using var reference = HandBuiltAdamW(twin);

            for (var step = 1; step <= steps; step++)
            {
                SetGradients(groups, referenceGroups, step);
                optimizer.step();
                reference.step();
                AssertClose(groups, referenceGroups, (fused ? "fused" : "TorchSharp") + $" AdamW after step {step}");
            }

            Assert.Equal(new[] { Lr * 0.1, Lr, Lr, Lr * 0.1 }, optimizer.ParamGroups.Select(g => g.LearningRate).ToArray(), new Close(1e-15));
            Assert.Equal(new[] { Lr * 0.1, Lr, Lr, Lr * 0.1 }, optimizer.ParamGroups.Select(g => g.InitialLearningRate).ToArray(), new Close(1e-15));
        }

        [Fact]
        public void A_slow_member_moves_a_tenth_as_far_on_its_first_AdamW_step()
        {
            // Adam's first step is lr·sign-like (m̂/√v̂ = g/|g|), so without decay a parameter moves by lr per element.
            var model = new FineTuned();
            var groups = model.GetDecayGroups();
            var before = Snapshot(groups);
            SetGradients(groups, groups, 1);
            using var optimizer = groups.ToFusedAdamW(Lr, weightDecay: 0, eps: 1e-12);
            optimizer.step();

            var slowMove = Values(groups["adapter.bias"].Parameter).Zip(before["adapter.bias"], (a, b) => Math.Abs(a - b)).Max();
            var fastMove = Values(groups["head.bias"].Parameter).Zip(before["head.bias"], (a, b) => Math.Abs(a - b)).Max();
            Assert.Equal(Lr * 0.1, slowMove, 6);
            Assert.Equal(Lr, fastMove, 6);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void WithLayerwiseDecay_gives_each_parameter_lr_times_factor_to_the_depth_minus_its_layer(bool fused)
        {
            var groups = new Layered().GetDecayGroups().WithLayerwiseDecay(0.5);
            using var optimizer = fused ? (optim.Optimizer)groups.ToFusedAdamW(Lr, WeightDecay) : groups.ToAdamW(Lr, WeightDecay);

            // Three blocks: the layers are 1…3, depth 4; embeddings (and the position parameter before the blocks) are layer 0.
            var expected = new Dictionary<string, double>
            {
                ["embed.weight"] = 0.0625,
                ["position"] = 0.0625,
                ["blocks.0.ln.weight"] = 0.125,
                ["blocks.0.mlp.0.weight"] = 0.125,
                ["blocks.0.mlp.2.bias"] = 0.125,
                ["blocks.1.mlp.0.weight"] = 0.25,
                ["blocks.2.ln.bias"] = 0.5,
                ["blocks.2.mlp.2.weight"] = 0.5,
                ["norm.weight"] = 1,
                ["head.weight"] = 1,
                ["head.bias"] = 1,
            };
            var lrOf = new Dictionary<IntPtr, double>();
            foreach (var group in optimizer.ParamGroups.Cast<ParamGroup>())
            {
                foreach (var parameter in group.Parameters)
                {
                    lrOf[parameter.Handle] = group.LearningRate;
                }
            }

            Assert.Equal(groups.Entries.Count, lrOf.Count);
            foreach (var (name, scale) in expected)
            {
                Assert.True(Math.Abs(lrOf[groups[name].Parameter.Handle] - Lr * scale) <= 1e-15, $"{name}: lr {lrOf[groups[name].Parameter.Handle]}, expected {Lr * scale}");
            }

            Assert.Equal(new DecayLayer("blocks", 1, 3), groups["blocks.1.mlp.0.weight"].Layer);
            Assert.Null(groups["norm.weight"].Layer);

            // Fewest groups: (decay, lr) pairs, decaying first: ×1 at 5 rates (layers 1–3, head; the embedding does not decay), then no decay at 5.
            Assert.Equal(groups.ScaledGroups.Select(g => (g.Scale, g.LearningRateScale)).Distinct().Count(), groups.ScaledGroups.Count);
            Assert.Equal(groups.ScaledGroups.Count, optimizer.ParamGroups.Count());
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void StepLR_and_LambdaLR_scale_each_groups_scaled_learning_rate(bool fused)
        {
            var groups = new FineTuned().GetDecayGroups();
            using var optimizer = fused ? (optim.Optimizer)groups.ToFusedAdamW(Lr, WeightDecay) : groups.ToAdamW(Lr, WeightDecay);
            var scheduler = optim.lr_scheduler.StepLR(optimizer, step_size: 1, gamma: 0.5);

            for (var step = 1; step <= 2; step++)
            {
                SetGradients(groups, groups, step);
                optimizer.step();
                scheduler.step();
            }

            Assert.Equal(new[] { Lr * 0.1 * 0.25, Lr * 0.25, Lr * 0.25, Lr * 0.1 * 0.25 }, optimizer.ParamGroups.Select(g => g.LearningRate).ToArray(), new Close(1e-15));
            if (optimizer is FusedTorchSharpOptimizer engine)
            {
                SetGradients(groups, groups, 3);
                engine.step();
                Assert.Equal(optimizer.ParamGroups.Select(g => g.LearningRate).ToArray(), engine.EngineGroups.Select(g => g.LearningRate).ToArray());
            }

            // LambdaLR multiplies each group's initial learning rate, which is the scaled one.
            var second = new FineTuned().GetDecayGroups();
            using var lambdaOptimizer = fused ? (optim.Optimizer)second.ToFusedAdamW(Lr, WeightDecay) : second.ToAdamW(Lr, WeightDecay);
            var lambda = optim.lr_scheduler.LambdaLR(lambdaOptimizer, epoch => 0.5);
            SetGradients(second, second, 1);
            lambdaOptimizer.step();
            lambda.step();
            Assert.Equal(new[] { Lr * 0.1 * 0.5, Lr * 0.5, Lr * 0.5, Lr * 0.1 * 0.5 }, lambdaOptimizer.ParamGroups.Select(g => g.LearningRate).ToArray(), new Close(1e-15));
        }

        [Fact]
        public void A_learning_rate_scale_changes_the_fingerprint_so_a_state_file_from_other_scales_is_refused()
        {
            var model = new FineTuned();
            var groups = model.GetDecayGroups();
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wdgen-lr-" + Guid.NewGuid().ToString("N") + ".state");
            try
            {
                using (var optimizer = groups.ToFusedAdamW(Lr, WeightDecay))
                {
                    SetGradients(groups, groups, 1);
                    optimizer.step();
                    optimizer.SaveState(path);
                }

                using (var same = model.GetDecayGroups().ToFusedAdamW(Lr, WeightDecay))
                {
                    same.LoadState(path);
                }

                var rescaled = model.GetDecayGroups().ScaleLearningRate(e => e.Name == "head.weight" ? 0.5 : 1);
                Assert.NotEqual(groups.Fingerprint, rescaled.Fingerprint);
                using var other = rescaled.ToFusedAdamW(Lr, WeightDecay);
                var error = Assert.ThrowsAny<Exception>(() => other.LoadState(path));
                Assert.Contains("fingerprint", error.Message, StringComparison.Ordinal);
            }
            finally
            {
                System.IO.File.Delete(path);
            }
        }

        /// <summary>TorchSharp's AdamW over the twin with param groups built by hand from the parameters' names, lr × 0.1 for the slow ones.</summary>
        private static AdamW HandBuiltAdamW(FineTuned twin)
        {
            var parameters = twin.named_parameters().ToList();
            var decays = new HashSet<string> { "backbone.0.weight", "backbone.2.weight", "head.weight" };
            AdamW.ParamGroup Group(bool slow, bool decay)
                => new(
                    parameters.Where(p => Slow.Contains(p.name) == slow && decays.Contains(p.name) == decay).Select(p => p.parameter).ToList(),
                    new AdamW.Options { LearningRate = slow ? Lr * 0.1 : Lr, weight_decay = decay ? WeightDecay : 0 });
            return optim.AdamW(new[] { Group(slow: true, decay: true), Group(slow: false, decay: true), Group(slow: false, decay: false), Group(slow: true, decay: false) }, Lr);
        }

        private sealed class Close : IEqualityComparer<double>
        {
            private readonly double tolerance;

            public Close(double tolerance) => this.tolerance = tolerance;

            public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

            public int GetHashCode(double value) => 0;
        }
    }
}

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
    /// <summary>
    /// WdGen's fused optimizers against TorchSharp's own, built from the same groups: two models with the same values,
    /// identical gradients at every step (drawn independently of the weights, so the runs cannot drift apart the way
    /// a free run of Adam does), compared after every step to 1e-6 of each tensor's largest element.
    /// </summary>
    public sealed class DifferentialTests
    {
        private const int Steps = 6;

        public static TheoryData<string, bool> Options() => new()
        {
            { "adamw", false }, { "adamw amsgrad", false }, { "adamw maximize", false }, { "adamw", true },
            { "adam", false }, { "adam amsgrad", false }, { "adam maximize", true },
            { "sgd", false }, { "sgd momentum", false }, { "sgd momentum dampening", false }, { "sgd nesterov", true }, { "sgd nesterov maximize", false },
            { "sgd momentum maximize", true },
        };

        [Theory]
        [MemberData(nameof(Options))]
        public void Fused_optimizer_matches_TorchSharps_step_by_step(string options, bool tie)
        {
            var (fused, reference) = Pair(options, tie, out var fusedGroups, out var referenceGroups);

            for (var step = 1; step <= Steps; step++)
            {
                SetGradients(fusedGroups, referenceGroups, step);
                if (NegatesForMaximize(options))
                {
                    Negate(referenceGroups);
                }

                fused.step();
                reference.step();
                AssertClose(fusedGroups, referenceGroups, $"{options} (tied: {tie}) after step {step}");
            }
        }

        /// <summary>
        /// TorchSharp 0.107's SGD applies maximize after adding the L2 term (p ← p + lr·(g + wd·p)), so weight decay
        /// pushes weights away from zero; PyTorch negates the gradient first (p ← p − lr·(−g + wd·p)), and so does
        /// WdGen. Its reference for "sgd … maximize" is therefore TorchSharp's SGD minimizing −g, which is PyTorch's rule.
        /// </summary>
        [Fact]
        public void Sgd_maximize_follows_PyTorch_where_TorchSharps_SGD_pushes_decaying_weights_away_from_zero()
        {
            var model = new Net();
            var twin = Twin(model, () => new Net());
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var fused = groups.ToFusedSgd(0.1, 0.5, maximize: true);
            var torchSharp = twinGroups.ToSgd(0.1, 0.5, maximize: true);
            var weight = groups["body.0.weight"].Parameter;
            var before = Values(weight);
            foreach (var entry in groups.Entries.Concat(twinGroups.Entries))
            {
                entry.Parameter.grad = torch.zeros_like(entry.Parameter);
            }

            fused.step();
            torchSharp.step();

            // A zero gradient leaves only the decay: PyTorch's p·(1 − lr·wd) = 0.95·p; TorchSharp's SGD gives 1.05·p.
            Assert.Equal(before.Select(v => v * 0.95f), Values(weight), new FloatTolerance(1e-6f));
            Assert.Equal(before.Select(v => v * 1.05f), Values(twinGroups["body.0.weight"].Parameter), new FloatTolerance(1e-6f));
        }

        [Theory]
        [InlineData("adamw")]
        [InlineData("adam")]
        [InlineData("sgd momentum")]
        public void Parameters_without_a_gradient_keep_their_values_and_state_as_in_TorchSharp(string options)
        {
            var (fused, reference) = Pair(options, tie: false, out var fusedGroups, out var referenceGroups);

            for (var step = 1; step <= Steps; step++)
            {
                // proj.weight has no gradient on odd steps, body.0.bias never: both are skipped, and their step counts lag.
                var without = step % 2 == 1 ? new[] { "proj.weight", "body.0.bias" } : new[] { "body.0.bias" };
                var frozenBefore = Values(fusedGroups["body.0.bias"].Parameter);
                SetGradients(fusedGroups, referenceGroups, step, without);
                fused.step();
                reference.step();
                AssertClose(fusedGroups, referenceGroups, $"{options} after step {step}");
                Assert.Equal(frozenBefore, Values(fusedGroups["body.0.bias"].Parameter));
            }
        }

        [Theory]
        [InlineData("adamw")]
        [InlineData("sgd momentum")]
        public void Learning_rate_schedulers_and_gradient_clipping_work_as_with_TorchSharps_optimizer(string options)
        {
            var (fused, reference) = Pair(options, tie: true, out var fusedGroups, out var referenceGroups);
            var fusedSchedule = optim.lr_scheduler.StepLR(fused, step_size: 2, gamma: 0.5);
            var referenceSchedule = optim.lr_scheduler.StepLR(reference, step_size: 2, gamma: 0.5);

            for (var step = 1; step <= Steps; step++)
            {
                SetGradients(fusedGroups, referenceGroups, step);
                var fusedNorm = nn.utils.clip_grad_norm_(fusedGroups.Entries.Select(e => e.Parameter), 1.0);
                var referenceNorm = nn.utils.clip_grad_norm_(referenceGroups.Entries.Select(e => e.Parameter), 1.0);
                Assert.Equal(referenceNorm, fusedNorm, 5);
                fused.step();
                reference.step();
                fusedSchedule.step();
                referenceSchedule.step();
                AssertClose(fusedGroups, referenceGroups, $"{options} after step {step}");
            }

            Assert.Equal(
                reference.ParamGroups.Select(g => g.LearningRate),
                fused.ParamGroups.Select(g => g.LearningRate));
            Assert.Equal(0.05 * 0.125, fused.ParamGroups.First().LearningRate, 12);
        }

        /// <summary>
        /// A mask scales decay element by element, which TorchSharp's optimizers cannot do: the reference applies the
        /// masked decay by hand, the way each algorithm defines it (AdamW: p ← p·(1 − lr·wd·m) before the update;
        /// Adam and SGD: g ← g + wd·m·p), and then runs TorchSharp's optimizer without weight decay.
        /// </summary>
        [Theory]
        [InlineData("adamw")]
        [InlineData("adam")]
        [InlineData("sgd momentum")]
        public void Decay_masks_scale_decay_element_by_element(string options)
        {
            const double lr = 0.05, weightDecay = 0.3;
            var model = new Net();
            var twin = Twin(model, () => new Net());
            var groups = model.GetDecayGroups();
            var referenceGroups = twin.GetDecayGroups();
            torch.manual_seed(5);
            var masks = groups.Decay.ToDictionary(e => e.Name, e => torch.rand_like(e.Parameter).round());
            var fused = Create(options, groups, lr, weightDecay, masks);
            var reference = Create(options, referenceGroups, lr, 0, null, reference: true);

            for (var step = 1; step <= Steps; step++)
            {
                SetGradients(groups, referenceGroups, step);
                using (torch.no_grad())
                {
                    foreach (var entry in referenceGroups.Decay)
                    {
                        var decay = masks[entry.Name] * (weightDecay * entry.Scale);
                        if (options == "adamw")
                        {
                            entry.Parameter.mul_(1 - (lr * decay));
                        }
                        else
                        {
                            entry.Parameter.grad!.add_(decay * entry.Parameter);
                        }
                    }
                }

                fused.step();
                reference.step();
                AssertClose(groups, referenceGroups, $"{options} with masks after step {step}");
            }
        }

        private static bool NegatesForMaximize(string options) => options.StartsWith("sgd", StringComparison.Ordinal) && options.Contains("maximize");

        private static void Negate(DecayGroups<Parameter> groups)
        {
            foreach (var entry in groups.Entries)
            {
                entry.Parameter.grad?.neg_();
            }
        }

        private sealed class FloatTolerance : IEqualityComparer<float>
        {
            private readonly float tolerance;

            public FloatTolerance(float tolerance) => this.tolerance = tolerance;

            public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(y));

            public int GetHashCode(float value) => 0;
        }

        private static (optim.Optimizer Fused, optim.Optimizer Reference) Pair(
            string options, bool tie, out DecayGroups<Parameter> fusedGroups, out DecayGroups<Parameter> referenceGroups)
        {
            var model = new Net(tie);
            var twin = Twin(model, () => new Net(tie));
            fusedGroups = model.GetDecayGroups();
            referenceGroups = twin.GetDecayGroups();
            Assert.Equal(3, fusedGroups.ScaledGroups.Count);
            return (Create(options, fusedGroups, 0.05, 0.1, null), Create(options, referenceGroups, 0.05, 0.1, null, reference: true));
        }

        /// <summary>An optimizer from words: the algorithm, then any of amsgrad, maximize, momentum, dampening, nesterov.</summary>
        private static optim.Optimizer Create(
            string options, DecayGroups<Parameter> groups, double lr, double weightDecay, IReadOnlyDictionary<string, Tensor>? masks, bool reference = false)
        {
            var words = options.Split(' ');
            bool Has(string word) => words.Contains(word);
            var momentum = Has("momentum") || Has("nesterov") ? 0.9 : 0;
            var dampening = Has("dampening") ? 0.3 : 0;
            return (words[0], reference) switch
            {
                ("adamw", false) => groups.ToFusedAdamW(lr, weightDecay, amsgrad: Has("amsgrad"), maximize: Has("maximize"), decayMasks: masks),
                ("adamw", true) => groups.ToAdamW(lr, weightDecay, amsgrad: Has("amsgrad"), maximize: Has("maximize")),
                ("adam", false) => groups.ToFusedAdam(lr, weightDecay, amsgrad: Has("amsgrad"), maximize: Has("maximize"), decayMasks: masks),
                ("adam", true) => groups.ToAdam(lr, weightDecay, amsgrad: Has("amsgrad"), maximize: Has("maximize")),
                ("sgd", false) => groups.ToFusedSgd(lr, weightDecay, momentum, dampening, Has("nesterov"), Has("maximize"), decayMasks: masks),
                ("sgd", true) => groups.ToSgd(lr, weightDecay, momentum, dampening, Has("nesterov"), maximize: false), // see NegatesForMaximize
                _ => throw new ArgumentException("Unknown optimizer " + options),
            };
        }
    }
}

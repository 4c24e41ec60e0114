using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace TorchSharpApi.Tests
{
    public class OptimizerTests
    {
        private static Parameter Param(params float[] values) => nn.Parameter(torch.tensor(values));

        private static void SetGrad(Parameter p, params float[] values)
        {
            using var g = torch.tensor(values);
            p.fixture_set_grad(g);
        }

        [Fact]
        public void Options_form_inherits_unset_options_from_the_optimizer()
        {
            var ps = new[] { Param(1, 2) };
            var group = new AdamW.ParamGroup(ps, new AdamW.Options { weight_decay = 0.01 });
            using var opt = optim.AdamW(new[] { group }, lr: 0.05, beta1: 0.8);

            Assert.Equal(0.05, group.LearningRate);
            Assert.Equal(0.05, group.InitialLearningRate);
            Assert.Equal(0.8, group.Options.beta1);
            Assert.Equal(0.999, group.Options.beta2);
            Assert.Equal(0.01, group.Options.weight_decay);
            Assert.False(group.Options.amsgrad);
        }

        [Fact]
        public void Convenience_ParamGroup_hard_codes_lr_1e3()
        {
            var ps = new[] { Param(1, 2) };
            var group = new AdamW.ParamGroup(ps, weight_decay: 0.01);
            using var opt = optim.AdamW(new[] { group }, lr: 0.05);

            Assert.Equal(1e-3, group.LearningRate);
            Assert.Equal(0.01, group.Options.weight_decay);

            var sgdGroup = new SGD.ParamGroup(ps, weight_decay: 0.01);
            using var sgd = optim.SGD(new[] { sgdGroup }, 0.5);
            Assert.Equal(1e-3, sgdGroup.LearningRate);
        }

        [Fact]
        public void OptimizerHelper_add_param_group_adds_the_group_as_is()
        {
            using var opt = new BareOptimizer();
            var group = new TorchSharp.Modules.ParamGroup { Parameters = Array.Empty<Parameter>(), Options = new OptimizerOptions() };
            opt.add_param_group(group);

            Assert.Same(group, opt.ParamGroups.Single());
            Assert.Null(group.Options.LearningRate);
        }

        [Fact]
        public void AdamW_updates_a_tied_weight_twice_per_step()
        {
            using var model = new NativeShimTests.TiedModel();
            var tok = model.Tok.weight;
            var before = tok.data<float>().ToArray();
            using (var g = torch.ones(tok.shape))
            {
                tok.fixture_set_grad(g);
            }

            using var opt = optim.AdamW(model.parameters(), lr: 0.1);
            opt.step();

            var after = tok.data<float>().ToArray();
            Assert.All(before.Zip(after), x => Assert.Equal(x.First - 0.2f, x.Second, 1e-5f));

            // The head's own bias has no gradient and is skipped.
            Assert.Null(model.Head.bias.grad());
        }

        [Fact]
        public void AdamW_first_step_moves_by_lr_and_decays_decoupled()
        {
            var p = Param(1, -1, 2);
            SetGrad(p, 3, -0.5f, 0);
            using var opt = optim.AdamW(new[] { p }, lr: 0.1, weight_decay: 0.5);
            opt.step();

            // p·(1 - 0.1·0.5) - 0.1·sign(g) (no move where g = 0).
            Assert.Equal(new[] { 0.95f - 0.1f, -0.95f + 0.1f, 1.9f }, p.data<float>().ToArray(), new Approx());
        }

        [Fact]
        public void Adam_adds_weight_decay_to_the_gradient()
        {
            var p = Param(1, -1);
            SetGrad(p, 0, 0);
            using var opt = optim.Adam(new[] { p }, lr: 0.1, weight_decay: 0.5);
            opt.step();

            // g = 0 + 0.5·p, so the first step moves each element by lr against sign(p).
            Assert.Equal(new[] { 0.9f, -0.9f }, p.data<float>().ToArray(), new Approx());
        }

        [Fact]
        public void Sgd_with_momentum_and_weight_decay()
        {
            var p = Param(1);
            SetGrad(p, 1);
            using var opt = optim.SGD(new[] { p }, 0.1, momentum: 0.9, weight_decay: 0.1);
            opt.step();
            Assert.Equal(1 - 0.1f * 1.1f, p.data<float>()[0], 1e-6f);

            opt.step();
            var g2 = 1 + 0.1 * (1 - 0.1 * 1.1);
            var buf2 = 0.9 * 1.1 + g2;
            Assert.Equal((float)(1 - 0.1 * 1.1 - 0.1 * buf2), p.data<float>()[0], 1e-6f);
        }

        [Fact]
        public void Named_parameters_overload_and_zero_grad()
        {
            using var lin = nn.Linear(2, 2);
            using var g = torch.ones(2, 2);
            lin.weight.fixture_set_grad(g);
            using var opt = optim.SGD(lin.named_parameters(), 1.0);

            opt.zero_grad();
            using var grad = lin.weight.grad();
            Assert.Equal(new float[] { 0, 0, 0, 0 }, grad.data<float>().ToArray());
        }

        [Fact]
        public void Groups_are_enumerated_again_on_every_step()
        {
            var a = Param(1);
            var b = Param(1);
            SetGrad(a, 1);
            SetGrad(b, 1);
            var members = new List<Parameter> { a, b };
            using var opt = optim.SGD(members, 0.5);
            members.Remove(b);
            opt.step();

            Assert.Equal(0.5f, a.data<float>()[0]);
            Assert.Equal(1f, b.data<float>()[0]);
        }

        [Fact]
        public void StepLR_writes_every_group_learning_rate()
        {
            var g1 = new SGD.ParamGroup(new[] { Param(1) }, lr: 1.0);
            var g2 = new SGD.ParamGroup(new[] { Param(1) }, lr: 0.5);
            using var opt = optim.SGD(new[] { g1, g2 }, 0.1);
            var sched = optim.lr_scheduler.StepLR(opt, step_size: 2, gamma: 0.1);

            Assert.Equal(new[] { 1.0, 0.5 }, opt.ParamGroups.Select(pg => pg.LearningRate));
            sched.step();
            Assert.Equal(new[] { 1.0, 0.5 }, opt.ParamGroups.Select(pg => pg.LearningRate));
            sched.step();
            Assert.Equal(new[] { 0.1, 0.05 }, opt.ParamGroups.Select(pg => pg.LearningRate), new Approx());
            Assert.Equal(new[] { 1.0, 0.5 }, opt.ParamGroups.Select(pg => pg.InitialLearningRate));
        }

        [Fact]
        public void State_dict_is_positional_per_group_and_parameter()
        {
            var ps = new[] { Param(1), Param(2, 3) };
            using var opt = optim.AdamW(ps, lr: 0.1);
            var sd = opt.state_dict();

            Assert.Single(sd.Options);
            Assert.Equal(2, sd.State.Count);
            Assert.Equal(2, ((AdamW.State)sd.State[1]).exp_avg.numel());
        }

        private sealed class BareOptimizer : OptimizerHelper
        {
            public BareOptimizer() => _parameter_groups = new List<TorchSharp.Modules.ParamGroup>();
        }

        private sealed class Approx : IEqualityComparer<float>, IEqualityComparer<double>
        {
            public bool Equals(float x, float y) => Math.Abs(x - y) < 1e-5f;

            public int GetHashCode(float obj) => 0;

            public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-9;

            public int GetHashCode(double obj) => 0;
        }
    }
}

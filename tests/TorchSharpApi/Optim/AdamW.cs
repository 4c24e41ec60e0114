// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    public static partial class torch
    {
        public static partial class optim
        {
            public static AdamW AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
                => new AdamW(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

            public static AdamW AdamW(IEnumerable<(string name, Parameter parameter)> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
                => new AdamW(parameters.Select(np => np.parameter), lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

            public static AdamW AdamW(IEnumerable<AdamW.ParamGroup> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
                => new AdamW(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);
        }
    }

    namespace Modules
    {
        using static torch.optim;

        /// <summary>
        /// Adam with decoupled weight decay: per parameter with a gradient, p *= 1 - lr·weight_decay (always),
        /// then the Adam update. State (step, exp_avg, exp_avg_sq[, max_exp_avg_sq]) is kept per Parameter.Handle.
        /// </summary>
        public class AdamW : OptimizerHelper, IBetas
        {
            public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
                : this(new ParamGroup[] { new ParamGroup { Parameters = parameters } }, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize)
            {
            }

            public AdamW(IEnumerable<ParamGroup> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
            {
                FixtureAdam.Validate(lr, beta1, beta2, eps, weight_decay);
                _defaults = new Options
                {
                    LearningRate = lr,
                    InitialLearningRate = lr,
                    beta1 = beta1,
                    beta2 = beta2,
                    eps = eps,
                    weight_decay = weight_decay,
                    amsgrad = amsgrad,
                    maximize = maximize,
                };
                _parameter_groups = new List<Modules.ParamGroup>();
                foreach (var g in parameters) add_param_group(g);
            }

            public override Tensor step(Func<Tensor> closure = null)
                => _step<ParamGroup>(
                    group =>
                    {
                        var o = group.Options;
                        foreach (var param in group.Parameters)
                        {
                            var state = (State)_state[param.handle];
                            var grad = param.fixture_grad_or_null();
                            if (grad is null) continue;
                            state.step += 1;
                            FixtureAdam.Update(param, grad, state.exp_avg, state.exp_avg_sq, state.max_exp_avg_sq, state.step,
                                o.LearningRate.Value, o.beta1.Value, o.beta2.Value, o.eps.Value, o.weight_decay.Value, decoupled: true, o.maximize.Value);
                        }
                    },
                    closure);

            protected override void Dispose(bool disposing)
            {
                base.Dispose(disposing);
                foreach (var (_, s) in _state) ((State)s).Dispose();
            }

            public override void add_param_group(Modules.ParamGroup param_group)
            {
                var def = (Options)_defaults;
                param_group.Options ??= new Options();
                var opt = (Options)param_group.Options;

                if (!opt.LearningRate.HasValue) opt.LearningRate = def.LearningRate;
                if (!opt.beta1.HasValue) opt.beta1 = def.beta1;
                if (!opt.beta2.HasValue) opt.beta2 = def.beta2;
                if (!opt.eps.HasValue) opt.eps = def.eps;
                if (!opt.weight_decay.HasValue) opt.weight_decay = def.weight_decay;
                if (!opt.amsgrad.HasValue) opt.amsgrad = def.amsgrad;
                if (!opt.maximize.HasValue) opt.maximize = def.maximize;
                opt.InitialLearningRate = opt.LearningRate.Value;

                _parameter_groups.Add(param_group);

                foreach (var p in param_group.Parameters)
                {
                    _state[p.Handle] = new State
                    {
                        step = 0,
                        exp_avg = torch.zeros_like(p),
                        exp_avg_sq = torch.zeros_like(p),
                        max_exp_avg_sq = opt.amsgrad.Value ? torch.zeros_like(p) : null,
                    };
                }
            }

            public (double, double) Betas
            {
                get => (((Options)_defaults).beta1.Value, ((Options)_defaults).beta2.Value);
                set
                {
                    ((Options)_defaults).beta1 = value.Item1;
                    ((Options)_defaults).beta2 = value.Item2;
                }
            }

            public class State : OptimizerState, IDisposable
            {
                public long step;
                public Tensor exp_avg;
                public Tensor exp_avg_sq;
                public Tensor max_exp_avg_sq;

                public void Dispose()
                {
                    exp_avg?.Dispose();
                    exp_avg_sq?.Dispose();
                    max_exp_avg_sq?.Dispose();
                }

                public override void SaveStateDict(BinaryWriter writer)
                {
                    writer.Write(step);
                    FixtureTensorIO.Write(writer, exp_avg);
                    FixtureTensorIO.Write(writer, exp_avg_sq);
                    SaveConditionalStateTensor(writer, max_exp_avg_sq);
                }

                public override void LoadStateDict(BinaryReader reader)
                {
                    step = reader.ReadInt64();
                    FixtureTensorIO.ReadInto(reader, exp_avg);
                    FixtureTensorIO.ReadInto(reader, exp_avg_sq);
                    LoadConditionalStateTensor(reader, ref max_exp_avg_sq);
                }

                public override void LoadStateDict(OptimizerState source)
                {
                    var s = (State)source;
                    step = s.step;
                    exp_avg.copy_(s.exp_avg);
                    exp_avg_sq.copy_(s.exp_avg_sq);
                    max_exp_avg_sq?.Dispose();
                    max_exp_avg_sq = s.max_exp_avg_sq?.clone();
                }

                public override bool ApproximatelyEquals(OptimizerState other)
                    => other is State s && s.step == step && FixtureAdam.Close(exp_avg, s.exp_avg) && FixtureAdam.Close(exp_avg_sq, s.exp_avg_sq);
            }

            public class Options : OptimizerOptions
            {
                public double? beta1;
                public double? beta2;
                public double? weight_decay;
                public double? eps;
                public bool? amsgrad;
                public bool? maximize;

                public override void SaveStateDict(BinaryWriter writer)
                {
                    base.SaveStateDict(writer);
                    writer.Write(beta1.Value);
                    writer.Write(beta2.Value);
                    writer.Write(eps.Value);
                    writer.Write(weight_decay.Value);
                    writer.Write(amsgrad.Value);
                    writer.Write(maximize.Value);
                }

                public override void LoadStateDict(BinaryReader reader)
                {
                    base.LoadStateDict(reader);
                    beta1 = reader.ReadDouble();
                    beta2 = reader.ReadDouble();
                    eps = reader.ReadDouble();
                    weight_decay = reader.ReadDouble();
                    amsgrad = reader.ReadBoolean();
                    maximize = reader.ReadBoolean();
                }

                public override void LoadStateDict(OptimizerOptions source)
                {
                    base.LoadStateDict(source);
                    var o = (Options)source;
                    beta1 = o.beta1;
                    beta2 = o.beta2;
                    eps = o.eps;
                    weight_decay = o.weight_decay;
                    amsgrad = o.amsgrad;
                    maximize = o.maximize;
                }
            }

            public class ParamGroup : ParamGroup<Options>, IBetas
            {
                public ParamGroup()
                {
                }

                public ParamGroup(IEnumerable<Parameter> parameters, Options options)
                    : base(parameters, options)
                {
                }

                /// <summary>Sets every option, lr included (1e-3 unless given): the optimizer's lr does not apply.</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
                    : base(parameters, new Options { LearningRate = lr, beta1 = beta1, beta2 = beta2, eps = eps, weight_decay = weight_decay, amsgrad = amsgrad, maximize = maximize })
                {
                }

                public (double, double) Betas
                {
                    get => (Options.beta1.Value, Options.beta2.Value);
                    set
                    {
                        Options.beta1 = value.Item1;
                        Options.beta2 = value.Item2;
                    }
                }
            }
        }

        /// <summary>The element loop shared by the fixture's Adam and AdamW.</summary>
        internal static class FixtureAdam
        {
            internal static void Validate(double lr, double beta1, double beta2, double eps, double weight_decay)
            {
                if (lr < 0) throw new ArgumentException($"The learning rate must not be negative (got {lr}).");
                if (eps < 0) throw new ArgumentException($"eps must not be negative (got {eps}).");
                if (beta1 < 0 || beta1 >= 1.0) throw new ArgumentException($"beta1 must be in [0, 1) (got {beta1}).");
                if (beta2 < 0 || beta2 >= 1.0) throw new ArgumentException($"beta2 must be in [0, 1) (got {beta2}).");
                if (weight_decay < 0.0) throw new ArgumentException($"weight_decay must not be negative (got {weight_decay}).");
            }

            /// <summary>
            /// One Adam step of one parameter. Decoupled (AdamW): p *= 1 - lr·wd first. Otherwise (Adam, L2):
            /// g += wd·p when wd ≠ 0. Then m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g², and
            /// p -= lr/(1-β1ᵗ) · m / (√v̂/√(1-β2ᵗ) + ε), v̂ = max(v̂, v) with AMSGrad.
            /// </summary>
            internal static void Update(torch.Tensor param, torch.Tensor grad, torch.Tensor expAvg, torch.Tensor expAvgSq, torch.Tensor maxExpAvgSq, long step,
                double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled, bool maximize)
            {
                var n = param.numel();
                if (grad.numel() != n) throw new InvalidOperationException("The gradient's shape differs from the parameter's.");
                var bc1 = 1 - Math.Pow(beta1, step);
                var bc2 = 1 - Math.Pow(beta2, step);
                var stepSize = lr / bc1;
                var sqrtBc2 = Math.Sqrt(bc2);
                var decay = 1 - lr * weightDecay;

                for (long i = 0; i < n; i++)
                {
                    var g = grad.fixture_get(i);
                    if (maximize) g = -g;
                    var p = param.fixture_get(i);
                    if (decoupled)
                    {
                        p *= decay;
                    }
                    else if (weightDecay != 0)
                    {
                        g += weightDecay * p;
                    }

                    var m = beta1 * expAvg.fixture_get(i) + (1 - beta1) * g;
                    var v = beta2 * expAvgSq.fixture_get(i) + (1 - beta2) * g * g;
                    expAvg.fixture_set(i, m);
                    expAvgSq.fixture_set(i, v);
                    var vHat = v;
                    if (maxExpAvgSq is not null)
                    {
                        vHat = Math.Max(maxExpAvgSq.fixture_get(i), v);
                        maxExpAvgSq.fixture_set(i, vHat);
                    }

                    var denom = Math.Sqrt(vHat) / sqrtBc2 + eps;
                    param.fixture_set(i, p - stepSize * m / denom);
                }
            }

            internal static bool Close(torch.Tensor a, torch.Tensor b)
            {
                if (a is null || b is null) return a is null && b is null;
                if (a.numel() != b.numel()) return false;
                for (long i = 0; i < a.numel(); i++)
                {
                    var x = a.fixture_get(i);
                    var y = b.fixture_get(i);
                    if (Math.Abs(x - y) > 1e-8 + 1e-5 * Math.Abs(y)) return false;
                }

                return true;
            }
        }
    }
}

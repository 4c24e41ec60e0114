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
            public static Modules.SGD SGD(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
                => new Modules.SGD(parameters, learningRate, momentum, dampening, weight_decay, nesterov, maximize);

            public static Modules.SGD SGD(IEnumerable<(string name, Parameter parameter)> parameters, double learningRate, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
                => new Modules.SGD(parameters.Select(np => np.parameter), learningRate, momentum, dampening, weight_decay, nesterov, maximize);

            public static Modules.SGD SGD(IEnumerable<SGD.ParamGroup> parameters, double learningRate, double momentum = 0.0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
                => new Modules.SGD(parameters, learningRate, momentum, dampening, weight_decay, nesterov, maximize);
        }
    }

    namespace Modules
    {
        using static torch.optim;

        /// <summary>
        /// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay
        /// (g += weight_decay·p when weight_decay ≠ 0). The momentum buffer is kept per Parameter.Handle.
        /// </summary>
        public class SGD : OptimizerHelper, IMomentum
        {
            public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0.0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
                : this(new ParamGroup[] { new ParamGroup { Parameters = parameters } }, lr, momentum, dampening, weight_decay, nesterov, maximize)
            {
            }

            public SGD(IEnumerable<ParamGroup> parameters, double lr, double momentum = 0.0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
            {
                if (lr < 0.0) throw new ArgumentException($"The learning rate must not be negative (got {lr}).");
                if (momentum < 0.0) throw new ArgumentException($"momentum must not be negative (got {momentum}).");
                if (weight_decay < 0.0) throw new ArgumentException($"weight_decay must not be negative (got {weight_decay}).");
                if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov needs a positive momentum and no dampening.");

                _defaults = new Options
                {
                    LearningRate = lr,
                    InitialLearningRate = lr,
                    momentum = momentum,
                    dampening = dampening,
                    weight_decay = weight_decay,
                    nesterov = nesterov,
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
                        var lr = o.LearningRate.Value;
                        var momentum = o.momentum.Value;
                        var dampening = o.dampening.Value;
                        var weightDecay = o.weight_decay.Value;
                        var nesterov = o.nesterov.Value;
                        var maximize = o.maximize.Value;

                        foreach (var param in group.Parameters)
                        {
                            var state = (State)_state[param.handle];
                            var grad = param.fixture_grad_or_null();
                            if (grad is null) continue;
                            var n = param.numel();
                            if (grad.numel() != n) throw new InvalidOperationException("The gradient's shape differs from the parameter's.");

                            var first = false;
                            if (momentum != 0 && state.momentum_buffer is null)
                            {
                                state.momentum_buffer = torch.zeros_like(param);
                                first = true;
                            }

                            for (long i = 0; i < n; i++)
                            {
                                var p = param.fixture_get(i);
                                var g = grad.fixture_get(i);
                                if (weightDecay != 0) g += weightDecay * p;
                                if (momentum != 0)
                                {
                                    var buf = first ? g : momentum * state.momentum_buffer.fixture_get(i) + (1 - dampening) * g;
                                    state.momentum_buffer.fixture_set(i, buf);
                                    g = nesterov ? g + momentum * buf : buf;
                                }

                                param.fixture_set(i, maximize ? p + lr * g : p - lr * g);
                            }
                        }
                    },
                    closure);

            protected override void Dispose(bool disposing)
            {
                base.Dispose(disposing);
                foreach (var (_, s) in _state) ((State)s).Dispose();
                _state.Clear();
            }

            public override void add_param_group(Modules.ParamGroup param_group)
            {
                var def = (Options)_defaults;
                param_group.Options ??= new Options();
                var opt = (Options)param_group.Options;

                if (!opt.LearningRate.HasValue) opt.LearningRate = def.LearningRate;
                if (!opt.momentum.HasValue) opt.momentum = def.momentum;
                if (!opt.dampening.HasValue) opt.dampening = def.dampening;
                if (!opt.weight_decay.HasValue) opt.weight_decay = def.weight_decay;
                if (!opt.nesterov.HasValue) opt.nesterov = def.nesterov;
                if (!opt.maximize.HasValue) opt.maximize = def.maximize;
                opt.InitialLearningRate = opt.LearningRate.Value;

                _parameter_groups.Add(param_group);

                foreach (var p in param_group.Parameters)
                {
                    _state[p.Handle] = new State();
                }
            }

            public double Momentum
            {
                get => ((Options)_defaults).momentum.Value;
                set => ((Options)_defaults).momentum = value;
            }

            public class State : OptimizerState, IDisposable
            {
                public Tensor momentum_buffer;

                public void Dispose() => momentum_buffer?.Dispose();

                public override void SaveStateDict(BinaryWriter writer) => SaveConditionalStateTensor(writer, momentum_buffer);

                public override void LoadStateDict(BinaryReader reader) => LoadConditionalStateTensor(reader, ref momentum_buffer);

                public override void LoadStateDict(OptimizerState source)
                {
                    momentum_buffer?.Dispose();
                    momentum_buffer = ((State)source).momentum_buffer?.clone();
                }

                public override bool ApproximatelyEquals(OptimizerState other)
                    => other is State s && FixtureAdam.Close(momentum_buffer, s.momentum_buffer);
            }

            public class Options : OptimizerOptions
            {
                public double? momentum;
                public double? dampening;
                public double? weight_decay;
                public bool? nesterov;
                public bool? maximize;

                public override void SaveStateDict(BinaryWriter writer)
                {
                    base.SaveStateDict(writer);
                    writer.Write(momentum.Value);
                    writer.Write(dampening.Value);
                    writer.Write(weight_decay.Value);
                    writer.Write(nesterov.Value);
                    writer.Write(maximize.Value);
                }

                public override void LoadStateDict(BinaryReader reader)
                {
                    base.LoadStateDict(reader);
                    momentum = reader.ReadDouble();
                    dampening = reader.ReadDouble();
                    weight_decay = reader.ReadDouble();
                    nesterov = reader.ReadBoolean();
                    maximize = reader.ReadBoolean();
                }

                public override void LoadStateDict(OptimizerOptions source)
                {
                    base.LoadStateDict(source);
                    var o = (Options)source;
                    momentum = o.momentum;
                    dampening = o.dampening;
                    weight_decay = o.weight_decay;
                    nesterov = o.nesterov;
                    maximize = o.maximize;
                }
            }

            public class ParamGroup : ParamGroup<Options>, IMomentum
            {
                public ParamGroup()
                {
                }

                public ParamGroup(IEnumerable<Parameter> parameters, Options options)
                    : base(parameters, options)
                {
                }

                /// <summary>Sets every option, lr included (1e-3 unless given): the optimizer's lr does not apply.</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, double lr = 1e-3, double momentum = 0.0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
                    : base(parameters, new Options { LearningRate = lr, momentum = momentum, dampening = dampening, weight_decay = weight_decay, nesterov = nesterov, maximize = maximize })
                {
                }

                public double Momentum
                {
                    get => Options.momentum.Value;
                    set => Options.momentum = value;
                }
            }
        }
    }
}

// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Collections.Generic;
using System.Linq;

namespace TorchSharp
{
    public static partial class torch
    {
        public static partial class optim
        {
            public static partial class lr_scheduler
            {
                /// <summary>
                /// Base of the learning-rate schedulers: reads and writes the optimizer's ParamGroups
                /// (ILearningRateController.LearningRate and InitialLearningRate).
                /// </summary>
                public abstract class LRScheduler
                {
                    protected LRScheduler()
                    {
                    }

                    protected LRScheduler(Optimizer optimizer, int last_epoch = -1, bool verbose = false)
                    {
                        _optimizer = optimizer;
                        _last_epoch = last_epoch;
                        _verbose = verbose;
                        _base_lrs = optimizer.ParamGroups.Select(pg => pg.InitialLearningRate).ToList();
                        _last_lrs = optimizer.ParamGroups.Select(pg => pg.LearningRate).ToList();
                    }

                    public virtual void step() => step(null);

                    public virtual void step(int? epoch)
                    {
                        _step_count += 1;
                        _last_epoch = epoch ?? _last_epoch + 1;
                        var lr = (epoch.HasValue ? get_closed_form_lr() : get_lr()).ToList();
                        var pgs = _optimizer.ParamGroups.ToList();
                        for (var i = 0; i < _base_lrs.Count; i++)
                        {
                            pgs[i].LearningRate = lr[i];
                            if (_verbose && _last_lrs[i] != lr[i]) Console.WriteLine($"Learning rate of group {i} is now {lr[i]}");
                            _last_lrs[i] = lr[i];
                        }
                    }

                    public virtual void step(double current, int? epoch = null) => step(epoch);

                    protected virtual IEnumerable<double> get_lr() => _optimizer.ParamGroups.Select(pg => pg.LearningRate);

                    protected virtual IEnumerable<double> get_closed_form_lr() => get_lr();

                    public IEnumerable<double> get_last_lr() => _last_lrs;

                    internal Optimizer _optimizer;
                    internal int _last_epoch = -1;
                    internal bool _verbose;
                    protected int _step_count;
                    internal IList<double> _last_lrs;
                    internal IList<double> _base_lrs;
                }

                public static partial class impl
                {
                    /// <summary>lr = initial lr × lr_lambda(epoch).</summary>
                    public class LambdaLR : LRScheduler
                    {
                        private readonly List<Func<int, double>> _lr_lambdas;

                        public LambdaLR(Optimizer optimizer, Func<int, double> lr_lambda, int last_epoch = -1, bool verbose = false)
                            : base(optimizer, last_epoch, verbose)
                        {
                            _lr_lambdas = Enumerable.Repeat(lr_lambda, optimizer.ParamGroups.Count()).ToList();
                            step();
                        }

                        protected override IEnumerable<double> get_lr()
                            => Enumerable.Range(0, _base_lrs.Count).Select(i => _base_lrs[i] * _lr_lambdas[i](_last_epoch));
                    }

                    /// <summary>Multiplies each group's lr by gamma every step_size epochs.</summary>
                    public class StepLR : LRScheduler
                    {
                        private readonly int _step_size;
                        private readonly double _gamma;

                        public StepLR(Optimizer optimizer, int step_size, double gamma = 0.1, int last_epoch = -1, bool verbose = false)
                            : base(optimizer, last_epoch, verbose)
                        {
                            if (optimizer is null) throw new ArgumentNullException(nameof(optimizer));
                            _step_size = step_size;
                            _gamma = gamma;
                            step();
                        }

                        protected override IEnumerable<double> get_lr()
                            => _last_epoch == 0 || _last_epoch % _step_size != 0
                                ? _optimizer.ParamGroups.Select(pg => pg.LearningRate)
                                : _optimizer.ParamGroups.Select(pg => pg.LearningRate * _gamma);

                        protected override IEnumerable<double> get_closed_form_lr()
                            => _base_lrs.Select(lr => lr * Math.Pow(_gamma, _last_epoch / _step_size));
                    }
                }

                public static LRScheduler StepLR(Optimizer optimizer, int step_size, double gamma = 0.1, int last_epoch = -1, bool verbose = false)
                    => new impl.StepLR(optimizer, step_size, gamma, last_epoch, verbose);

                public static LRScheduler LambdaLR(Optimizer optimizer, Func<int, double> lr_lambda, int last_epoch = -1, bool verbose = false)
                    => new impl.LambdaLR(optimizer, lr_lambda, last_epoch, verbose);
            }
        }
    }
}

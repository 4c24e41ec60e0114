using System;
using WdGen.Optimization.Backends;

namespace WdGen.Optimization.Engine
{
    /// <summary>
    /// The engine's features around every algorithm: gradient clipping inside the step, a learning-rate schedule whose
    /// position is saved with the state, and an exponential moving average of the weights. None changes the update
    /// rules: clipping and the average are <see cref="TensorHooks"/> every backend applies around the algorithm's update
    /// (a tensor without hooks runs exactly as before), and the schedule multiplies the groups' learning rates for the
    /// coefficients of a step.
    /// </summary>
    internal sealed unsafe partial class OptimizerEngine
    {
        private double[]? _baseLearningRates; // while a step's coefficients are written with the schedule's factor
        private nint _emaArena;
        private bool[]? _emaReady;
        private double _emaDecay;

        /// <summary>
        /// Clip inside the step: when set, each step first computes the total L2 norm of all gradients
        /// (<see cref="IEngineBackend.GradientSumOfSquares"/>: double, deterministic) and the update then reads every
        /// gradient times <c>min(1, max / (norm + 1e-6))</c> (float32), as <c>torch.nn.utils.clip_grad_norm_</c> followed by
        /// the optimizer. The caller's gradients are not modified. <see cref="double.PositiveInfinity"/> measures without
        /// clipping.
        /// </summary>
        public double? MaxGradNorm { get; set; }

        /// <summary>The total gradient norm the last step computed (null before, or without <see cref="MaxGradNorm"/>).</summary>
        public double? LastGradNorm { get; private set; }

        /// <summary>The learning-rate schedule (null: none); its factor for step <see cref="ScheduleStep"/> + 1 multiplies every group's rate.</summary>
        public LearningRateSchedule? Schedule { get; set; }

        /// <summary>The optimizer's step counter: steps applied with at least one gradient (saved in version-3 state files).</summary>
        public long ScheduleStep { get; private set; }

        /// <summary>The schedule's factor of the last step (1 without a schedule or before the first step).</summary>
        public double LastScheduleFactor { get; private set; } = 1.0;

        /// <summary>The moving average's decay, or null when the engine keeps none.</summary>
        public double? EmaDecay => _emaReady is null ? null : _emaDecay;

        /// <summary>Whether the state files of this engine need version 3 (a schedule's position or the moving average).</summary>
        private bool WritesVersion3 => Schedule is not null || _emaReady is not null;

        /// <summary>
        /// Keeps an exponential moving average of every parameter, updated in the same pass as each step after the update
        /// (<c>ema = ema·d + p·(1 − d)</c> in float32), equal to the parameter after its first step. Call once, before the
        /// first step.
        /// </summary>
        /// <param name="decay">d, in [0, 1).</param>
        public void EnableEma(double decay)
        {
            ThrowIfDisposed();
            if (!(decay >= 0 && decay < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(decay), decay, "The EMA decay must be in [0, 1).");
            }

            if (_emaReady is not null)
            {
                throw new InvalidOperationException("The moving average is already enabled.");
            }

            _emaDecay = decay;
            _emaReady = new bool[_specs.Length];
            _emaArena = AllocateArena(Float32Bytes, (p, address) =>
            {
                _slots[p].Ema = (float*)address;
                _slots[p].EmaDecay = (float)decay;
                _slots[p].EmaRest = (float)(1 - decay);
            });
        }

        /// <summary>Whether parameter <paramref name="index"/> has a moving average yet (it starts at its first step).</summary>
        public bool HasEma(int index) => _emaReady is not null && _emaReady[index];

        /// <summary>Copies parameter <paramref name="index"/>'s moving average into host memory; false (nothing copied) before its first step.</summary>
        public bool ReadEma(int index, Span<float> destination)
        {
            ThrowIfDisposed();
            if (!HasEma(index))
            {
                return false;
            }

            FusedValidation.Length(_specs[index].Name, "the EMA destination", _specs[index].Length, destination.Length);
            fixed (float* d = destination)
            {
                Backend.Download(d, (nint)_slots[index].Ema, (long)destination.Length * sizeof(float));
            }

            return true;
        }

        /// <summary>
        /// Exchanges parameter <paramref name="index"/>'s moving average with the float32 buffer at <paramref name="param"/>
        /// (on the backend's device, the parameter's length); false (nothing done) before the parameter's first step.
        /// </summary>
        public bool SwapEma(int index, nint param)
        {
            ThrowIfDisposed();
            if (!HasEma(index))
            {
                return false;
            }

            // Through a temporary buffer on the device: no copy of a model-sized tensor in managed memory.
            var bytes = _specs[index].Length * sizeof(float);
            var temporary = Backend.Allocate(bytes);
            try
            {
                Backend.Copy(temporary, param, bytes);
                Backend.Copy(param, (nint)_slots[index].Ema, bytes);
                Backend.Copy((nint)_slots[index].Ema, temporary, bytes);
            }
            finally
            {
                Backend.Free(temporary);
            }

            return true;
        }

        /// <summary>
        /// Copies parameter <paramref name="index"/>'s moving average into the float32 buffer at <paramref name="destination"/>
        /// (on the backend's device, the parameter's length); false (nothing copied) before the parameter's first step.
        /// </summary>
        public bool CopyEma(int index, nint destination)
        {
            ThrowIfDisposed();
            if (!HasEma(index))
            {
                return false;
            }

            Backend.Copy(destination, (nint)_slots[index].Ema, _specs[index].Length * sizeof(float));
            return true;
        }

        /// <summary>
        /// Before a step's coefficients: computes the gradient norm and the clipping scale, sets every stepped tensor's
        /// hooks, and multiplies the groups' learning rates by the schedule's factor (undone by <see cref="EndSchedule"/>).
        /// </summary>
        private void BeginHooks(int updated)
        {
            RestoreLearningRates(); // a step that threw between BeginHooks and EndSchedule
            if (updated == 0)
            {
                return;
            }

            var scale = 1f;
            if (MaxGradNorm is { } max)
            {
                var norm = Math.Sqrt(Backend.GradientSumOfSquares());
                LastGradNorm = norm;

                // clip_grad_norm_: clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1 (NaN stays NaN).
                var coefficient = max / (norm + 1e-6);
                scale = coefficient < 1 ? (float)coefficient : double.IsNaN(coefficient) ? float.NaN : 1f;
            }

            for (var p = 0; p < _slots.Length; p++)
            {
                if (_slots[p].Grad == null)
                {
                    continue;
                }

                var hooks = scale != 1f ? TensorHooks.ScaleGradient : TensorHooks.None; // true for NaN: every gradient becomes NaN, as clip_grad_norm_ makes it
                if (_emaReady is not null)
                {
                    hooks |= _emaReady[p] ? TensorHooks.Ema : TensorHooks.Ema | TensorHooks.EmaInit;
                }

                _slots[p].GradScale = scale;
                _slots[p].Hooks = (int)hooks;
            }

            if (Schedule is { } schedule)
            {
                var factor = schedule.Factor(ScheduleStep + 1);
                if (!(factor >= 0) || double.IsInfinity(factor))
                {
                    throw new InvalidOperationException($"The learning-rate schedule {schedule} gave factor {factor} for step {ScheduleStep + 1}; factors must be finite and ≥ 0.");
                }

                LastScheduleFactor = factor;
                _baseLearningRates ??= new double[_groups.Length];
                for (var g = 0; g < _groups.Length; g++)
                {
                    _baseLearningRates[g] = _groups[g].LearningRate;
                    _groups[g].LearningRate = _baseLearningRates[g] * factor;
                }

                _lrScaled = true;
            }
        }

        private bool _lrScaled;

        /// <summary>After a step's coefficients: the groups' own learning rates again.</summary>
        private void EndSchedule() => RestoreLearningRates();

        /// <summary>After a step: the moving averages exist, and the step counter advances.</summary>
        private void EndHooks(int updated)
        {
            if (updated == 0)
            {
                return;
            }

            ScheduleStep++;
            for (var p = 0; p < _slots.Length; p++)
            {
                if (_slots[p].Grad != null && _emaReady is not null)
                {
                    _emaReady[p] = true;
                }
            }
        }

        private void RestoreLearningRates()
        {
            if (!_lrScaled)
            {
                return;
            }

            for (var g = 0; g < _groups.Length; g++)
            {
                _groups[g].LearningRate = _baseLearningRates![g];
            }

            _lrScaled = false;
        }
    }
}

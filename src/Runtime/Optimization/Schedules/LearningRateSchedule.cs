using System;
using System.Globalization;

namespace WdGen
{
    /// <summary>
    /// A learning-rate schedule of WdGen's fused optimizers (<c>schedule:</c>): a factor for each step that multiplies
    /// every group's learning rate. Its position is the optimizer's step counter, which the optimizer's state files
    /// save, so a resumed run continues the schedule where it stopped (its learning rates and parameters equal the
    /// uninterrupted run's bit for bit) without rebuilding or stepping a scheduler.
    /// </summary>
    /// <remarks>
    /// Step <c>t</c> counts from 1 (the first step's factor is <c>Factor(1)</c>) and advances with every applied step;
    /// a step skipped for non-finite gradients does not advance it. The factor multiplies the group's learning rate
    /// as TorchSharp's parameter groups hold it: a TorchSharp scheduler (which changes those) and a schedule multiply
    /// each other, so use one or the other.
    /// </remarks>
    public abstract class LearningRateSchedule
    {
        private protected LearningRateSchedule()
        {
        }

        /// <summary>The factor for step <paramref name="step"/> (1-based), in [0, 1].</summary>
        /// <param name="step">The optimizer's step counter including this step (≥ 1).</param>
        /// <returns>The multiplier of every group's learning rate at that step.</returns>
        public abstract double Factor(long step);

        /// <summary>A constant factor of 1 (the learning rates as set, with the step counter kept in the state).</summary>
        /// <returns>The schedule.</returns>
        public static LearningRateSchedule Constant() => new ConstantSchedule();

        /// <summary>
        /// Linear warm-up from <c>1/warmupSteps</c> at step 1 to 1 at step <paramref name="warmupSteps"/>, then a half
        /// cosine down to <paramref name="minLrFactor"/> at step <paramref name="totalSteps"/>, and
        /// <paramref name="minLrFactor"/> after it: <c>t ≤ w: t/w;  else min + (1 − min)·(1 + cos(π·min(1, (t − w)/(T − w))))/2</c>.
        /// </summary>
        /// <param name="warmupSteps">Steps of linear warm-up (0: none).</param>
        /// <param name="totalSteps">The step at which the factor reaches <paramref name="minLrFactor"/> (≥ <paramref name="warmupSteps"/>, ≥ 1).</param>
        /// <param name="minLrFactor">The final factor, in [0, 1].</param>
        /// <returns>The schedule.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A step count is negative or out of order, or the factor is outside [0, 1].</exception>
        public static LearningRateSchedule WarmupCosine(long warmupSteps, long totalSteps, double minLrFactor = 0)
            => new WarmupDecaySchedule(warmupSteps, totalSteps, minLrFactor, cosine: true);

        /// <summary>
        /// Linear warm-up as <see cref="WarmupCosine"/>, then a straight line down to <paramref name="minLrFactor"/> at
        /// step <paramref name="totalSteps"/>: <c>t ≤ w: t/w;  else min + (1 − min)·(1 − min(1, (t − w)/(T − w)))</c>.
        /// </summary>
        /// <param name="warmupSteps">Steps of linear warm-up (0: none).</param>
        /// <param name="totalSteps">The step at which the factor reaches <paramref name="minLrFactor"/> (≥ <paramref name="warmupSteps"/>, ≥ 1).</param>
        /// <param name="minLrFactor">The final factor, in [0, 1].</param>
        /// <returns>The schedule.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A step count is negative or out of order, or the factor is outside [0, 1].</exception>
        public static LearningRateSchedule WarmupLinear(long warmupSteps, long totalSteps, double minLrFactor = 0)
            => new WarmupDecaySchedule(warmupSteps, totalSteps, minLrFactor, cosine: false);

        private sealed class ConstantSchedule : LearningRateSchedule
        {
            public override double Factor(long step) => 1.0;

            public override string ToString() => "Constant()";
        }

        private sealed class WarmupDecaySchedule : LearningRateSchedule
        {
            private readonly long _warmup;
            private readonly long _total;
            private readonly double _min;
            private readonly bool _cosine;

            public WarmupDecaySchedule(long warmupSteps, long totalSteps, double minLrFactor, bool cosine)
            {
                if (warmupSteps < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "warmupSteps must be ≥ 0.");
                }

                if (totalSteps < 1 || totalSteps < warmupSteps)
                {
                    throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"totalSteps must be ≥ 1 and ≥ warmupSteps ({warmupSteps}).");
                }

                if (!(minLrFactor >= 0 && minLrFactor <= 1))
                {
                    throw new ArgumentOutOfRangeException(nameof(minLrFactor), minLrFactor, "minLrFactor must be in [0, 1].");
                }

                _warmup = warmupSteps;
                _total = totalSteps;
                _min = minLrFactor;
                _cosine = cosine;
            }

            public override double Factor(long step)
            {
                if (step < 1)
                {
                    throw new ArgumentOutOfRangeException(nameof(step), step, "Steps count from 1.");
                }

                if (step <= _warmup)
                {
                    return (double)step / _warmup;
                }

                var progress = _total == _warmup ? 1.0 : Math.Min(1.0, (double)(step - _warmup) / (_total - _warmup));
                var shape = _cosine ? 0.5 * (1 + Math.Cos(Math.PI * progress)) : 1 - progress;
                return _min + ((1 - _min) * shape);
            }

            public override string ToString()
                => string.Create(CultureInfo.InvariantCulture, $"{(_cosine ? "WarmupCosine" : "WarmupLinear")}({_warmup}, {_total}, {_min})");
        }
    }
}

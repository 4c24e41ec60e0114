using System;
using WdGen.Optimization.Engine;

namespace WdGen.Optimization
{
    /// <summary>
    /// The hyper-parameters of one parameter group. Every value may change between steps (learning-rate and
    /// momentum schedulers); each setter rejects NaN, infinities and out-of-range values, and the optimizer
    /// re-validates all groups at the start of every step.
    /// </summary>
    /// <remarks>Values are doubles, as in Python; the kernels cast them to float exactly where ATen does.</remarks>
    public sealed class FusedGroupOptions
    {
        private double _learningRate = 1e-3;
        private double _weightDecay;
        private double _beta1 = 0.9;
        private double _beta2 = 0.999;
        private double _eps = 1e-8;
        private double _momentum;
        private double _dampening;

        /// <summary>The learning rate (finite, ≥ 0). Default 1e-3.</summary>
        public double LearningRate
        {
            get => _learningRate;
            set => _learningRate = FusedValidation.NonNegative(value, nameof(LearningRate));
        }

        /// <summary>The weight-decay coefficient (finite, ≥ 0). Default 0.</summary>
        public double WeightDecay
        {
            get => _weightDecay;
            set => _weightDecay = FusedValidation.NonNegative(value, nameof(WeightDecay));
        }

        /// <summary>
        /// Adam's first-moment decay, in [0, 1); for Lion, the interpolation weight of the update's sign
        /// (<c>c = β1·m + (1−β1)·g</c>). Default 0.9.
        /// </summary>
        public double Beta1
        {
            get => _beta1;
            set => _beta1 = FusedValidation.UnitInterval(value, nameof(Beta1));
        }

        /// <summary>
        /// Adam's second-moment decay, in [0, 1); for Lion, the decay of its one moment (<c>m ← β2·m + (1−β2)·g</c>;
        /// Lion usually takes 0.99, <c>ToFusedLion</c>'s default). Default 0.999.
        /// </summary>
        public double Beta2
        {
            get => _beta2;
            set => _beta2 = FusedValidation.UnitInterval(value, nameof(Beta2));
        }

        /// <summary>Adam's denominator term (finite, ≥ 0). Default 1e-8.</summary>
        public double Eps
        {
            get => _eps;
            set => _eps = FusedValidation.NonNegative(value, nameof(Eps));
        }

        /// <summary>SGD momentum (finite, ≥ 0; 0 disables the momentum buffer). Default 0.</summary>
        public double Momentum
        {
            get => _momentum;
            set => _momentum = FusedValidation.NonNegative(value, nameof(Momentum));
        }

        /// <summary>SGD dampening (finite). Default 0.</summary>
        public double Dampening
        {
            get => _dampening;
            set => _dampening = FusedValidation.Finite(value, nameof(Dampening));
        }

        /// <summary>SGD Nesterov momentum; requires <see cref="Momentum"/> &gt; 0 and <see cref="Dampening"/> = 0.</summary>
        public bool Nesterov { get; set; }

        /// <summary>Adam/AdamW: use the running maximum of the second moment (AMSGrad).</summary>
        public bool Amsgrad { get; set; }

        /// <summary>Maximize the objective instead of minimizing it (the gradient is negated first).</summary>
        public bool Maximize { get; set; }

        /// <summary>A copy of these options.</summary>
        /// <returns>A new instance with the same values.</returns>
        public FusedGroupOptions Clone() => (FusedGroupOptions)MemberwiseClone();
    }
}

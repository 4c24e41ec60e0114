using System;

namespace WdGen
{
    /// <summary>
    /// The WdGen attributes on a member, as the plan and the walk read them: the decay attribute
    /// (<see cref="Default"/> for none, <see cref="Decay"/> or <see cref="NoDecay"/>) and a <c>[LearningRate]</c>
    /// scale (<see cref="WithLearningRate"/>), with the member they are on.
    /// </summary>
    public sealed class DecayRule
    {
        private DecayRule(DecayRuleKind kind, double scale, bool includeBiases, string? source, double learningRateScale, string? learningRateSource)
        {
            Kind = kind;
            Scale = scale;
            IncludeBiases = includeBiases;
            Source = source;
            LearningRateScale = learningRateScale;
            LearningRateSource = learningRateSource;
        }

        /// <summary>No attribute: the parameter's role decides.</summary>
        public static DecayRule Default { get; } = new(DecayRuleKind.Default, 1.0, false, null, 1.0, null);

        /// <summary>Which decay attribute.</summary>
        public DecayRuleKind Kind { get; }

        /// <summary>The decay multiplier of a <c>[Decay]</c> rule (1 otherwise).</summary>
        public double Scale { get; }

        /// <summary>Whether a <c>[Decay]</c> rule covers biases.</summary>
        public bool IncludeBiases { get; }

        /// <summary>The decay attribute as written and the member it is on, e.g. <c>[Decay(0.5)] on Gpt.head</c>; null for <see cref="DecayRuleKind.Default"/>.</summary>
        public string? Source { get; }

        /// <summary>The member's <c>[LearningRate(scale)]</c> multiplier on the learning rate; 1 without one.</summary>
        public double LearningRateScale { get; }

        /// <summary>The <c>[LearningRate]</c> attribute as written and the member it is on, e.g. <c>[LearningRate(0.1)] on Net.backbone</c>; null without one.</summary>
        public string? LearningRateSource { get; }

        /// <summary>Whether the member has any WdGen attribute.</summary>
        internal bool IsEmpty => Kind == DecayRuleKind.Default && LearningRateSource is null;

        /// <summary><c>[Decay(scale, IncludeBiases = includeBiases)]</c> on <paramref name="member"/> (<c>Type.member</c>).</summary>
        public static DecayRule Decay(double scale, bool includeBiases, string member)
        {
            if (!IsPositiveFinite(scale))
            {
                throw new ArgumentOutOfRangeException(nameof(scale), scale, "The decay scale of " + member + " must be positive and finite.");
            }

            return new DecayRule(DecayRuleKind.Decay, scale, includeBiases, DecayPolicy.DescribeDecayAttribute(scale, includeBiases) + " on " + member, 1.0, null);
        }

        /// <summary><c>[NoDecay]</c> on <paramref name="member"/> (<c>Type.member</c>).</summary>
        public static DecayRule NoDecay(string member) => new(DecayRuleKind.NoDecay, 1.0, false, "[NoDecay] on " + member, 1.0, null);

        /// <summary><c>[LearningRate(scale)]</c> alone on <paramref name="member"/> (<c>Type.member</c>): the role decides the decay.</summary>
        public static DecayRule LearningRate(double scale, string member) => Default.WithLearningRate(scale, member);

        /// <summary>This rule with <c>[LearningRate(scale)]</c> on <paramref name="member"/> (<c>Type.member</c>) too.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not positive and finite (WDG007 at compile time).</exception>
        public DecayRule WithLearningRate(double scale, string member)
        {
            if (!IsPositiveFinite(scale))
            {
                throw new ArgumentOutOfRangeException(nameof(scale), scale, "The learning-rate scale of " + member + " must be positive and finite.");
            }

            return new DecayRule(Kind, Scale, IncludeBiases, Source, scale, DecayPolicy.DescribeLearningRateAttribute(scale) + " on " + member);
        }

        /// <summary>The decision for a parameter of <paramref name="role"/> under this rule.</summary>
        internal DecayDecision Decide(ParameterRole role, string roleReason) => DecayPolicy.Decide(role, roleReason, Kind, Scale, IncludeBiases, Source);

        /// <inheritdoc/>
        public override string ToString()
            => Source is null ? LearningRateSource ?? "(no attribute)"
                : LearningRateSource is null ? Source
                : Source + "; " + LearningRateSource;

        internal static bool IsPositiveFinite(double scale) => !double.IsNaN(scale) && !double.IsInfinity(scale) && scale > 0;
    }
}

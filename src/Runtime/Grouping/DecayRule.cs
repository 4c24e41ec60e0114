using System;

namespace WdGen
{
    /// <summary>
    /// The WdGen attribute on a member, as generated code passes it to the plan and to the walk:
    /// <see cref="Default"/> (none), <see cref="Decay"/> or <see cref="NoDecay"/>, with the member it is on.
    /// </summary>
    public sealed class DecayRule
    {
        private DecayRule(DecayRuleKind kind, double scale, bool includeBiases, string? source)
        {
            Kind = kind;
            Scale = scale;
            IncludeBiases = includeBiases;
            Source = source;
        }

        /// <summary>No attribute: the parameter's role decides.</summary>
        public static DecayRule Default { get; } = new(DecayRuleKind.Default, 1.0, false, null);

        /// <summary>Which attribute.</summary>
        public DecayRuleKind Kind { get; }

        /// <summary>The decay multiplier of a <c>[Decay]</c> rule (1 otherwise).</summary>
        public double Scale { get; }

        /// <summary>Whether a <c>[Decay]</c> rule covers biases.</summary>
        public bool IncludeBiases { get; }

        /// <summary>The attribute as written and the member it is on, e.g. <c>[Decay(0.5)] on Gpt.head</c>; null for <see cref="Default"/>.</summary>
        public string? Source { get; }

        /// <summary><c>[Decay(scale, IncludeBiases = includeBiases)]</c> on <paramref name="member"/> (<c>Type.member</c>).</summary>
        public static DecayRule Decay(double scale, bool includeBiases, string member)
        {
            if (double.IsNaN(scale) || double.IsInfinity(scale) || scale <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(scale), scale, "The decay scale of " + member + " must be positive and finite.");
            }

            return new DecayRule(DecayRuleKind.Decay, scale, includeBiases, DecayPolicy.DescribeDecayAttribute(scale, includeBiases) + " on " + member);
        }

        /// <summary><c>[NoDecay]</c> on <paramref name="member"/> (<c>Type.member</c>).</summary>
        public static DecayRule NoDecay(string member) => new(DecayRuleKind.NoDecay, 1.0, false, "[NoDecay] on " + member);

        /// <summary>The decision for a parameter of <paramref name="role"/> under this rule.</summary>
        internal DecayDecision Decide(ParameterRole role, string roleReason) => DecayPolicy.Decide(role, roleReason, Kind, Scale, IncludeBiases, Source);

        /// <inheritdoc/>
        public override string ToString() => Source ?? "(no attribute)";
    }
}

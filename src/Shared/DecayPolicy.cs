// WdGen's decay policy in one place: given a parameter's role and the attribute in force over it, does it
// decay, at what scale, and why. Linked into the runtime, where both the plan a user reads (DecayPlan) and the
// groups an optimizer gets (DecayGroupsBuilder) call it, so the two are decided by the same code.

using System.Globalization;

namespace WdGen
{
    /// <summary>Which WdGen attribute is in force over a parameter.</summary>
#if WDGEN_RUNTIME
    public
#else
    internal
#endif
    enum DecayRuleKind
    {
        /// <summary>No attribute: the role decides (only <see cref="ParameterRole.Weight"/> decays).</summary>
        Default,
        /// <summary><c>[Decay]</c>: everything decays at the given scale, biases only when included.</summary>
        Decay,
        /// <summary><c>[NoDecay]</c>: nothing decays.</summary>
        NoDecay,
    }

    /// <summary>A decay decision and the words that explain it.</summary>
    internal readonly struct DecayDecision
    {
        public DecayDecision(bool decays, double scale, string reason)
        {
            Decays = decays;
            Scale = decays ? scale : 0.0;
            Reason = reason;
        }

        public bool Decays { get; }

        /// <summary>The multiplier on the group's weight decay; 0 when the parameter does not decay.</summary>
        public double Scale { get; }

        public string Reason { get; }
    }

    internal static class DecayPolicy
    {
        /// <summary>
        /// Decides one parameter. <paramref name="roleReason"/> says why the parameter has its role
        /// ("Linear.bias is a bias"); <paramref name="ruleSource"/> names the attribute in force
        /// ("[Decay(0.5)] on Gpt.head"), or is null for <see cref="DecayRuleKind.Default"/>.
        /// </summary>
        public static DecayDecision Decide(ParameterRole role, string roleReason, DecayRuleKind rule, double scale, bool includeBiases, string? ruleSource)
        {
            switch (rule)
            {
                case DecayRuleKind.NoDecay:
                    return new DecayDecision(false, 0.0, ruleSource ?? "[NoDecay]");
                case DecayRuleKind.Decay when role == ParameterRole.Bias && !includeBiases:
                    return new DecayDecision(false, 0.0, roleReason + "; " + ruleSource + " leaves biases out (IncludeBiases = false)");
                case DecayRuleKind.Decay:
                    return new DecayDecision(true, scale, roleReason + "; " + ruleSource);
                default:
                    return role == ParameterRole.Weight
                        ? new DecayDecision(true, 1.0, roleReason + ": decays by default")
                        : new DecayDecision(false, 0.0, roleReason + ": " + DefaultNoDecayWhy(role));
            }
        }

        /// <summary>The attribute as a user would write it: <c>[Decay]</c>, <c>[Decay(0.5)]</c>, <c>[Decay(0.5, IncludeBiases = true)]</c>.</summary>
        public static string DescribeDecayAttribute(double scale, bool includeBiases)
        {
            var arguments = scale == 1.0 ? string.Empty : FormatScale(scale);
            if (includeBiases)
            {
                arguments += (arguments.Length == 0 ? string.Empty : ", ") + "IncludeBiases = true";
            }

            return arguments.Length == 0 ? "[Decay]" : "[Decay(" + arguments + ")]";
        }

        /// <summary>The attribute as a user would write it: <c>[LearningRate(0.1)]</c>.</summary>
        public static string DescribeLearningRateAttribute(double scale) => "[LearningRate(" + FormatScale(scale) + ")]";

        /// <summary>Why a parameter of a known TorchSharp layer has its role: <c>Linear.bias is a bias</c>.</summary>
        public static string LayerRoleReason(string layer, string parameter, ParameterRole role)
            => layer + "." + parameter + " is " + TorchSharpLayers.DescribeRole(role);

        /// <summary>Why a parameter takes the role an enclosing <c>[LayerRole]</c> module forces.</summary>
        public static string ForcedRoleReason(string owner, string parameter, string forcingModule, ParameterRole role)
            => owner + "." + parameter + ": " + forcingModule + " has [LayerRole(" + role + ")]";

        /// <summary>Why a parameter of a module type without a rule (or a raw Parameter field) is <see cref="ParameterRole.Other"/>.</summary>
        public static string RawRoleReason(string owner, string parameter)
            => owner + "." + parameter + " is a raw parameter (no layer rule)";

        /// <summary>A scale as C# source and tables show it: shortest round-trip form, invariant culture.</summary>
        public static string FormatScale(double scale) => scale.ToString("R", CultureInfo.InvariantCulture);

        private static string DefaultNoDecayWhy(ParameterRole role) => role switch
        {
            ParameterRole.Bias => "biases never decay by default",
            ParameterRole.Norm => "normalization parameters never decay by default",
            ParameterRole.Embedding => "embeddings decay only under [Decay]",
            _ => "no decay unless a WdGen attribute says so",
        };
    }
}

using System;
using System.Collections.Concurrent;
using System.Reflection;

namespace WdGen
{
    /// <summary>
    /// What is in force while the walk descends into a member: the nearest WdGen attribute on the path
    /// (an outer <c>[NoDecay]</c> covers everything under it) and the role a <c>[LayerRole]</c> module gives
    /// to everything inside it. Generated code creates and passes these; users rarely need them.
    /// </summary>
    public sealed class DecayContext
    {
        private static readonly ConcurrentDictionary<Type, LayerRoleAttribute?> LayerRoles = new();

        private DecayContext(DecayRuleKind rule, double scale, bool includeBiases, string? ruleSource, ParameterRole? layerRole, string? layerRoleSource)
        {
            Rule = rule;
            Scale = scale;
            IncludeBiases = includeBiases;
            RuleSource = ruleSource;
            LayerRole = layerRole;
            LayerRoleSource = layerRoleSource;
        }

        /// <summary>The context at the model's root: no attribute, no forced role.</summary>
        public static DecayContext Root { get; } = new(DecayRuleKind.Default, 1.0, false, null, null, null);

        /// <summary>The attribute in force.</summary>
        public DecayRuleKind Rule { get; }

        /// <summary>The decay scale of a <c>[Decay]</c> rule (1 otherwise).</summary>
        public double Scale { get; }

        /// <summary>Whether a <c>[Decay]</c> rule covers biases.</summary>
        public bool IncludeBiases { get; }

        /// <summary>The attribute and member the rule comes from, e.g. <c>[NoDecay] on Gpt.probe</c>.</summary>
        public string? RuleSource { get; }

        /// <summary>The role forced by an enclosing <c>[LayerRole]</c> module, if any.</summary>
        public ParameterRole? LayerRole { get; }

        /// <summary>The module type that forced <see cref="LayerRole"/>, e.g. <c>RMSNorm</c>.</summary>
        public string? LayerRoleSource { get; }

        /// <summary>Enters a member marked <c>[Decay(scale, IncludeBiases = …)]</c>; <paramref name="member"/> is <c>Type.member</c>.</summary>
        public DecayContext WithDecay(double scale, bool includeBiases, string member)
        {
            if (Rule == DecayRuleKind.NoDecay)
            {
                return this;
            }

            var source = DecayPolicy.DescribeDecayAttribute(scale, includeBiases) + " on " + member;
            return new DecayContext(DecayRuleKind.Decay, scale, includeBiases, source, LayerRole, LayerRoleSource);
        }

        /// <summary>Enters a member marked <c>[NoDecay]</c>; <paramref name="member"/> is <c>Type.member</c>.</summary>
        public DecayContext WithNoDecay(string member)
        {
            if (Rule == DecayRuleKind.NoDecay)
            {
                return this;
            }

            return new DecayContext(DecayRuleKind.NoDecay, 1.0, false, "[NoDecay] on " + member, LayerRole, LayerRoleSource);
        }

        /// <summary>
        /// Enters a module of run-time type <paramref name="moduleType"/>: a <c>[LayerRole]</c> on it (or a base)
        /// gives its role to every parameter inside, unless an enclosing module already did.
        /// </summary>
        public DecayContext EnterModule(Type moduleType)
        {
            if (moduleType is null)
            {
                throw new ArgumentNullException(nameof(moduleType));
            }

            if (LayerRole is not null)
            {
                return this;
            }

            var attribute = LayerRoles.GetOrAdd(moduleType, static type => type.GetCustomAttribute<LayerRoleAttribute>(inherit: true));
            if (attribute is null)
            {
                return this;
            }

            return new DecayContext(Rule, Scale, IncludeBiases, RuleSource, attribute.Role, TypeNames.Display(moduleType));
        }
    }
}

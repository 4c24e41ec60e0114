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
    internal sealed class DecayContext
    {
        private static readonly ConcurrentDictionary<Type, LayerRoleAttribute?> LayerRoles = new();

        private DecayContext(DecayRule rule, ParameterRole? layerRole, string? layerRoleSource)
        {
            Rule = rule;
            LayerRole = layerRole;
            LayerRoleSource = layerRoleSource;
        }

        /// <summary>The context at the model's root: no attribute, no forced role.</summary>
        public static DecayContext Root { get; } = new(DecayRule.Default, null, null);

        /// <summary>The attribute in force.</summary>
        public DecayRule Rule { get; }

        /// <summary>The role forced by an enclosing <c>[LayerRole]</c> module, if any.</summary>
        public ParameterRole? LayerRole { get; }

        /// <summary>The module type that forced <see cref="LayerRole"/>, e.g. <c>RMSNorm</c>.</summary>
        public string? LayerRoleSource { get; }

        /// <summary>
        /// Enters a member with <paramref name="rule"/>: the member's attribute replaces the one in force, except that
        /// nothing replaces an enclosing <c>[NoDecay]</c>.
        /// </summary>
        public DecayContext With(DecayRule rule)
        {
            if (rule is null)
            {
                throw new ArgumentNullException(nameof(rule));
            }

            return Rule.Kind == DecayRuleKind.NoDecay || rule.Kind == DecayRuleKind.Default ? this : new DecayContext(rule, LayerRole, LayerRoleSource);
        }

        /// <summary>Enters a member marked <c>[Decay(scale, IncludeBiases = …)]</c>; <paramref name="member"/> is <c>Type.member</c>.</summary>
        public DecayContext WithDecay(double scale, bool includeBiases, string member) => With(DecayRule.Decay(scale, includeBiases, member));

        /// <summary>Enters a member marked <c>[NoDecay]</c>; <paramref name="member"/> is <c>Type.member</c>.</summary>
        public DecayContext WithNoDecay(string member) => With(DecayRule.NoDecay(member));

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

            return new DecayContext(Rule, attribute.Role, TypeNames.Display(moduleType));
        }
    }
}

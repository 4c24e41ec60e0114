using System;
using System.Collections.Concurrent;
using System.Reflection;

namespace WdGen
{
    /// <summary>
    /// What is in force while the walk descends into a member: the nearest WdGen decay attribute on the path
    /// (an outer <c>[NoDecay]</c> covers everything under it), the product of the <c>[LearningRate]</c> scales on the
    /// path, the role a <c>[LayerRole]</c> module gives to everything inside it, and the layer of the outermost
    /// <c>ModuleList</c>/<c>Sequential</c> the walk is in. The walk creates and passes these; users rarely need them.
    /// </summary>
    internal sealed class DecayContext
    {
        private static readonly ConcurrentDictionary<Type, LayerRoleAttribute?> LayerRoles = new();

        private DecayContext(DecayRule rule, ParameterRole? layerRole, string? layerRoleSource, double learningRateScale, string? learningRateSource, DecayLayer? layer)
        {
            Rule = rule;
            LayerRole = layerRole;
            LayerRoleSource = layerRoleSource;
            LearningRateScale = learningRateScale;
            LearningRateSource = learningRateSource;
            Layer = layer;
        }

        /// <summary>The context at the model's root: no attribute, no forced role, learning-rate scale 1, no layer.</summary>
        public static DecayContext Root { get; } = new(DecayRule.Default, null, null, 1.0, null, null);

        /// <summary>The decay attribute in force (its own <see cref="DecayRule.LearningRateScale"/> is not the one in force: see <see cref="LearningRateScale"/>).</summary>
        public DecayRule Rule { get; }

        /// <summary>The role forced by an enclosing <c>[LayerRole]</c> module, if any.</summary>
        public ParameterRole? LayerRole { get; }

        /// <summary>The module type that forced <see cref="LayerRole"/>, e.g. <c>RMSNorm</c>.</summary>
        public string? LayerRoleSource { get; }

        /// <summary>The product of the <c>[LearningRate]</c> scales of the members on the path (1 without any).</summary>
        public double LearningRateScale { get; }

        /// <summary>The <c>[LearningRate]</c> attributes on the path, outermost first, or null without any.</summary>
        public string? LearningRateSource { get; }

        /// <summary>The item of the outermost <c>ModuleList</c>/<c>Sequential</c> the walk is in, if any.</summary>
        public DecayLayer? Layer { get; }

        /// <summary>
        /// Enters a member with <paramref name="rule"/>: the member's decay attribute replaces the one in force, except
        /// that nothing replaces an enclosing <c>[NoDecay]</c>; its <c>[LearningRate]</c> scale multiplies the one in force.
        /// </summary>
        public DecayContext With(DecayRule rule)
        {
            if (rule is null)
            {
                throw new ArgumentNullException(nameof(rule));
            }

            if (rule.IsEmpty)
            {
                return this;
            }

            var decay = Rule.Kind == DecayRuleKind.NoDecay || rule.Kind == DecayRuleKind.Default ? Rule : rule;
            var (scale, source) = rule.LearningRateSource is null
                ? (LearningRateScale, LearningRateSource)
                : (LearningRateScale * rule.LearningRateScale, LearningRateSource is null ? rule.LearningRateSource : LearningRateSource + " × " + rule.LearningRateSource);
            return new DecayContext(decay, LayerRole, LayerRoleSource, scale, source, Layer);
        }

        /// <summary>Enters a member marked <c>[Decay(scale, IncludeBiases = …)]</c>; <paramref name="member"/> is <c>Type.member</c>.</summary>
        public DecayContext WithDecay(double scale, bool includeBiases, string member) => With(DecayRule.Decay(scale, includeBiases, member));

        /// <summary>Enters a member marked <c>[NoDecay]</c>; <paramref name="member"/> is <c>Type.member</c>.</summary>
        public DecayContext WithNoDecay(string member) => With(DecayRule.NoDecay(member));

        /// <summary>Enters a member marked <c>[LearningRate(scale)]</c>; <paramref name="member"/> is <c>Type.member</c>.</summary>
        public DecayContext WithLearningRate(double scale, string member) => With(DecayRule.LearningRate(scale, member));

        /// <summary>
        /// Enters item <paramref name="index"/> of the <c>ModuleList</c>/<c>Sequential</c> at <paramref name="stack"/>
        /// (its path, e.g. <c>blocks</c>), which has <paramref name="count"/> items; inside an item of an outer one,
        /// nothing changes (the outermost decides).
        /// </summary>
        public DecayContext EnterLayer(string stack, int index, int count)
        {
            if (stack is null)
            {
                throw new ArgumentNullException(nameof(stack));
            }

            return Layer is not null ? this : new DecayContext(Rule, LayerRole, LayerRoleSource, LearningRateScale, LearningRateSource, new DecayLayer(stack, index, count));
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

            return new DecayContext(Rule, attribute.Role, TypeNames.Display(moduleType), LearningRateScale, LearningRateSource, Layer);
        }
    }
}

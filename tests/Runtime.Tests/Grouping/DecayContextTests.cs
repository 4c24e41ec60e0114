using TorchSharp.Modules;
using Xunit;

namespace WdGen.Runtime.Tests.Grouping
{
    public class DecayContextTests
    {
        [LayerRole(ParameterRole.Norm)]
        private sealed class RMSNorm
        {
        }

        private sealed class DerivedNorm : RMSNormBase
        {
        }

        [LayerRole(ParameterRole.Norm)]
        private class RMSNormBase
        {
        }

        [LayerRole(ParameterRole.Embedding)]
        private sealed class Table
        {
        }

        [Fact]
        public void Outer_NoDecay_covers_inner_Decay()
        {
            var context = DecayContext.Root.WithNoDecay("Gpt.probe").WithDecay(2, true, "Block.fc");

            Assert.Equal(DecayRuleKind.NoDecay, context.Rule.Kind);
            Assert.Equal("[NoDecay] on Gpt.probe", context.Rule.Source);
        }

        [Fact]
        public void Nearest_Decay_wins()
        {
            var context = DecayContext.Root.WithDecay(0.5, false, "Gpt.head").WithDecay(2, true, "Head.fc");

            Assert.Equal(2, context.Rule.Scale);
            Assert.True(context.Rule.IncludeBiases);
            Assert.Equal("[Decay(2, IncludeBiases = true)] on Head.fc", context.Rule.Source);
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(-1.0)]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        public void A_decay_scale_that_is_not_positive_and_finite_is_refused_naming_the_member(double scale)
            => Assert.Contains("Gpt.head", Assert.Throws<System.ArgumentOutOfRangeException>(() => DecayRule.Decay(scale, false, "Gpt.head")).Message);

        [Fact]
        public void A_member_without_attribute_keeps_the_rule_in_force()
        {
            var outer = DecayContext.Root.WithDecay(0.5, false, "Gpt.head");

            Assert.Same(outer, outer.With(DecayRule.Default));
        }

        [Fact]
        public void LayerRole_forces_the_role_of_everything_inside_and_the_outermost_wins()
        {
            var context = DecayContext.Root.EnterModule(typeof(RMSNorm)).EnterModule(typeof(Table));

            var (role, reason) = ParameterClassifier.Classify(typeof(Linear), "weight", context);

            Assert.Equal(ParameterRole.Norm, role);
            Assert.Equal("Linear.weight: RMSNorm has [LayerRole(Norm)]", reason);
        }

        [Fact]
        public void LayerRole_is_inherited_by_subclasses()
            => Assert.Equal(ParameterRole.Norm, DecayContext.Root.EnterModule(typeof(DerivedNorm)).LayerRole);

        [Fact]
        public void Types_without_LayerRole_leave_the_context_alone()
            => Assert.Same(DecayContext.Root, DecayContext.Root.EnterModule(typeof(Linear)));

        [Theory]
        [InlineData(typeof(Linear), "weight", ParameterRole.Weight)]
        [InlineData(typeof(Linear), "bias", ParameterRole.Bias)]
        [InlineData(typeof(LayerNorm), "weight", ParameterRole.Norm)]
        [InlineData(typeof(LayerNorm), "bias", ParameterRole.Norm)]
        [InlineData(typeof(Embedding), "weight", ParameterRole.Embedding)]
        [InlineData(typeof(MultiheadAttention), "in_proj_weight", ParameterRole.Weight)]
        [InlineData(typeof(MultiheadAttention), "in_proj_bias", ParameterRole.Bias)]
        [InlineData(typeof(MultiheadAttention), "bias_k", ParameterRole.Bias)]
        [InlineData(typeof(MultiheadAttention), "bias_v", ParameterRole.Bias)]
        [InlineData(typeof(ModuleList<int>), "anything", ParameterRole.Other)]
        [InlineData(typeof(DecayContextTests), "temperature", ParameterRole.Other)]
        public void Roles_come_from_the_owner_type(System.Type owner, string parameter, ParameterRole expected)
            => Assert.Equal(expected, ParameterClassifier.Classify(owner, parameter, DecayContext.Root).Role);
    }
}

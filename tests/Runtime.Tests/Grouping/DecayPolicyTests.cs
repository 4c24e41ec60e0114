using Xunit;

namespace WdGen.Runtime.Tests.Grouping
{
    public class DecayPolicyTests
    {
        [Theory]
        [InlineData(ParameterRole.Weight, true)]
        [InlineData(ParameterRole.Bias, false)]
        [InlineData(ParameterRole.Norm, false)]
        [InlineData(ParameterRole.Embedding, false)]
        [InlineData(ParameterRole.Other, false)]
        public void Default_rule_decays_only_weights(ParameterRole role, bool decays)
        {
            var decision = DecayPolicy.Decide(role, "x.y is a thing", DecayRuleKind.Default, 1.0, false, null);

            Assert.Equal(decays, decision.Decays);
            Assert.Equal(decays ? 1.0 : 0.0, decision.Scale);
            Assert.StartsWith("x.y is a thing", decision.Reason);
        }

        [Theory]
        [InlineData(ParameterRole.Weight)]
        [InlineData(ParameterRole.Norm)]
        [InlineData(ParameterRole.Embedding)]
        [InlineData(ParameterRole.Other)]
        public void Decay_attribute_decays_every_role_but_bias_at_its_scale(ParameterRole role)
        {
            var decision = DecayPolicy.Decide(role, "r", DecayRuleKind.Decay, 0.5, false, "[Decay(0.5)] on M.f");

            Assert.True(decision.Decays);
            Assert.Equal(0.5, decision.Scale);
            Assert.Contains("[Decay(0.5)] on M.f", decision.Reason);
        }

        [Fact]
        public void Decay_attribute_leaves_biases_out_unless_included()
        {
            var excluded = DecayPolicy.Decide(ParameterRole.Bias, "Linear.bias is a bias", DecayRuleKind.Decay, 2, false, "[Decay(2)] on M.f");
            var included = DecayPolicy.Decide(ParameterRole.Bias, "Linear.bias is a bias", DecayRuleKind.Decay, 2, true, "[Decay(2, IncludeBiases = true)] on M.f");

            Assert.False(excluded.Decays);
            Assert.Contains("IncludeBiases = false", excluded.Reason);
            Assert.True(included.Decays);
            Assert.Equal(2, included.Scale);
        }

        [Fact]
        public void NoDecay_attribute_wins_over_weight_role()
        {
            var decision = DecayPolicy.Decide(ParameterRole.Weight, "Linear.weight is a matmul/conv weight", DecayRuleKind.NoDecay, 1, false, "[NoDecay] on M.probe");

            Assert.False(decision.Decays);
            Assert.Equal("[NoDecay] on M.probe", decision.Reason);
        }

        [Theory]
        [InlineData(1.0, false, "[Decay]")]
        [InlineData(0.5, false, "[Decay(0.5)]")]
        [InlineData(1.0, true, "[Decay(IncludeBiases = true)]")]
        [InlineData(0.25, true, "[Decay(0.25, IncludeBiases = true)]")]
        public void Attributes_are_described_as_written(double scale, bool includeBiases, string expected)
            => Assert.Equal(expected, DecayPolicy.DescribeDecayAttribute(scale, includeBiases));
    }
}

using System;
using System.Linq;
using TorchSharp.Modules;
using Xunit;
using static WdGen.Runtime.Tests.Grouping.FakeParameterExtensions;

namespace WdGen.Runtime.Tests.Grouping
{
    /// <summary>[LearningRate] scales through the walk's context into entries and groups, and the rules on groups.</summary>
    public class LearningRateScaleTests
    {
        private static DecayGroupsBuilder<FakeParameter> Builder() => new("Model", FakeInspector.Instance);

        [Fact]
        public void Nested_LearningRate_scales_multiply_and_leave_the_decay_attribute_alone()
        {
            var context = DecayContext.Root.WithLearningRate(0.1, "Net.backbone").WithNoDecay("Backbone.norm").WithLearningRate(0.5, "Backbone.stem");

            Assert.Equal(0.05, context.LearningRateScale, 15);
            Assert.Equal(DecayRuleKind.NoDecay, context.Rule.Kind);
            Assert.Equal("[LearningRate(0.1)] on Net.backbone × [LearningRate(0.5)] on Backbone.stem", context.LearningRateSource);
        }

        [Fact]
        public void A_rule_with_both_attributes_sets_decay_and_learning_rate()
        {
            var rule = DecayRule.Decay(0.5, false, "Net.head").WithLearningRate(2, "Net.head");
            var context = DecayContext.Root.With(rule);

            Assert.Equal(DecayRuleKind.Decay, context.Rule.Kind);
            Assert.Equal(0.5, context.Rule.Scale);
            Assert.Equal(2.0, context.LearningRateScale);
            Assert.Equal("[Decay(0.5)] on Net.head; [LearningRate(2)] on Net.head", rule.ToString());
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(-1.0)]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        public void A_LearningRate_scale_that_is_not_positive_and_finite_is_refused_by_member(double scale)
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => DecayRule.LearningRate(scale, "Net.backbone"));
            Assert.Contains("learning-rate scale of Net.backbone must be positive and finite", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Groups_split_by_decay_scale_and_learning_rate_scale_in_first_appearance_order()
        {
            var p = Enumerable.Range(0, 6).Select(_ => FakeParameter.New(2)).ToArray();
            var slow = DecayContext.Root.WithLearningRate(0.1, "M.backbone");
            var builder = Builder();
            builder.Add("backbone.weight", p[0], typeof(Linear), "weight", slow);
            builder.Add("backbone.bias", p[1], typeof(Linear), "bias", slow);
            builder.Add("head.weight", p[2], typeof(Linear), "weight", DecayContext.Root);
            builder.Add("head.bias", p[3], typeof(Linear), "bias", DecayContext.Root);
            builder.Add("extra.weight", p[4], typeof(Linear), "weight", slow);
            builder.Add("scaled.weight", p[5], typeof(Linear), "weight", slow.WithDecay(0.5, false, "M.scaled"));

            var groups = builder.Build(Registered(
                ("backbone.weight", p[0]), ("backbone.bias", p[1]), ("head.weight", p[2]), ("head.bias", p[3]), ("extra.weight", p[4]), ("scaled.weight", p[5])));

            Assert.Equal(new[] { (1.0, 0.1), (1.0, 1.0), (0.5, 0.1), (0.0, 0.1), (0.0, 1.0) }, groups.ScaledGroups.Select(g => (g.Scale, g.LearningRateScale)));
            Assert.Equal(new[] { p[0], p[4] }, groups.ScaledGroups[0].Parameters);
            Assert.Equal(new[] { p[1] }, groups.ScaledGroups[3].Parameters);
            Assert.Equal(1.0, groups.ScaledGroups[0].LearningRateFor(3e-4) / 3e-5, 12);
            Assert.Equal(3e-4, groups.ScaledGroups[1].LearningRateFor(3e-4));
            Assert.Equal(0.1, groups["backbone.bias"].LearningRateScale);
            Assert.Equal("[LearningRate(0.1)] on M.backbone", groups["backbone.bias"].LearningRateReason);
            Assert.Null(groups["head.bias"].LearningRateReason);
            Assert.Matches(@"decay\s+lr\s+elements", groups.ToString());
            Assert.Contains("; lr: [LearningRate(0.1)] on M.backbone", groups.ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void Without_scales_the_groups_fingerprint_and_table_are_as_before()
        {
            var (groups, _) = Stack(DecayContext.Root);

            Assert.All(groups.ScaledGroups, g => Assert.Equal(1.0, g.LearningRateScale));
            Assert.DoesNotMatch(@"decay\s+lr\s+elements", groups.ToString());

            // The fingerprint's text format without learning-rate scales is unchanged, so saved state files still load.
            var single = Builder();
            var w = FakeParameter.New(3);
            single.Add("fc.weight", w, typeof(Linear), "weight", DecayContext.Root);
            var fingerprint = single.Build(Registered(("fc.weight", w))).Fingerprint;
            var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("fc.weight\t3\tWeight\t1\n"))).ToLowerInvariant();
            Assert.Equal(expected, fingerprint);
        }

        [Fact]
        public void A_learning_rate_scale_changes_the_fingerprint_as_a_decay_scale_does()
        {
            var (plain, _) = Stack(DecayContext.Root);
            var (scaled, _) = Stack(DecayContext.Root.WithLearningRate(0.5, "M.all"));
            var (decayed, _) = Stack(DecayContext.Root.WithDecay(0.5, false, "M.all"));

            Assert.NotEqual(plain.Fingerprint, scaled.Fingerprint);
            Assert.NotEqual(plain.Fingerprint, decayed.Fingerprint);
            Assert.NotEqual(plain.Fingerprint, plain.ScaleLearningRate(e => e.Name.StartsWith("emb", StringComparison.Ordinal) ? 0.5 : 1).Fingerprint);
            Assert.Equal(plain.Fingerprint, plain.ScaleLearningRate(_ => 1).Fingerprint);
            Assert.Equal(scaled.Fingerprint, plain.ScaleLearningRate(_ => 0.5).Fingerprint);
        }

        [Fact]
        public void ScaleLearningRate_returns_new_groups_and_multiplies_attribute_scales()
        {
            var (groups, _) = Stack(DecayContext.Root.WithLearningRate(0.5, "M.all"));

            var scaled = groups.ScaleLearningRate(e => e.Role == ParameterRole.Embedding ? 0.2 : 1.0);

            Assert.NotSame(groups, scaled);
            Assert.All(groups.Entries, e => Assert.Equal(0.5, e.LearningRateScale));
            Assert.Equal(0.1, scaled["emb.weight"].LearningRateScale, 15);
            Assert.Equal(0.5, scaled["head.weight"].LearningRateScale);
            Assert.Equal("[LearningRate(0.5)] on M.all × ×0.2 (ScaleLearningRate)", scaled["emb.weight"].LearningRateReason);
            Assert.Equal(groups.Entries.Select(e => e.Name), scaled.Entries.Select(e => e.Name));
            Assert.Equal(groups.Frozen, scaled.Frozen);
        }

        [Fact]
        public void ScaleLearningRate_refuses_a_factor_that_is_not_positive_naming_the_parameter()
        {
            var (groups, _) = Stack(DecayContext.Root);

            var error = Assert.Throws<ArgumentOutOfRangeException>(() => groups.ScaleLearningRate(e => e.Name == "head.weight" ? 0 : 1));
            Assert.Contains("'head.weight'", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void WithLayerwiseDecay_numbers_embeddings_0_layers_1_to_n_and_the_head_n_plus_1()
        {
            var (groups, _) = Stack(DecayContext.Root);

            var layered = groups.WithLayerwiseDecay(0.5);

            // Three items, so depth 4: lr × 0.5^(4 − layer).
            Assert.Equal(0.0625, layered["emb.weight"].LearningRateScale);
            Assert.Equal(0.125, layered["blocks.0.weight"].LearningRateScale);
            Assert.Equal(0.125, layered["blocks.0.bias"].LearningRateScale);
            Assert.Equal(0.25, layered["blocks.1.weight"].LearningRateScale);
            Assert.Equal(0.5, layered["blocks.2.weight"].LearningRateScale);
            Assert.Equal(1.0, layered["norm.weight"].LearningRateScale);
            Assert.Equal(1.0, layered["head.weight"].LearningRateScale);
            Assert.Equal("layer-wise decay: layer 2 of 0…4 (blocks.1), 0.5^2 = 0.25", layered["blocks.1.weight"].LearningRateReason);
            Assert.Equal(new DecayLayer("blocks", 1, 3), layered["blocks.1.weight"].Layer);
        }

        [Fact]
        public void WithLayerwiseDecay_counts_items_without_trainable_parameters()
        {
            // blocks.2 is frozen (or a ReLU): still one of the 3 layers, so the depth stays 4.
            var (groups, _) = Stack(DecayContext.Root, frozenLast: true);

            var layered = groups.WithLayerwiseDecay(0.5);

            Assert.Null(layered.Find("blocks.2.weight"));
            Assert.Equal(0.0625, layered["emb.weight"].LearningRateScale);
            Assert.Equal(1.0, layered["head.weight"].LearningRateScale);
        }

        [Fact]
        public void WithLayerwiseDecay_asks_which_stack_when_there_are_several_and_refuses_a_model_without_one()
        {
            var e = FakeParameter.New(4);
            var a = FakeParameter.New(4);
            var b = FakeParameter.New(4);
            var builder = Builder();
            builder.Add("emb.weight", e, typeof(Embedding), "weight", DecayContext.Root);
            builder.Add("blocks.0.weight", a, typeof(Linear), "weight", DecayContext.Root.EnterLayer("blocks", 0, 1));
            builder.Add("head.0.weight", b, typeof(Linear), "weight", DecayContext.Root.EnterLayer("head", 0, 2));
            var groups = builder.Build(Registered(("emb.weight", e), ("blocks.0.weight", a), ("head.0.weight", b)));

            var error = Assert.Throws<ArgumentException>(() => groups.WithLayerwiseDecay(0.5));
            Assert.Contains("several layer stacks ('blocks', 'head')", error.Message, StringComparison.Ordinal);
            Assert.Contains("layers: \"blocks\"", error.Message, StringComparison.Ordinal);

            var layered = groups.WithLayerwiseDecay(0.5, layers: "blocks");
            Assert.Equal(0.25, layered["emb.weight"].LearningRateScale);
            Assert.Equal(0.5, layered["blocks.0.weight"].LearningRateScale);
            Assert.Equal(1.0, layered["head.0.weight"].LearningRateScale);

            Assert.Throws<ArgumentException>(() => groups.WithLayerwiseDecay(0.5, layers: "body"));
            Assert.Throws<ArgumentOutOfRangeException>(() => groups.WithLayerwiseDecay(0));

            var flat = Builder();
            flat.Add("emb.weight", e, typeof(Embedding), "weight", DecayContext.Root);
            var none = Assert.Throws<ArgumentException>(() => flat.Build(Registered(("emb.weight", e))).WithLayerwiseDecay(0.5));
            Assert.Contains("no ModuleList or Sequential", none.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void The_outermost_stack_numbers_the_layers()
        {
            var context = DecayContext.Root.EnterLayer("blocks", 2, 4).EnterLayer("blocks.2.mlp", 1, 3);

            Assert.Equal(new DecayLayer("blocks", 2, 4), context.Layer);
        }

        [Fact]
        public void Tied_paths_that_disagree_on_the_learning_rate_are_refused()
        {
            var embedding = FakeParameter.New(12);
            var head = embedding.Tie();
            var builder = Builder();
            builder.Add("wte.weight", embedding, typeof(Embedding), "weight", DecayContext.Root);
            builder.Add("lm_head.weight", head, typeof(Embedding), "weight", DecayContext.Root.WithLearningRate(0.1, "M.lm_head"));

            var error = Assert.Throws<DecayGroupsException>(() => builder.Build(Registered(("wte.weight", embedding), ("lm_head.weight", head))));
            Assert.Contains("disagree on the learning rate", error.Message, StringComparison.Ordinal);
            Assert.Contains("[LearningRate(0.1)] on M.lm_head", error.Message, StringComparison.Ordinal);
        }

        /// <summary>emb, blocks.0–2 (a stack of 3, each a Linear), norm, head.</summary>
        private static (DecayGroups<FakeParameter> Groups, FakeParameter[] Parameters) Stack(DecayContext context, bool frozenLast = false)
        {
            var builder = Builder();
            var registered = Registered();
            var parameters = new System.Collections.Generic.List<FakeParameter>();
            void Add(string name, Type owner, string local, DecayContext at)
            {
                var parameter = FakeParameter.New(4);
                parameter.RequiresGrad = !(frozenLast && name.StartsWith("blocks.2", StringComparison.Ordinal));
                builder.Add(name, parameter, owner, local, at);
                registered.Add((name, parameter));
                parameters.Add(parameter);
            }

            Add("emb.weight", typeof(Embedding), "weight", context);
            for (var i = 0; i < 3; i++)
            {
                Add("blocks." + i + ".weight", typeof(Linear), "weight", context.EnterLayer("blocks", i, 3));
                Add("blocks." + i + ".bias", typeof(Linear), "bias", context.EnterLayer("blocks", i, 3));
            }

            Add("norm.weight", typeof(LayerNorm), "weight", context);
            Add("head.weight", typeof(Linear), "weight", context);
            return (builder.Build(registered), parameters.ToArray());
        }
    }
}

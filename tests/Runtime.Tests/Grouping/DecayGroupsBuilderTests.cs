using System;
using System.Linq;
using TorchSharp.Modules;
using Xunit;
using static WdGen.Runtime.Tests.Grouping.FakeParameterExtensions;

namespace WdGen.Runtime.Tests.Grouping
{
    public class DecayGroupsBuilderTests
    {
        private static DecayGroupsBuilder<FakeParameter> Builder(bool includeFrozen = false) => new("Model", FakeInspector.Instance, includeFrozen);

        [Fact]
        public void Entries_keep_walk_order_and_split_by_role()
        {
            var w = FakeParameter.New(6);
            var b = FakeParameter.New(2);
            var g = FakeParameter.New(2);
            var e = FakeParameter.New(10);
            var builder = Builder();
            builder.Add("emb.weight", e, typeof(Embedding), "weight", DecayContext.Root);
            builder.Add("fc.weight", w, typeof(Linear), "weight", DecayContext.Root);
            builder.Add("fc.bias", b, typeof(Linear), "bias", DecayContext.Root);
            builder.Add("ln.weight", g, typeof(LayerNorm), "weight", DecayContext.Root);

            // TorchSharp's own order may differ: validation compares sets, the walk decides the order.
            var groups = builder.Build(Registered(("fc.weight", w), ("fc.bias", b), ("ln.weight", g), ("emb.weight", e)));

            Assert.Equal(new[] { "emb.weight", "fc.weight", "fc.bias", "ln.weight" }, groups.Entries.Select(x => x.Name));
            Assert.Equal(new[] { "fc.weight" }, groups.Decay.Select(x => x.Name));
            Assert.Equal(new[] { "emb.weight", "fc.bias", "ln.weight" }, groups.NoDecay.Select(x => x.Name));
            Assert.Equal(new[] { ParameterRole.Embedding, ParameterRole.Weight, ParameterRole.Bias, ParameterRole.Norm }, groups.Entries.Select(x => x.Role));
            Assert.Equal("Linear.bias is a bias: biases never decay by default", groups["fc.bias"].Reason);
            Assert.Equal(6, groups["fc.weight"].ElementCount);
        }

        [Fact]
        public void Scaled_groups_follow_first_appearance_then_no_decay()
        {
            var a = FakeParameter.New(1);
            var b = FakeParameter.New(1);
            var c = FakeParameter.New(1);
            var d = FakeParameter.New(1);
            var builder = Builder();
            builder.Add("a.weight", a, typeof(Linear), "weight", DecayContext.Root.WithDecay(0.5, false, "M.a"));
            builder.Add("b.weight", b, typeof(Linear), "weight", DecayContext.Root);
            builder.Add("b.bias", c, typeof(Linear), "bias", DecayContext.Root);
            builder.Add("c.weight", d, typeof(Linear), "weight", DecayContext.Root.WithDecay(0.5, false, "M.c"));

            var groups = builder.Build(Registered(("a.weight", a), ("b.weight", b), ("b.bias", c), ("c.weight", d)));

            Assert.Equal(new[] { 0.5, 1.0, 0.0 }, groups.ScaledGroups.Select(g => g.Scale));
            Assert.Equal(new[] { a, d }, groups.ScaledGroups[0].Parameters);
            Assert.Equal(0.05, groups.ScaledGroups[0].WeightDecayFor(0.1), 12);
            Assert.Equal(0.0, groups.ScaledGroups[2].WeightDecayFor(0.1));
        }

        [Fact]
        public void Tied_tensor_appears_once_under_its_first_path_with_the_other_as_alias()
        {
            var embedding = FakeParameter.New(12);
            var head = embedding.Tie();
            var builder = Builder();
            builder.Add("wte.weight", embedding, typeof(Embedding), "weight", DecayContext.Root);
            builder.Add("lm_head.weight", head, typeof(Linear), "weight", DecayContext.Root.WithNoDecay("M.lm_head"));

            var groups = builder.Build(Registered(("wte.weight", embedding), ("lm_head.weight", head)));

            var entry = Assert.Single(groups.Entries);
            Assert.Equal("wte.weight", entry.Name);
            Assert.Same(embedding, entry.Parameter);
            Assert.Equal(new[] { "lm_head.weight" }, entry.Aliases);
            Assert.Equal(new DecayAlias("lm_head.weight", "wte.weight"), Assert.Single(groups.Aliases));
            Assert.Same(entry, groups["lm_head.weight"]);
        }

        [Fact]
        public void Tied_tensor_whose_paths_disagree_names_both_paths_and_the_fix()
        {
            var embedding = FakeParameter.New(12);
            var head = embedding.Tie();
            var builder = Builder();
            builder.Add("wte.weight", embedding, typeof(Embedding), "weight", DecayContext.Root);
            builder.Add("lm_head.weight", head, typeof(Linear), "weight", DecayContext.Root);

            var error = Assert.Throws<DecayGroupsException>(() => builder.Build(Registered(("wte.weight", embedding), ("lm_head.weight", head))));

            var problem = Assert.Single(error.Problems);
            Assert.Contains("'wte.weight' and 'lm_head.weight' are one tensor", problem);
            Assert.Contains("[NoDecay] on the member that holds 'lm_head.weight'", problem);
            Assert.Contains("[Decay] on the member that holds 'wte.weight'", problem);
        }

        [Fact]
        public void Registered_parameter_the_walk_missed_is_named()
        {
            var w = FakeParameter.New(4);
            var hidden = FakeParameter.New(4);
            var builder = Builder();
            builder.Add("fc.weight", w, typeof(Linear), "weight", DecayContext.Root);

            var error = Assert.Throws<DecayGroupsException>(() => builder.Build(Registered(("fc.weight", w), ("layers.0.weight", hidden))));

            Assert.Contains("'layers.0.weight' is registered by TorchSharp but the generated walk did not reach it", Assert.Single(error.Problems));
            Assert.StartsWith("WdGen could not build the decay groups of Model (1 problem):", error.Message);
        }

        [Fact]
        public void Walked_parameter_TorchSharp_never_registered_is_named_with_the_fix()
        {
            var w = FakeParameter.New(4);
            var late = FakeParameter.New(4);
            var builder = Builder();
            builder.Add("fc.weight", w, typeof(Linear), "weight", DecayContext.Root);
            builder.Add("late.weight", late, typeof(Linear), "weight", DecayContext.Root);

            var error = Assert.Throws<DecayGroupsException>(() => builder.Build(Registered(("fc.weight", w))));

            var problem = Assert.Single(error.Problems);
            Assert.Contains("'late.weight'", problem);
            Assert.Contains("RegisterComponents()", problem);
        }

        [Fact]
        public void Walk_name_that_differs_from_the_registered_name_is_an_error()
        {
            var w = FakeParameter.New(4);
            var builder = Builder();
            builder.Add("head.weight", w, typeof(Linear), "weight", DecayContext.Root);

            var error = Assert.Throws<DecayGroupsException>(() => builder.Build(Registered(("output.weight", w))));

            Assert.Contains("'head.weight' is registered by TorchSharp as 'output.weight'", Assert.Single(error.Problems));
        }

        [Fact]
        public void Every_problem_is_reported_at_once()
        {
            var a = FakeParameter.New(1);
            var b = FakeParameter.New(1);
            var c = FakeParameter.New(1);
            var builder = Builder();
            builder.Add("a.weight", a, typeof(Linear), "weight", DecayContext.Root);

            var error = Assert.Throws<DecayGroupsException>(() => builder.Build(Registered(("b.weight", b), ("c.weight", c), ("a.weight", a))));

            Assert.Equal(2, error.Problems.Count);
        }

        [Fact]
        public void Frozen_parameters_are_left_out_by_default_and_kept_on_request()
        {
            var w = FakeParameter.New(4);
            var frozen = new FakeParameter(new FakeStorage(4), requiresGrad: false);
            void Walk(DecayGroupsBuilder<FakeParameter> b)
            {
                b.Add("fc.weight", w, typeof(Linear), "weight", DecayContext.Root);
                b.Add("backbone.weight", frozen, typeof(Linear), "weight", DecayContext.Root);
            }

            var registered = Registered(("fc.weight", w), ("backbone.weight", frozen));
            var byDefault = Builder();
            Walk(byDefault);
            var including = Builder(includeFrozen: true);
            Walk(including);

            var left = byDefault.Build(registered);
            var kept = including.Build(registered);

            Assert.Equal(new[] { "fc.weight" }, left.Entries.Select(e => e.Name));
            Assert.Equal(new[] { "backbone.weight" }, left.Frozen);
            Assert.Equal(new[] { "fc.weight", "backbone.weight" }, kept.Entries.Select(e => e.Name));
        }

        [Fact]
        public void Empty_tensors_are_told_apart_by_wrapper()
        {
            var a = FakeParameter.New(0);
            var b = FakeParameter.New(0);
            var builder = Builder();
            builder.Add("a.weight", a, typeof(Linear), "weight", DecayContext.Root);
            builder.Add("b.weight", b, typeof(Linear), "weight", DecayContext.Root);

            var groups = builder.Build(Registered(("a.weight", a), ("b.weight", b)));

            Assert.Equal(2, groups.Entries.Count);
        }

        [Fact]
        public void Fingerprint_is_stable_and_changes_with_any_decision_name_or_size()
        {
            string Fingerprint(string name, long elements, DecayContext context)
            {
                var p = FakeParameter.New(elements);
                var builder = Builder();
                builder.Add(name, p, typeof(Linear), "weight", context);
                return builder.Build(Registered((name, p))).Fingerprint;
            }

            var baseline = Fingerprint("fc.weight", 4, DecayContext.Root);

            Assert.Equal(64, baseline.Length);
            Assert.Equal(baseline, Fingerprint("fc.weight", 4, DecayContext.Root));
            Assert.NotEqual(baseline, Fingerprint("fc2.weight", 4, DecayContext.Root));
            Assert.NotEqual(baseline, Fingerprint("fc.weight", 5, DecayContext.Root));
            Assert.NotEqual(baseline, Fingerprint("fc.weight", 4, DecayContext.Root.WithNoDecay("M.fc")));
            Assert.NotEqual(baseline, Fingerprint("fc.weight", 4, DecayContext.Root.WithDecay(0.5, false, "M.fc")));
        }

        [Fact]
        public void Table_lists_every_entry_with_role_decision_and_reason()
        {
            var w = FakeParameter.New(1536);
            var b = FakeParameter.New(2);
            var builder = Builder();
            builder.Add("fc.weight", w, typeof(Linear), "weight", DecayContext.Root);
            builder.Add("fc.bias", b, typeof(Linear), "bias", DecayContext.Root);

            var table = builder.Build(Registered(("fc.weight", w), ("fc.bias", b))).ToString();
            var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);

            Assert.StartsWith("Decay groups of Model: 1 decay (1,536 elements), 1 no decay (2 elements); fingerprint ", lines[0]);
            Assert.Matches(@"^parameter\s+role\s+decay\s+elements\s+reason$", lines[1]);
            Assert.Matches(@"^fc\.weight\s+Weight\s+×1\s+1,536\s+Linear\.weight is a matmul/conv weight: decays by default$", lines[3]);
            Assert.Matches(@"^fc\.bias\s+Bias\s+no\s+2\s+Linear\.bias is a bias", lines[4]);
            Assert.DoesNotContain(lines, l => l.EndsWith(' '));
        }

        [Fact]
        public void Owners_known_only_by_metadata_name_are_classified_by_the_same_table()
        {
            var w = FakeParameter.New(4);
            var g = FakeParameter.New(2);
            var r = FakeParameter.New(1);
            var builder = Builder();
            builder.Add("fc.weight", w, "TorchSharp.Modules.Linear", "weight", DecayContext.Root);
            builder.Add("blocks.0.ln.weight", g, "TorchSharp.Modules.LayerNorm", "weight", DecayContext.Root);
            builder.Add("scale", r, "My.Custom`1", "scale", DecayContext.Root);

            var groups = builder.Build(Registered(("fc.weight", w), ("blocks.0.ln.weight", g), ("scale", r)));

            Assert.Equal(new[] { ParameterRole.Weight, ParameterRole.Norm, ParameterRole.Other }, groups.Entries.Select(e => e.Role));
            Assert.Equal("Custom.scale is a raw parameter (no layer rule): no decay unless a WdGen attribute says so", groups["scale"].Reason);
        }

        [Fact]
        public void Unknown_index_throws_with_the_model_and_name()
        {
            var w = FakeParameter.New(1);
            var builder = Builder();
            builder.Add("fc.weight", w, typeof(Linear), "weight", DecayContext.Root);
            var groups = builder.Build(Registered(("fc.weight", w)));

            var error = Assert.Throws<System.Collections.Generic.KeyNotFoundException>(() => groups["nope"]);
            Assert.Contains("'nope'", error.Message);
        }
    }
}

using WdGen.CodeFixes;
using Xunit;
using static WdGen.Analyzers.Tests.Infrastructure.AnalyzerHarness;
using static WdGen.Analyzers.Tests.Infrastructure.Sources;

namespace WdGen.Analyzers.Tests
{
    /// <summary>WDG002 (non-decay parameters that decay), WDG005 (L2 decay), WDG011 (tied parameters), WDG012 (AdamW's default weight decay).</summary>
    public sealed class WeightDecayTests
    {
        [Fact]
        public void Seed_model_parameters_with_weight_decay_are_flagged_for_every_optimizer_and_form()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Net model, double wd)
                    {
                        var ps = model.parameters();
                        torch.optim.SGD([|model.parameters()|], 1e-3, weight_decay: 1e-4);
                        torch.optim.Adam([|model.parameters()|], lr: 1e-3, weight_decay: 1e-4);
                        torch.optim.AdamW([|model.named_parameters()|], 1e-3, 0.9, 0.999, 1e-8, wd);
                        new AdamW([|ps|], weight_decay: 0.01);
                        torch.optim.AdamW([|model.parameters().ToArray()|], weight_decay: 0.01);
                    }
                }
                """, Net), "WDG002", only: new[] { "WDG002" });
        }

        [Fact]
        public void No_weight_decay_weights_only_models_filters_and_generated_groups_are_not_flagged()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Net model, WeightsOnly plain, GroupedNet grouped)
                    {
                        torch.optim.AdamW(model.parameters());
                        torch.optim.AdamW(model.parameters(), weight_decay: 0);
                        torch.optim.SGD(model.parameters(), 0.1);
                        torch.optim.AdamW(plain.parameters(), weight_decay: 0.1);
                        torch.optim.AdamW(model.parameters().Where(p => p.dim() >= 2).ToArray(), weight_decay: 0.1);
                        grouped.GetDecayGroups().ToAdamW(1e-3, 0.1);
                        torch.optim.AdamW(new[] { new AdamW.ParamGroup([model.fc1.weight], new AdamW.Options()), new AdamW.ParamGroup([model.fc1.bias, model.norm.weight, model.norm.bias], new AdamW.Options { weight_decay = 0 }) }, weight_decay: 0.1);
                    }
                }
                """, Net, WeightsOnly, GroupedNet), only: new[] { "WDG002" });
        }

        [Fact]
        public void Biases_norms_and_embeddings_listed_in_decaying_groups_are_flagged()
        {
            Verify(With("""
                public sealed class Lm : nn.Module<Tensor, Tensor>
                {
                    public readonly Embedding emb = nn.Embedding(10, 4);
                    public readonly Linear fc = nn.Linear(4, 4);
                    public readonly LayerNorm norm = nn.LayerNorm(4);
                    public Lm() : base("Lm") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }

                public static class Train
                {
                    public static void Run(Lm m)
                    {
                        var decay = new List<Parameter>();
                        foreach (var module in m.modules())
                        {
                            if (module is Linear lin) { decay.Add(lin.weight); decay.Add({|WDG002:lin.bias|}); }
                        }

                        torch.optim.AdamW(new[]
                        {
                            new AdamW.ParamGroup(decay, new AdamW.Options()),
                            new AdamW.ParamGroup([{|WDG002:m.norm.weight|}, {|WDG002:m.emb.weight|}], new AdamW.Options { weight_decay = 0.05 }),
                        }, weight_decay: 0.1);
                        torch.optim.SGD(new List<Parameter> { m.fc.weight, {|WDG002:m.fc.bias|} }, 0.1, weight_decay: 0.1);
                    }
                }
                """), only: new[] { "WDG002" });
        }

        [Fact]
        public void Decay_attribute_on_norms_embeddings_or_with_biases_is_flagged()
        {
            Verify(With("""
                public sealed partial class M : nn.Module<Tensor, Tensor>
                {
                    {|WDG002:[Decay]|} private readonly LayerNorm norm = nn.LayerNorm(4);
                    {|WDG002:[Decay(0.5)]|} private readonly Embedding emb = nn.Embedding(10, 4);
                    [{|WDG002:Decay(IncludeBiases = true)|}] private readonly Linear a = nn.Linear(4, 4);
                    [Decay(0.5)] private readonly Linear b = nn.Linear(4, 4);
                    [NoDecay] private readonly LayerNorm n2 = nn.LayerNorm(4);
                    public M() : base("M") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }
                """.Replace("{|WDG002:[Decay]|}", "[{|WDG002:Decay|}]").Replace("{|WDG002:[Decay(0.5)]|}", "[{|WDG002:Decay(0.5)|}]")), only: new[] { "WDG002" });
        }

        [Fact]
        public void Fix_switches_to_generated_groups_and_marks_the_model()
        {
            var fixedSources = VerifyFix(new[]
            {
                Usings + Net,
                """
                using TorchSharp;

                public static class Train
                {
                    public static object Run(Net model) => torch.optim.AdamW(model.parameters(), 3e-4, weight_decay: 0.1, amsgrad: true);
                }
                """,
            }, "WDG002", new UseGeneratedGroupsCodeFix());
            Assert.Contains("[global::WdGen.DecayGroups]", fixedSources[0]);
            Assert.Contains("public sealed partial class Net", fixedSources[0]);
            Assert.Contains("model.GetDecayGroups().ToAdamW(3e-4, 0.1, amsgrad: true)", fixedSources[1]);
            Assert.Contains("using WdGen;", fixedSources[1]);
        }

        [Fact]
        public void Fix_for_sgd_uses_ToSgd()
        {
            var fixedSource = VerifyFix(With("""
                public static class Train
                {
                    public static object Run(Net model) => torch.optim.SGD(model.parameters(), 0.1, momentum: 0.9, weight_decay: 1e-4);
                }
                """, Net), "WDG002", new UseGeneratedGroupsCodeFix());
            Assert.Contains("model.GetDecayGroups().ToSgd(0.1, 1e-4, momentum: 0.9)", fixedSource);
        }

        [Fact]
        public void Adam_and_sgd_weight_decay_is_reported_as_L2()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Parameter[] ps)
                    {
                        torch.optim.Adam(ps, weight_decay: [|1e-4|]);
                        new SGD(ps, 0.1, weight_decay: [|0.01|]);
                        torch.optim.Adam(ps);
                        torch.optim.SGD(ps, 0.1, weight_decay: 0);
                        torch.optim.AdamW(ps, weight_decay: 0.01);
                    }
                }
                """), "WDG005", only: new[] { "WDG005" });
        }

        [Fact]
        public void Fix_all_switches_adam_to_adamw()
        {
            var fixedSource = VerifyFix(With("""
                public static class Train
                {
                    public static void Run(Parameter[] ps)
                    {
                        var a = torch.optim.Adam(ps, weight_decay: 1e-4);
                        var b = new Adam(ps, 1e-3, weight_decay: 1e-4);
                    }
                }
                """), "WDG005", new UseAdamWCodeFix(), fixAll: true);
            Assert.Contains("torch.optim.AdamW(ps, weight_decay: 1e-4)", fixedSource);
            Assert.Contains("new AdamW(ps, 1e-3, weight_decay: 1e-4)", fixedSource);
        }

        [Fact]
        public void Tied_model_parameters_handed_to_an_optimizer_are_flagged()
        {
            Verify(With("""
                public sealed class Wrapper : nn.Module<Tensor, Tensor>
                {
                    private readonly TiedLm lm = new TiedLm();
                    public Wrapper() : base("Wrapper") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }

                public static class Train
                {
                    public static void Run(TiedLm lm, Wrapper w, Net net)
                    {
                        torch.optim.AdamW([|lm.parameters()|]);
                        torch.optim.SGD([|w.named_parameters()|], 0.1);
                        torch.optim.AdamW(net.parameters());
                        torch.optim.AdamW(lm.parameters().Distinct().ToArray());
                    }
                }
                """, TiedLm, Net), "WDG011", only: new[] { "WDG011" });
        }

        [Theory]
        [InlineData("head.weight = tok.weight!;")]
        [InlineData("head.weight = tok.weight;")] // CS8601 under #nullable enable, but still a tie
        public void A_tie_is_found_with_or_without_the_null_forgiving_operator(string tie)
        {
            Verify(
                new[]
                {
                    With("""
                        public static class Train
                        {
                            public static void Run(TiedLm lm) => torch.optim.AdamW([|lm.parameters()|]);
                        }
                        """, TiedLm.Replace("head.weight = tok.weight!;", tie)),
                },
                "WDG011",
                only: new[] { "WDG011" },
                allowCompileErrors: true);
        }

        [Fact]
        public void Fix_for_a_tie_uses_the_generated_groups()
        {
            var fixedSource = VerifyFix(With("""
                public static class Train
                {
                    public static object Run(TiedLm lm) => torch.optim.AdamW(lm.parameters(), 1e-3);
                }
                """, TiedLm), "WDG011", new UseGeneratedGroupsCodeFix());
            Assert.Contains("lm.GetDecayGroups().ToAdamW(1e-3, 0)", fixedSource);
        }

        [Fact]
        public void Fix_all_switches_every_call_to_generated_groups_and_marks_each_model_once()
        {
            var fixedSources = VerifyFix(new[]
            {
                Usings + Net + TiedLm,
                """
                using TorchSharp;

                public static class Train
                {
                    public static void Run(Net a, Net b, TiedLm lm)
                    {
                        var x = torch.optim.AdamW(a.parameters(), 1e-3, weight_decay: 0.1);
                        var y = torch.optim.SGD(b.parameters(), 0.1, weight_decay: 1e-4);
                        var z = new TorchSharp.Modules.AdamW(lm.parameters(), 1e-3, weight_decay: 0.1);
                    }
                }
                """,
            }, "WDG002", new UseGeneratedGroupsCodeFix(), fixAll: true);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(fixedSources[0], "public sealed partial class Net"));
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(fixedSources[0], "DecayGroups\\]").Count);
            Assert.Contains("var x = a.GetDecayGroups().ToAdamW(1e-3, 0.1);", fixedSources[1]);
            Assert.Contains("var y = b.GetDecayGroups().ToSgd(0.1, 1e-4);", fixedSources[1]);
            Assert.Contains("var z = lm.GetDecayGroups().ToAdamW(1e-3, 0.1);", fixedSources[1]);
        }

        /// <summary>A model whose every bias is left out where it is built: in a field initializer, or in the constructor.</summary>
        private const string NoBiases = """
            public sealed class NoBiases : nn.Module<Tensor, Tensor>
            {
                public readonly Conv2d conv = nn.Conv2d(3, 8, 3, bias: false);
                public readonly Linear fc;
                public readonly Linear positional;
                public readonly InstanceNorm2d instanceNorm = nn.InstanceNorm2d(8);

                public NoBiases() : base("NoBiases")
                {
                    fc = nn.Linear(4, 4, hasBias: false);
                    this.positional = nn.Linear(4, 4, false);
                    RegisterComponents();
                }

                public override Tensor forward(Tensor x) => x;
            }

            """;

        [Fact]
        public void Layers_built_without_bias_do_not_count_as_biases()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(NoBiases model) => torch.optim.AdamW(model.parameters(), weight_decay: 0.1);
                }
                """, NoBiases), only: new[] { "WDG002" });
        }

        [Theory]
        [InlineData("public readonly Linear extra = nn.Linear(4, 4);", "")] // a bias by default
        [InlineData("public readonly Linear extra;", "extra = nn.Linear(4, 4, hasBias: useBias);")] // not a constant
        [InlineData("public readonly Linear extra = nn.Linear(4, 4, hasBias: false);", "extra = nn.Linear(4, 4);")] // one construction keeps it
        [InlineData("public readonly Linear extra;", "extra = Make();")] // not visible
        [InlineData("public readonly Linear extra = nn.Linear(4, 4, hasBias: false);", "extra ??= nn.Linear(4, 4);")] // not read
        [InlineData("public readonly InstanceNorm2d extra = nn.InstanceNorm2d(8, affine: true);", "")]
        [InlineData("public readonly LayerNorm extra = nn.LayerNorm(4, bias: false);", "")] // its weight is still a norm parameter
        public void Layers_that_may_have_a_bias_or_norm_parameter_still_count(string field, string construction)
        {
            var model = NoBiases
                .Replace("public readonly Linear positional;", "public readonly Linear positional;\n    " + field)
                .Replace("RegisterComponents();", construction + "\n        RegisterComponents();")
                .Replace("public NoBiases() : base(\"NoBiases\")", "public NoBiases(bool useBias = false) : base(\"NoBiases\")")
                .Replace("public override Tensor forward", "private static Linear Make() => nn.Linear(4, 4, hasBias: false);\n    public override Tensor forward");
            Verify(With("""
                public static class Train
                {
                    public static void Run(NoBiases model) => torch.optim.AdamW([|model.parameters()|], weight_decay: 0.1);
                }
                """, model), "WDG002", only: new[] { "WDG002" });
        }

        [Fact]
        public void A_layer_handed_over_on_its_own_counts_without_the_bias_its_field_leaves_out()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(NoBiases model, Net net)
                    {
                        torch.optim.AdamW(model.fc.parameters(), weight_decay: 0.1);
                        torch.optim.AdamW([|net.fc1.parameters()|], weight_decay: 0.1);
                    }
                }
                """, NoBiases, Net), "WDG002", only: new[] { "WDG002" });
        }

        [Fact]
        public void AdamW_without_weight_decay_is_reported_with_PyTorchs_default()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Net model, Parameter[] ps, Parameter[] rest)
                    {
                        torch.optim.[|AdamW|](model.parameters());
                        torch.optim.[|AdamW|](model.named_parameters(), lr: 3e-4);
                        new [|AdamW|](ps, 1e-3);
                        new TorchSharp.Modules.[|AdamW|](ps);
                        torch.optim.[|AdamW|](new[] { new AdamW.ParamGroup(ps, new AdamW.Options()), new AdamW.ParamGroup(rest, new AdamW.Options { weight_decay = 0 }) });
                    }
                }
                """, Net), "WDG012", only: new[] { "WDG012" });
        }

        [Fact]
        public void An_explicit_weight_decay_other_optimizers_and_groups_with_their_own_decay_are_not_reported()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Net model, GroupedNet grouped, Parameter[] ps, Parameter[] rest, IEnumerable<AdamW.ParamGroup> unseen)
                    {
                        torch.optim.AdamW(ps, weight_decay: 0);
                        torch.optim.AdamW(ps, 1e-3, 0.9, 0.999, 1e-8, 0.01);
                        new AdamW(ps, weight_decay: 0.01);
                        torch.optim.Adam(ps);
                        torch.optim.SGD(ps, 0.1);
                        torch.optim.RMSProp(ps);
                        torch.optim.AdamW(new[] { new AdamW.ParamGroup(ps, new AdamW.Options { weight_decay = 0.1 }), new AdamW.ParamGroup(rest, weight_decay: 0) });
                        torch.optim.AdamW(unseen);
                        grouped.GetDecayGroups().ToAdamW(1e-3, 0.1);
                    }
                }
                """, Net, GroupedNet), only: new[] { "WDG012" });
        }

        [Theory]
        [InlineData(ExplicitWeightDecayCodeFix.PyTorchDefaultKey, "weight_decay: 0.01")]
        [InlineData(ExplicitWeightDecayCodeFix.NoDecayKey, "weight_decay: 0")]
        public void Fix_passes_weight_decay_explicitly(string key, string expected)
        {
            var fixedSource = VerifyFix(With("""
                public static class Train
                {
                    public static object Run(Parameter[] ps) => torch.optim.AdamW(ps, lr: 1e-3);
                    public static object Build(Parameter[] ps) => new AdamW(ps);
                }
                """), "WDG012", new ExplicitWeightDecayCodeFix(), fixAll: true, equivalenceKey: key);
            Assert.Contains("torch.optim.AdamW(ps, lr: 1e-3, " + expected + ")", fixedSource);
            Assert.Contains("new AdamW(ps, " + expected + ")", fixedSource);
        }
    }
}

using WdGen.CodeFixes;
using Xunit;
using static WdGen.Analyzers.Tests.Infrastructure.AnalyzerHarness;
using static WdGen.Analyzers.Tests.Infrastructure.Sources;

namespace WdGen.Analyzers.Tests
{
    /// <summary>WDG003 (lazy queries), WDG004 (convenience ParamGroup), WDG006 (overlaps and gaps).</summary>
    public sealed class UsageTests
    {
        [Fact]
        public void Lazy_queries_and_iterators_are_flagged()
        {
            Verify(With("""
                public static class Train
                {
                    static IEnumerable<Parameter> Trainable(Net m) { foreach (var p in m.parameters()) if (p.requires_grad) yield return p; }

                    public static void Run(Net model)
                    {
                        var trainable = model.parameters().Where(p => p.requires_grad);
                        torch.optim.AdamW([|trainable|]);
                        torch.optim.AdamW([|model.parameters().Where(p => p.requires_grad)|]);
                        torch.optim.AdamW([|from p in model.parameters() where p.requires_grad select p|]);
                        torch.optim.SGD([|Trainable(model)|], 0.1);
                        new AdamW.ParamGroup([|model.parameters().Skip(1)|], new AdamW.Options());
                        torch.optim.AdamW([|model.named_parameters().Where(np => np.name.EndsWith("weight"))|]);
                        var wd = new HashSet<Parameter> { model.fc1.weight };
                        torch.optim.AdamW([|model.parameters().Where(wd.Contains)|]);
                    }
                }
                """, Net), "WDG003", only: new[] { "WDG003" });
        }

        [Fact]
        public void Materialized_sources_and_model_parameters_are_not_flagged()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Net model)
                    {
                        var trainable = model.parameters().Where(p => p.requires_grad).ToArray();
                        torch.optim.AdamW(trainable);
                        torch.optim.AdamW(model.parameters());
                        torch.optim.AdamW(model.named_parameters());
                        torch.optim.AdamW(model.parameters().Where(p => p.requires_grad).ToList());
                        torch.optim.AdamW([.. model.parameters().Where(p => p.requires_grad)]);
                    }
                }
                """, Net), only: new[] { "WDG003" });
        }

        [Fact]
        public void Fix_all_materializes_queries()
        {
            var fixedSource = VerifyFix(With("""
                public static class Train
                {
                    public static void Run(Net model)
                    {
                        var trainable = model.parameters().Where(p => p.requires_grad);
                        torch.optim.AdamW(trainable);
                        torch.optim.Adam(model.parameters().Where(p => p.requires_grad));
                    }
                }
                """, Net), "WDG003", new MaterializeQueryCodeFix(), fixAll: true);
            Assert.Contains("torch.optim.AdamW(trainable.ToArray())", fixedSource);
            Assert.Contains("torch.optim.Adam(model.parameters().Where(p => p.requires_grad).ToArray())", fixedSource);
        }

        [Fact]
        public void Convenience_param_group_constructor_is_flagged_and_options_form_is_not()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Parameter[] ps)
                    {
                        var a = [|new AdamW.ParamGroup(ps, weight_decay: 0.01)|];
                        var b = [|new Adam.ParamGroup(ps, lr: 0.1)|];
                        var c = [|new SGD.ParamGroup(ps)|];
                        var d = new AdamW.ParamGroup(ps, new AdamW.Options { weight_decay = 0.01 });
                        var e = new AdamW.ParamGroup { Parameters = ps };
                    }
                }
                """), "WDG004", only: new[] { "WDG004" });
        }

        [Fact]
        public void Calls_and_creations_are_found_however_they_are_written()
        {
            // The analyzer filters by name before binding: aliases, target-typed new, subclasses and using static must still be seen.
            Verify(Usings + """
                using G = TorchSharp.Modules.AdamW.ParamGroup;
                using static TorchSharp.torch.optim;

                """ + Net + """
                public sealed class MyGroup : AdamW.ParamGroup
                {
                    public MyGroup(IEnumerable<Parameter> parameters) : base(parameters, new AdamW.Options()) { }
                }

                public static class Train
                {
                    public static void Run(Net model, Parameter[] ps)
                    {
                        var a = {|WDG004:new G(ps, lr: 0.1)|};
                        AdamW.ParamGroup b = {|WDG004:new(ps, weight_decay: 0.01)|};
                        var c = new MyGroup([|model.parameters().Skip(1)|]);
                        AdamW([|model.parameters().Where(p => p.requires_grad)|]);
                        var d = (AdamW.ParamGroup)new(ps, new AdamW.Options());
                    }
                }
                """, "WDG003", only: new[] { "WDG003", "WDG004" });
        }

        [Fact]
        public void Fix_all_rewrites_convenience_groups_to_the_options_form()
        {
            var fixedSource = VerifyFix(With("""
                public static class Train
                {
                    public static object Run(Parameter[] decay, Parameter[] rest)
                        => torch.optim.AdamW(new[] { new AdamW.ParamGroup(decay, weight_decay: 0.01), new AdamW.ParamGroup(rest, lr: 0.1, weight_decay: 0) }, lr: 3e-4);
                }
                """), "WDG004", new ParamGroupOptionsCodeFix(), fixAll: true);
            Assert.Contains("new AdamW.ParamGroup(decay, new AdamW.Options { weight_decay = 0.01 })", fixedSource);
            Assert.Contains("new AdamW.ParamGroup(rest, new AdamW.Options { LearningRate = 0.1, weight_decay = 0 })", fixedSource);
        }

        [Fact]
        public void Overlapping_groups_and_visible_gaps_are_flagged()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Net m)
                    {
                        torch.optim.AdamW(new[]
                        {
                            new AdamW.ParamGroup([m.fc1.weight, m.fc2.weight], new AdamW.Options()),
                            new AdamW.ParamGroup([m.fc1.bias, m.fc2.bias, {|WDG006:m.fc1.weight|}, m.norm.weight, m.norm.bias], new AdamW.Options { weight_decay = 0 }),
                        });
                        torch.optim.AdamW(new[]
                        {
                            new AdamW.ParamGroup(m.parameters(), new AdamW.Options()),
                            new AdamW.ParamGroup([{|WDG006:m.fc2.bias|}], new AdamW.Options { weight_decay = 0 }),
                        });
                        torch.optim.SGD({|WDG006:[m.fc1.weight]|}, 0.1);
                        torch.optim.SGD([m.fc1.weight, m.fc1.bias], 0.1);
                    }
                }
                """, Net), only: new[] { "WDG006" });
        }
    
        [Fact]
        public void A_layer_built_without_bias_leaves_no_gap_and_one_with_a_bias_does()
        {
            Verify(With("""
                public sealed class Heads : nn.Module<Tensor, Tensor>
                {
                    public readonly Linear fc = nn.Linear(4, 4, hasBias: false);
                    public readonly Conv1d conv;
                    public readonly Linear biased;

                    public Heads() : base("Heads")
                    {
                        conv = nn.Conv1d(4, 4, 3, bias: false);
                        biased = nn.Linear(4, 4, hasBias: true);
                        RegisterComponents();
                    }

                    public override Tensor forward(Tensor x) => x;
                }

                public static class Train
                {
                    public static void Run(Heads m)
                    {
                        torch.optim.SGD([m.fc.weight, m.conv.weight], 0.1);
                        torch.optim.SGD({|WDG006:[m.fc.weight, m.biased.weight]|}, 0.1);
                    }
                }
                """), only: new[] { "WDG006" });
        }

        [Fact]
        public void Add_param_group_is_checked_against_the_optimizer_it_extends()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Net m)
                    {
                        var optimizer = torch.optim.AdamW(m.parameters());
                        optimizer.add_param_group(new AdamW.ParamGroup([{|WDG006:m.fc2.bias|}], new AdamW.Options { weight_decay = 0 }));
                        var other = torch.optim.AdamW([m.fc1.weight, {|WDG002:m.fc1.bias|}], weight_decay: 0.1);
                        other.add_param_group(new AdamW.ParamGroup([{|WDG002:m.norm.weight|}, {|WDG002:m.norm.bias|}, m.fc2.weight, {|WDG002:m.fc2.bias|}], new AdamW.Options()));
                        var fine = torch.optim.AdamW([m.fc1.weight], weight_decay: 0.1);
                        fine.add_param_group(new AdamW.ParamGroup([m.fc1.bias], new AdamW.Options { weight_decay = 0 }));
                    }
                }
                """, Net), only: new[] { "WDG002", "WDG006" });
        }
    }
}

using WdGen.CodeFixes;
using Xunit;
using static WdGen.Analyzers.Tests.Infrastructure.AnalyzerHarness;
using static WdGen.Analyzers.Tests.Infrastructure.Sources;

namespace WdGen.Analyzers.Tests
{
    /// <summary>WDG013 (an optimizer built before its model is moved or cast), WDG014 (clip_grad_norm_ over a tied model's parameters).</summary>
    public sealed class TrainingLoopTests
    {
        private static readonly string[] Moves = { "WDG013" };

        [Theory]
        [InlineData("model.to(device);")]
        [InlineData("model = model.to(device);")]
        [InlineData("model.cuda();")]
        [InlineData("model.cpu();")]
        [InlineData("model.to(ScalarType.BFloat16);")]
        [InlineData("model.half();")]
        [InlineData("model.bfloat16();")]
        [InlineData("model.to(DeviceType.CUDA);")]
        [InlineData("model.to(\"cuda:0\");")]
        [InlineData("model.to(torch.ones(1));")]
        [InlineData("if (device.type == DeviceType.CUDA) { model.cuda(); }")]
        [InlineData("model.fc1.to(device);")] // a module inside the model
        public void A_move_or_cast_after_the_optimizer_is_reported(string move)
        {
            Verify(With($$"""
                public static class Train
                {
                    public static void Run(Net model, Device device)
                    {
                        var optimizer = [|torch.optim.AdamW(model.parameters(), weight_decay: 0)|];
                        {{move}}
                    }
                }
                """, Net), "WDG013", only: Moves);
        }

        [Fact]
        public void Every_way_of_building_an_optimizer_from_the_model_is_followed()
        {
            Verify(With("""
                public sealed class Trainer
                {
                    private readonly GroupedNet model = new GroupedNet();

                    public object Fused(Device device)
                    {
                        var groups = model.GetDecayGroups();
                        model.to(device);
                        return [|groups.ToFusedAdamW(1e-3, 0.1)|];
                    }

                    public object Groups()
                    {
                        var optimizer = [|this.model.GetDecayGroups().ToAdamW(1e-3, 0.1)|];
                        model.cuda();
                        return optimizer;
                    }

                    public object Materialized(Device device)
                    {
                        var ps = model.parameters().ToArray();
                        model.half();
                        return [|torch.optim.SGD(ps, 0.1)|];
                    }

                    public object WholeOfASubmodule(Device device)
                    {
                        var optimizer = [|new AdamW(model.fc1.parameters(), weight_decay: 0)|];
                        model.to(device);
                        return optimizer;
                    }

                    public object InAGroup()
                    {
                        var optimizer = [|torch.optim.AdamW(new[] { new AdamW.ParamGroup(model.parameters(), new AdamW.Options()) }, weight_decay: 0.01)|];
                        model.bfloat16();
                        return optimizer;
                    }
                }
                """, GroupedNet), "WDG013", only: Moves);
        }

        [Fact]
        public void Moves_before_the_optimizer_of_another_model_elsewhere_or_of_tensors_are_not_reported()
        {
            Verify(With("""
                public static class Train
                {
                    public static void MovedFirst(Net model, Device device)
                    {
                        model.to(device);
                        var optimizer = torch.optim.AdamW(model.parameters(), weight_decay: 0);
                    }

                    public static void OthersMoved(Net model, Net other, Device device, Tensor x)
                    {
                        var optimizer = torch.optim.AdamW(model.fc1.parameters(), weight_decay: 0);
                        other.cuda();
                        model.fc2.cuda();
                        x = x.to(device);
                        System.Action later = () => model.cuda();
                    }

                    public static void LazyUntilBuilt(Net model)
                    {
                        var lazy = model.parameters();
                        model.half();
                        var optimizer = torch.optim.AdamW(lazy, weight_decay: 0);
                    }

                    public static void NotMoved(GroupedNet grouped)
                    {
                        var groups = grouped.GetDecayGroups();
                        var optimizer = groups.ToAdamW(1e-3, 0.1);
                    }

                    public static void Elsewhere(Net model) => model.cuda();
                }
                """, Net, GroupedNet), only: Moves);
        }

        [Fact]
        public void Top_level_statements_are_one_body_and_type_declarations_below_them_are_not_part_of_it()
        {
            var source = Usings + """
                var model = new Net();
                var optimizer = torch.optim.AdamW(model.parameters(), weight_decay: 0);
                model.cuda();

                """ + Net + """
                public static class Other
                {
                    public static void Later(Net model) => model.cuda();
                }
                """;
            var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
                "TopLevel",
                new[] { Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source, ParseOptions, "Test0.cs") },
                ReferencesFor(torchSharp: true),
                CompilationOptions.WithOutputKind(Microsoft.CodeAnalysis.OutputKind.ConsoleApplication));
            var moves = System.Linq.Enumerable.ToList(System.Linq.Enumerable.Where(Analyze(compilation), d => d.Id == "WDG013"));
            var move = Assert.Single(moves);
            Assert.Equal("torch.optim.AdamW(model.parameters(), weight_decay: 0)", source.Substring(move.Location.SourceSpan.Start, move.Location.SourceSpan.Length));
            var line = source.Substring(0, source.IndexOf("model.cuda();", System.StringComparison.Ordinal)).Split('\n').Length;
            Assert.Contains("'model.cuda()' (line " + line + ")", move.GetMessage());
        }

        [Fact]
        public void Clipping_over_a_tied_models_parameters_is_reported()
        {
            Verify(With("""
                public sealed class Wrapper : nn.Module<Tensor, Tensor>
                {
                    public readonly TiedLm lm = new TiedLm();
                    public Wrapper() : base("Wrapper") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }

                public static class Train
                {
                    public static void Run(TiedLm lm, Wrapper wrapper)
                    {
                        torch.nn.utils.clip_grad_norm_([|lm.parameters()|], 1.0);
                        var ps = lm.parameters().ToArray();
                        torch.nn.utils.clip_grad_norm_([|ps|], max_norm: 1.0);
                        torch.nn.utils.clip_grad_norm_([|wrapper.parameters()|], 0.5);
                        torch.nn.utils.clip_grad_norm_([|wrapper.lm.parameters()|], 0.5);
                        var optimizer = torch.optim.AdamW(lm.parameters(), weight_decay: 0);
                        torch.nn.utils.clip_grad_norm_([|optimizer.parameters()|], 1.0);
                    }
                }
                """, TiedLm), "WDG014", only: new[] { "WDG014" });
        }

        [Fact]
        public void Clipping_over_untied_models_subsets_or_the_generated_groups_is_not_reported()
        {
            Verify(With("""
                [DecayGroups]
                public sealed partial class GroupedLm : nn.Module<Tensor, Tensor>
                {
                    private readonly Embedding tok = nn.Embedding(10, 4);
                    private readonly Linear head = nn.Linear(4, 10, hasBias: false);

                    public GroupedLm() : base("GroupedLm")
                    {
                        head.weight = tok.weight!;
                        RegisterComponents();
                    }

                    public override Tensor forward(Tensor x) => x;
                }

                public static class Train
                {
                    public static void Run(Net net, TiedLm lm, GroupedLm grouped)
                    {
                        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0);
                        torch.nn.utils.clip_grad_norm_(lm.parameters().Take(1), 1.0);
                        torch.nn.utils.clip_grad_norm_(grouped.GetDecayGroups().Entries.Select(e => e.Parameter), 1.0);
                        torch.nn.utils.clip_grad_value_(lm.parameters(), 1.0);
                        var optimizer = grouped.GetDecayGroups().ToAdamW(1e-3, 0.1);
                        torch.nn.utils.clip_grad_norm_(optimizer.parameters(), 1.0);
                    }
                }
                """, Net, TiedLm), only: new[] { "WDG014" });
        }

        [Fact]
        public void Fix_clips_over_the_generated_groups_entries_and_marks_the_model()
        {
            var fixedSources = VerifyFix(new[]
            {
                Usings + TiedLm,
                """
                using TorchSharp;

                public static class Train
                {
                    public static double Clip(TiedLm lm) => torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0);
                }
                """,
            }, "WDG014", new ClipUniqueTensorsCodeFix());
            Assert.Contains("[global::WdGen.DecayGroups]", fixedSources[0]);
            Assert.Contains("public sealed partial class TiedLm", fixedSources[0]);
            Assert.Contains("torch.nn.utils.clip_grad_norm_(lm.GetDecayGroups().Entries.Select(e => e.Parameter), 1.0)", fixedSources[1]);
            Assert.Contains("using System.Linq;", fixedSources[1]);
            Assert.Contains("using WdGen;", fixedSources[1]);
        }
    }
}

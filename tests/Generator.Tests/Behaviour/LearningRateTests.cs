using System;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using WdGen.Generator.Tests.Infrastructure;
using Xunit;

namespace WdGen.Generator.Tests.Behaviour
{
    /// <summary>[LearningRate] through the generator: it marks a model as [Decay]/[NoDecay] do, and the walk carries its scale.</summary>
    public class LearningRateTests
    {
        private const string Usings = """
            using TorchSharp;
            using TorchSharp.Modules;
            using WdGen;
            using static TorchSharp.torch;

            """;

        private const string Models = Usings + """
            namespace Rates
            {
                // No [DecayGroups]: [LearningRate] on a member is enough to get code, as [Decay] and [NoDecay] are.
                public sealed partial class OnlyRate : nn.Module<Tensor, Tensor>
                {
                    private readonly Embedding embed = nn.Embedding(5, 2);
                    [LearningRate(0.1)] private readonly Sequential backbone = nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2));
                    [NoDecay, LearningRate(0.5)] private readonly Linear adapter = nn.Linear(2, 2);
                    [Decay(2), WdGen.LearningRate(4)] private readonly Linear head = nn.Linear(2, 2);

                    public OnlyRate() : base(nameof(OnlyRate)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class Inner : nn.Module<Tensor, Tensor>
                {
                    [LearningRate(0.5)] private readonly Linear fc = nn.Linear(2, 2);
                    private readonly Linear plain = nn.Linear(2, 2);

                    public Inner() : base(nameof(Inner)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class Plain : nn.Module<Tensor, Tensor>
                {
                    private readonly Linear fc = nn.Linear(2, 2);

                    public Plain() : base(nameof(Plain)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class Outer : nn.Module<Tensor, Tensor>
                {
                    [LearningRate(0.1)] private readonly ModuleList<Inner> blocks = nn.ModuleList(new Inner(), new Inner());
                    private readonly Linear head = nn.Linear(2, 2);

                    public Outer() : base(nameof(Outer)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }
            }
            """;

        private static readonly UserAssembly Assembly = UserAssembly.Compile(Models);

        [Fact]
        public void A_LearningRate_member_alone_gets_code_and_scales_everything_under_it()
        {
            var groups = UserAssembly.Groups(Assembly.Create("Rates.OnlyRate"));

            Assert.Equal(1.0, groups["embed.weight"].LearningRateScale);
            Assert.Equal(0.1, groups["backbone.0.weight"].LearningRateScale);
            Assert.Equal(0.1, groups["backbone.1.bias"].LearningRateScale);
            Assert.True(groups["backbone.0.weight"].Decays);
            Assert.Equal(0.5, groups["adapter.weight"].LearningRateScale);
            Assert.False(groups["adapter.weight"].Decays);
            Assert.Equal(4.0, groups["head.weight"].LearningRateScale);
            Assert.Equal(2.0, groups["head.weight"].Scale);
            Assert.Equal("[LearningRate(4)] on OnlyRate.head", groups["head.weight"].LearningRateReason);
            Assert.Equal(
                new[] { (1.0, 0.1), (2.0, 4.0), (0.0, 1.0), (0.0, 0.1), (0.0, 0.5), (0.0, 4.0) },
                groups.ScaledGroups.Select(g => (g.Scale, g.LearningRateScale)));
        }

        [Fact]
        public void The_plans_table_shows_each_members_own_learning_rate_scale_when_one_has_one()
        {
            var plan = Assembly.Plan("Rates.OnlyRate").ToString();
            var lines = plan.Split('\n');
            var header = Assert.Single(lines, l => l.Contains("decay", StringComparison.Ordinal) && l.Contains("why", StringComparison.Ordinal));
            var decay = header.IndexOf("decay", StringComparison.Ordinal);
            var lr = header.IndexOf(" lr ", StringComparison.Ordinal) + 1;
            Assert.True(lr > decay, header);
            string Cell(string member, int column) => Assert.Single(lines, l => l.Contains(member + " ", StringComparison.Ordinal))[column..].Split(' ')[0];
            Assert.Equal(("×2", "×4"), (Cell("head.weight", decay), Cell("head.weight", lr)));
            Assert.Equal(("no", "×1"), (Cell("embed.weight", decay), Cell("embed.weight", lr)));
            Assert.Equal(("no", "×0.5"), (Cell("adapter.weight", decay), Cell("adapter.weight", lr)));

            // Without a [LearningRate] anywhere the table keeps its four columns.
            var plain = Assembly.Plan("Rates.Plain").ToString();
            Assert.Contains("fc.weight", plain, StringComparison.Ordinal);
            Assert.DoesNotContain(" lr ", plain, StringComparison.Ordinal);
        }

        [Fact]
        public void Nested_LearningRate_scales_multiply_through_a_nested_models_plan()
        {
            var groups = UserAssembly.Groups(Assembly.Create("Rates.Outer"));

            Assert.Equal(0.05, groups["blocks.0.fc.weight"].LearningRateScale, 15);
            Assert.Equal(0.1, groups["blocks.1.plain.weight"].LearningRateScale);
            Assert.Equal(1.0, groups["head.weight"].LearningRateScale);
            Assert.Equal("[LearningRate(0.1)] on Outer.blocks × [LearningRate(0.5)] on Inner.fc", groups["blocks.1.fc.bias"].LearningRateReason);
            Assert.Equal(new DecayLayer("blocks", 1, 2), groups["blocks.1.fc.bias"].Layer);

            var layered = groups.WithLayerwiseDecay(0.5);
            Assert.Equal(0.05 * 0.5, layered["blocks.1.fc.weight"].LearningRateScale, 15);
            Assert.Equal(0.1 * 0.25, layered["blocks.0.plain.weight"].LearningRateScale, 15);
            Assert.Equal(1.0, layered["head.weight"].LearningRateScale);
        }

        [Theory]
        [InlineData("[LearningRate(0)]")]
        [InlineData("[LearningRate(-1)]")]
        [InlineData("[LearningRate(double.PositiveInfinity)]")]
        public void Invalid_learning_rate_scales_get_code_that_compiles_and_a_plan_that_refuses_them_by_name(string attribute)
        {
            var source = Usings + "public partial class Scaled : nn.Module<Tensor, Tensor> { " + attribute + " private readonly Linear fc = nn.Linear(1, 1); public Scaled() : base(\"x\") { } public override Tensor forward(Tensor t) => t; }";
            var result = GeneratorRunner.Run(source);

            Assert.Single(result.Sources);
            TestCompilation.AssertClean(result.Output);
            var assembly = TestCompilation.EmitAndLoad(result.Output);
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => DecayPlan.Of(assembly.GetType("Scaled", throwOnError: true)!));
            Assert.Contains("learning-rate scale of Scaled.fc must be positive and finite", error.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("public partial class Half : nn.Module<Tensor, Tensor> { [LearningRate(")]
        [InlineData("public partial class Half : nn.Module<Tensor, Tensor> { [LearningRate] private readonly Linear fc; }")]
        [InlineData("public partial class Half : nn.Module<Tensor, Tensor> { [LearningRate(\"x\")] private readonly Linea fc; }")]
        [InlineData("public partial class Half : nn.Module<Tensor, Tensor> { [LearningRate(0.1, 2)] private readonly Linear fc = nn.Linear(1, 1); public Half() : base(\"x\") { } public override Tensor forward(Tensor t) => t; }")]
        public void Half_typed_LearningRate_never_makes_the_generator_throw(string declaration)
        {
            var result = GeneratorRunner.Run(Usings + declaration);

            Assert.Empty(result.Diagnostics);
            foreach (var (_, text) in result.Sources)
            {
                Assert.Empty(CSharpSyntaxTree.ParseText(text, TestCompilation.ParseOptions).GetDiagnostics());
            }
        }

        [Fact]
        public void A_LearningRate_attribute_that_is_not_WdGens_gets_no_code()
        {
            const string source = """
                using TorchSharp;
                using TorchSharp.Modules;
                using static TorchSharp.torch;

                public sealed class LearningRateAttribute : System.Attribute { public LearningRateAttribute(double scale) { } }

                public partial class Lookalike : nn.Module<Tensor, Tensor>
                {
                    [LearningRate(0.1)] private readonly Linear fc = nn.Linear(1, 1);
                    public Lookalike() : base("x") { }
                    public override Tensor forward(Tensor t) => t;
                }
                """;

            Assert.Empty(GeneratorRunner.Run(source).Sources);
        }
    }
}

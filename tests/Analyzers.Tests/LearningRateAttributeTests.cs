using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using static WdGen.Analyzers.Tests.Infrastructure.AnalyzerHarness;
using static WdGen.Analyzers.Tests.Infrastructure.Sources;

namespace WdGen.Analyzers.Tests
{
    /// <summary>WDG007 for [LearningRate]: a scale that is not positive and finite, and the attribute where it has no effect.</summary>
    public sealed class LearningRateAttributeTests
    {
        [Fact]
        public void LearningRate_misuse_is_flagged()
        {
            Verify(With("""
                public sealed class {|WDG007:NotPartial|} : nn.Module<Tensor, Tensor>
                {
                    [LearningRate(0.1)] private readonly Linear a = nn.Linear(2, 2);
                    public NotPartial() : base("m") { }
                    public override Tensor forward(Tensor x) => x;
                }

                public sealed partial class NotAModule
                {
                    [{|WDG007:LearningRate(0.1)|}] private readonly Linear a = nn.Linear(2, 2);
                }

                public sealed partial class Misused : nn.Module<Tensor, Tensor>
                {
                    [{|WDG007:LearningRate(0.1)|}] private static Linear shared = nn.Linear(2, 2);
                    [{|WDG007:LearningRate(0.1)|}] private readonly int width = 4;
                    [LearningRate({|WDG007:0|})] private readonly Linear zero = nn.Linear(2, 2);
                    [LearningRate({|WDG007:-1.5|})] private readonly Linear negative = nn.Linear(2, 2);
                    [LearningRate({|WDG007:double.NaN|})] private readonly Linear nan = nn.Linear(2, 2);
                    [LearningRate({|WDG007:double.PositiveInfinity|})] private readonly Linear infinite = nn.Linear(2, 2);
                    [NoDecay, LearningRate({|WDG007:0|})] private readonly Linear both = nn.Linear(2, 2);
                    public Misused() : base("m") { }
                    public override Tensor forward(Tensor x) => x;
                }
                """), only: new[] { "WDG007" });
        }

        [Fact]
        public void Correct_LearningRate_members_are_not_flagged()
        {
            Verify(With("""
                public sealed partial class Tuned : nn.Module<Tensor, Tensor>
                {
                    [LearningRate(0.1)] private readonly Sequential backbone = nn.Sequential(nn.Linear(2, 2));
                    [NoDecay, LearningRate(2)] private readonly Parameter scale = nn.Parameter(torch.ones(1));
                    [Decay(0.5), LearningRate(1e-3)] private readonly Linear head = nn.Linear(2, 2);
                    public Tuned() : base("t") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }
                """), only: new[] { "WDG007" });
        }

        [Theory]
        [InlineData("public sealed partial class H : nn.Module<Tensor, Tensor> { [LearningRate(")]
        [InlineData("public sealed partial class H : nn.Module<Tensor, Tensor> { [LearningRate] private readonly Linear a; }")]
        [InlineData("public sealed partial class H : nn.Module<Tensor, Tensor> { [LearningRate(\"x\")] private readonly Linear a; }")]
        [InlineData("public sealed partial class H : nn.Module<Tensor, Tensor> { [LearningRate(0.1, 2)] private readonly Lin a; }")]
        public void Half_typed_LearningRate_never_makes_the_analyzers_throw(string declaration)
        {
            var compilation = CSharpCompilation.Create("Broken", new[] { CSharpSyntaxTree.ParseText(With(declaration), ParseOptions, "Test0.cs") }, ReferencesFor(true), CompilationOptions);
            Analyze(compilation, allowCompileErrors: true);
        }
    }
}

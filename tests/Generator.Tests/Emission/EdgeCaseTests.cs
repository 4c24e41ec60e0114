using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using WdGen.Generator.Tests.Infrastructure;
using WdGen.Tests.Shared;
using Xunit;

namespace WdGen.Generator.Tests.Emission
{
    /// <summary>What the generator emits, or declines to emit, for unusual and broken input. It never throws.</summary>
    public class EdgeCaseTests
    {
        private const string Usings = """
            using TorchSharp;
            using TorchSharp.Modules;
            using WdGen;
            using static TorchSharp.torch;

            """;

        [Fact]
        public void Nothing_is_generated_without_a_TorchSharp_reference()
        {
            const string source = """
                using WdGen;

                [DecayGroups]
                public partial class NotAModel
                {
                    [Decay] private readonly object field = new object();
                }
                """;

            var result = GeneratorRunner.Run(TestCompilation.Create(new[] { source }, withTorchSharp: false));

            Assert.Empty(result.Sources);
            Assert.Empty(result.Diagnostics);
        }

        [Theory]
        [InlineData("[DecayGroups] public class NotPartial : nn.Module<Tensor, Tensor> { private readonly Linear fc = nn.Linear(1, 1); public NotPartial() : base(\"x\") { } public override Tensor forward(Tensor t) => t; }")]
        [InlineData("[DecayGroups] public partial class NotAModule { private readonly Linear fc = nn.Linear(1, 1); }")]
        [InlineData("public partial class ZeroScale : nn.Module<Tensor, Tensor> { [Decay(0)] private readonly Linear fc = nn.Linear(1, 1); public ZeroScale() : base(\"x\") { } public override Tensor forward(Tensor t) => t; }")]
        [InlineData("public partial class NaNScale : nn.Module<Tensor, Tensor> { [Decay(double.NaN)] private readonly Linear fc = nn.Linear(1, 1); public NaNScale() : base(\"x\") { } public override Tensor forward(Tensor t) => t; }")]
        [InlineData("[DecayGroups] file partial class FileLocal : nn.Module<Tensor, Tensor> { public FileLocal() : base(\"x\") { } public override Tensor forward(Tensor t) => t; }")]
        [InlineData("public class Holder { [DecayGroups] public partial class Inner : nn.Module<Tensor, Tensor> { public Inner() : base(\"x\") { } public override Tensor forward(Tensor t) => t; } }")]
        public void Models_the_generator_cannot_extend_get_no_code_and_no_exception(string declaration)
        {
            var result = GeneratorRunner.Run(Usings + declaration);

            Assert.Equal(new[] { "WdGen.TorchSharpBridge.g.cs" }, result.Sources.Keys);
            Assert.Empty(result.Diagnostics);
        }

        [Theory]
        [InlineData("[DecayGroups] public partial class Half : nn.Module<Tensor, Tensor> { private readonly Linea fc; [Decay(")]
        [InlineData("[DecayGroups] public partial class Half : nn.Module<Tensor, Tensor> { [Decay(\"x\")] private readonly Linear fc; }")]
        [InlineData("[DecayGroups] public partial class Half : nn.Module<Tensor, Tensor> { [Decay(1, IncludeBiases = )] private readonly Linear fc; }")]
        [InlineData("[DecayGroups] public partial class Half : nn.Module<Tensor, Tensor> { private readonly ModuleList<> items; private readonly UnknownType u; }")]
        [InlineData("[DecayGroups] public partial record class Rec : nn.Module<Tensor, Tensor> { private readonly Linear fc; }")]
        [InlineData("[DecayGroups] public partial class Half<T> : nn.Module<Tensor, Tensor> where T : nn.Module { private readonly T inner; private readonly Linear")]
        [InlineData("[DecayGroups] public partial class Cycle : Cycle { }")]
        public void Half_typed_code_never_makes_the_generator_throw(string declaration)
        {
            var result = GeneratorRunner.Run(Usings + declaration);

            Assert.Empty(result.Diagnostics);
            foreach (var (name, text) in result.Sources)
            {
                Assert.Empty(CSharpSyntaxTree.ParseText(text, TestCompilation.ParseOptions).GetDiagnostics());
            }
        }

        [Fact]
        public void Partial_declarations_are_ordered_by_file_path_not_by_compilation_order()
        {
            const string zebra = Usings + """
                public sealed partial class Split : nn.Module<Tensor, Tensor>
                {
                    private readonly Linear fromZebra = nn.Linear(1, 1);
                    public override Tensor forward(Tensor t) => t;
                }
                """;
            const string alpha = Usings + """
                [DecayGroups]
                public sealed partial class Split
                {
                    private readonly Linear fromAlpha = nn.Linear(1, 1);
                    public Split() : base("Split") => RegisterComponents();
                }
                """;

            var forward = GeneratorRunner.Run(TestCompilation.Create(new[] { ("Alpha.cs", alpha), ("Zebra.cs", zebra) })).Sources["Split.g.cs"];
            var backward = GeneratorRunner.Run(TestCompilation.Create(new[] { ("Zebra.cs", zebra), ("Alpha.cs", alpha) })).Sources["Split.g.cs"];

            Assert.Equal(forward, backward);
            Assert.True(forward.IndexOf("\"fromAlpha\"", System.StringComparison.Ordinal) < forward.IndexOf("\"fromZebra\"", System.StringComparison.Ordinal));
        }

        [Fact]
        public void A_model_deriving_from_a_model_hides_the_base_members_cleanly()
        {
            const string source = Usings + """
                [DecayGroups]
                public partial class Base : nn.Module<Tensor, Tensor>
                {
                    protected readonly Linear shared = nn.Linear(1, 1);
                    public Base() : base("Base") { }
                    public override Tensor forward(Tensor t) => t;
                }

                [DecayGroups]
                public sealed partial class Derived : Base
                {
                    private readonly LayerNorm norm = nn.LayerNorm(1);
                    public Derived() => RegisterComponents();
                }
                """;

            var result = GeneratorRunner.Run(source);

            TestCompilation.AssertClean(result.Output);
            Assert.Contains("public static new global::WdGen.DecayPlan DecayPlan", result.Sources["Derived.g.cs"]);
            Assert.Contains("\"norm\"", result.Sources["Derived.g.cs"]);
            Assert.Contains("\"shared\"", result.Sources["Derived.g.cs"]);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Generated_code_compiles_warning_free_whether_Tensor_grad_is_a_method_or_a_property(bool gradProperty)
        {
            var fixture = FixtureCompilation.Create(gradProperty);
            var compilation = CSharpCompilation.Create(
                "GradVariant",
                new[] { CSharpSyntaxTree.ParseText(ModelSources.Gpt, TestCompilation.ParseOptions) },
                FixtureCompilation.FrameworkReferences()
                    .Append(fixture.ToMetadataReference())
                    .Append(MetadataReference.CreateFromFile(typeof(DecayGroups<>).Assembly.Location)),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

            var result = GeneratorRunner.Run(compilation);

            Assert.Contains("Samples.Gpt.g.cs", result.Sources.Keys);
            TestCompilation.AssertClean(result.Output);
        }
    }
}

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
        [InlineData("[DecayGroups] file partial class FileLocal : nn.Module<Tensor, Tensor> { public FileLocal() : base(\"x\") { } public override Tensor forward(Tensor t) => t; }")]
        [InlineData("public class Holder { [DecayGroups] public partial class Inner : nn.Module<Tensor, Tensor> { public Inner() : base(\"x\") { } public override Tensor forward(Tensor t) => t; } }")]
        public void Models_the_generator_cannot_extend_get_no_code_and_no_exception(string declaration)
        {
            var result = GeneratorRunner.Run(Usings + declaration);

            Assert.Empty(result.Sources);
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
        public void Each_source_file_gets_one_output_named_after_it_and_same_named_files_are_numbered()
        {
            static string Model(string name) => Usings + "[DecayGroups]\npublic sealed partial class " + name
                + " : nn.Module<Tensor, Tensor>\n{\n    private readonly Linear fc = nn.Linear(1, 1);\n    public " + name
                + "() : base(\"" + name + "\") => RegisterComponents();\n    public override Tensor forward(Tensor t) => t;\n}\n";

            var result = GeneratorRunner.Run(TestCompilation.Create(new[]
            {
                ("weird name#1.cs", Model("Weird")),
                ("C/Net.2.cs", Model("NetC")),
                ("B/net.cs", Model("NetB")),
                ("A/Net.cs", Model("NetA")),
                (string.Empty, Model("Unnamed")),
            }));

            // Hint names are compared ignoring case, so B/net.cs is numbered after A/Net.cs, and C/Net.2.cs after that.
            var expected = new Dictionary<string, string>
            {
                ["Source.DecayGroups.g.cs"] = "Unnamed",
                ["Net.DecayGroups.g.cs"] = "NetA",
                ["net.2.DecayGroups.g.cs"] = "NetB",
                ["Net.2.2.DecayGroups.g.cs"] = "NetC",
                ["weird_name_1.DecayGroups.g.cs"] = "Weird",
            };
            Assert.Equal(expected.Keys.OrderBy(k => k, System.StringComparer.Ordinal), result.Sources.Keys.OrderBy(k => k, System.StringComparer.Ordinal));
            foreach (var (hintName, model) in expected)
            {
                Assert.Contains("partial class " + model + " ", result.Sources[hintName]);
                Assert.Single(result.Sources.Values, text => text.Contains("partial class " + model + " ", System.StringComparison.Ordinal));
            }

            TestCompilation.AssertClean(result.Output);
        }

        [Fact]
        public void An_attribute_that_is_only_named_like_WdGens_gets_no_code()
        {
            // The generator matches attribute names the way C# resolves them for WdGen: this file does not import
            // WdGen, so [DecayGroups] here is the local attribute, and the class is left alone.
            const string source = """
                using TorchSharp;
                using TorchSharp.Modules;
                using static TorchSharp.torch;

                namespace Other
                {
                    public sealed class DecayGroupsAttribute : System.Attribute { }

                    [DecayGroups]
                    public partial class Lookalike : nn.Module<Tensor, Tensor>
                    {
                        private readonly Linear fc = nn.Linear(1, 1);
                        public Lookalike() : base("x") { }
                        public override Tensor forward(Tensor t) => t;
                    }

                    [WdGen.DecayGroups]
                    public partial class Qualified : nn.Module<Tensor, Tensor>
                    {
                        private readonly Linear fc = nn.Linear(1, 1);
                        public Qualified() : base("x") { }
                        public override Tensor forward(Tensor t) => t;
                    }
                }
                """;

            var result = GeneratorRunner.Run(source);

            Assert.Equal(new[] { "Model0.DecayGroups.g.cs" }, result.Sources.Keys);
            Assert.Contains("partial class Qualified ", result.Sources["Model0.DecayGroups.g.cs"]);
            Assert.DoesNotContain("Lookalike", result.Sources["Model0.DecayGroups.g.cs"]);
            TestCompilation.AssertClean(result.Output);
        }

        [Theory]
        [InlineData("[Decay(0)]")]
        [InlineData("[Decay(double.NaN)]")]
        public void Invalid_decay_scales_get_code_that_compiles_and_a_plan_that_refuses_them_by_name(string attribute)
        {
            // The generator does not evaluate attribute arguments: WDG007 reports them at compile time, and the plan,
            // which reads them from metadata, refuses them at run time naming the member.
            var source = Usings + "public partial class Scaled : nn.Module<Tensor, Tensor> { " + attribute + " private readonly Linear fc = nn.Linear(1, 1); public Scaled() : base(\"x\") { } public override Tensor forward(Tensor t) => t; }";
            var result = GeneratorRunner.Run(source);

            TestCompilation.AssertClean(result.Output);
            var assembly = TestCompilation.EmitAndLoad(result.Output);
            var error = Assert.Throws<System.ArgumentOutOfRangeException>(() => DecayPlan.Of(assembly.GetType("Scaled", throwOnError: true)!));
            Assert.Contains("Scaled.fc must be positive and finite", error.Message);
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

            var forward = GeneratorRunner.Run(TestCompilation.Create(new[] { ("Alpha.cs", alpha), ("Zebra.cs", zebra) })).Sources["Alpha.DecayGroups.g.cs"];
            var backward = GeneratorRunner.Run(TestCompilation.Create(new[] { ("Zebra.cs", zebra), ("Alpha.cs", alpha) })).Sources["Alpha.DecayGroups.g.cs"];

            Assert.Equal(forward, backward);
            var order = forward.Split('\n').Single(line => line.Contains("WalkOrder(", System.StringComparison.Ordinal));
            Assert.True(order.IndexOf("fromAlpha", System.StringComparison.Ordinal) < order.IndexOf("fromZebra", System.StringComparison.Ordinal), order);
        }

        [Fact]
        public void A_model_deriving_from_a_model_reimplements_the_walk_without_hiding_anything()
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

            // The generator reads no types, so it cannot know whether the base is a model: the walk is an explicit
            // interface implementation, which re-implements the base model's and hides nothing, so no warning needs
            // silencing either way.
            TestCompilation.AssertClean(result.Output);
            var generated = result.Sources["Model0.DecayGroups.g.cs"];
            Assert.DoesNotContain("#pragma", generated);
            Assert.Contains("[global::WdGen.WalkOrder(\"shared\")]\npartial class Base ", generated);
            Assert.Contains("[global::WdGen.WalkOrder(\"norm\")]\npartial class Derived ", generated);
        }
    }
}

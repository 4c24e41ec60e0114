using System.Linq;
using WdGen.Generator.Tests.Infrastructure;
using Xunit;

namespace WdGen.Generator.Tests.Emission
{
    /// <summary>The generated source, pinned as .verified.cs files (see <see cref="Snapshot"/> to accept changes).</summary>
    public class SnapshotTests
    {
        [Fact]
        public void Gpt_example_from_the_issue()
        {
            var result = GeneratorRunner.Run(TestCompilation.Create(new[] { ("Models/Gpt.cs", ModelSources.Gpt) }));

            Assert.Empty(result.Diagnostics);
            Assert.Equal(new[] { "Gpt.DecayGroups.g.cs" }, result.Sources.Keys);
            Snapshot.Verify("Gpt", result.Sources["Gpt.DecayGroups.g.cs"]);
            TestCompilation.AssertClean(result.Output);
        }

        [Fact]
        public void Nested_generic_model_with_attributed_auto_property_and_base_typed_fields()
        {
            const string source = """
                using TorchSharp;
                using TorchSharp.Modules;
                using WdGen;
                using static TorchSharp.torch;

                public static partial class Outer
                {
                    public sealed partial class Net<T> : nn.Module<Tensor, Tensor>
                    {
                        [Decay(2, IncludeBiases = true)] public Linear Encoder { get; } = nn.Linear(4, 4);
                        private readonly nn.Module<Tensor, Tensor> body = nn.Linear(4, 4);
                        private readonly Tensor scale = nn.Parameter(torch.ones(1));
                        private readonly T? extra;

                        public Net(T? extra) : base("Net")
                        {
                            this.extra = extra;
                            RegisterComponents();
                        }

                        public override Tensor forward(Tensor input) => input;
                    }
                }
                """;

            var result = GeneratorRunner.Run(TestCompilation.Create(new[] { ("Outer.cs", source) }));

            Assert.Empty(result.Diagnostics);
            Snapshot.Verify("NestedGeneric", result.Sources["Outer.DecayGroups.g.cs"]);
            TestCompilation.AssertClean(result.Output);
        }

        [Fact]
        public void Output_is_identical_across_runs_and_file_orders()
        {
            var first = GeneratorRunner.Run(ModelSources.Gpt).Sources;
            var second = GeneratorRunner.Run(ModelSources.Gpt).Sources;

            Assert.Equal(first, second);
        }
    }
}

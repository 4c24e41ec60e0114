using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using WdGen.Generator.Tests.Infrastructure;
using Xunit;

namespace WdGen.Generator.Tests.Incrementality
{
    /// <summary>The generator's steps stay cached for unrelated edits and redo only the edited model.</summary>
    public class IncrementalityTests
    {
        private const string Unrelated = """
            namespace Samples
            {
                public static class Helpers
                {
                    public static int Answer() => 42;
                }
            }
            """;

        private const string SecondModel = """
            using TorchSharp;
            using TorchSharp.Modules;
            using WdGen;
            using static TorchSharp.torch;

            namespace Samples
            {
                [DecayGroups]
                public sealed partial class Small : nn.Module<Tensor, Tensor>
                {
                    private readonly Linear fc = nn.Linear(2, 2);

                    public Small() : base(nameof(Small)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }
            }
            """;

        private const string TwoModels = """
            using TorchSharp;
            using TorchSharp.Modules;
            using WdGen;
            using static TorchSharp.torch;

            namespace Samples
            {
                [DecayGroups]
                public sealed partial class Other : nn.Module<Tensor, Tensor>
                {
                    private readonly Linear proj = nn.Linear(2, 2);

                    public Other() : base(nameof(Other)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }

                [DecayGroups]
                public sealed partial class Small : nn.Module<Tensor, Tensor>
                {
                    private readonly Linear fc = nn.Linear(2, 2);

                    public Small() : base(nameof(Small)) => RegisterComponents();

                    public override Tensor forward(Tensor input) => input;
                }
            }
            """;

        private static readonly string[] TrackedSteps =
        {
            DecayGroupsGenerator.Steps.TorchSharpReferenced,
            DecayGroupsGenerator.Steps.Parts,
            DecayGroupsGenerator.Steps.GlobalUsings,
            DecayGroupsGenerator.Steps.Files,
        };

        [Fact]
        public void Method_body_edit_in_an_unrelated_file_leaves_every_step_cached()
        {
            var compilation = TestCompilation.Create(new[] { ModelSources.Gpt, SecondModel, Unrelated });
            var driver = GeneratorRunner.CreateDriver().RunGenerators(compilation);

            var edited = Replace(compilation, 2, Unrelated.Replace("=> 42", "=> 43"));
            driver = driver.RunGenerators(edited);

            var result = driver.GetRunResult().Results.Single();
            foreach (var step in TrackedSteps)
            {
                foreach (var output in Outputs(result, step))
                {
                    Assert.True(
                        output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                        step + " output was " + output.Reason + " after an unrelated edit.");
                }
            }

            Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o =>
                Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, "Source output was " + o.Reason));
        }

        [Fact]
        public void Field_edit_regenerates_exactly_that_model()
        {
            var compilation = TestCompilation.Create(new[] { ModelSources.Gpt, SecondModel, Unrelated });
            var driver = GeneratorRunner.CreateDriver().RunGenerators(compilation);

            var edited = Replace(compilation, 1, SecondModel.Replace("private readonly Linear fc = nn.Linear(2, 2);", "private readonly Linear fc = nn.Linear(2, 2);\n        private readonly Linear extra = nn.Linear(2, 2);"));
            driver = driver.RunGenerators(edited);

            var result = driver.GetRunResult().Results.Single();
            var changed = Changed(result);
            Assert.Equal(new[] { "Model1.DecayGroups.g.cs" }, changed);
            Assert.Contains("[global::WdGen.WalkOrder(\"fc extra\")]", result.GeneratedSources.Single(s => s.HintName == "Model1.DecayGroups.g.cs").SourceText.ToString());
        }

        [Fact]
        public void Field_edit_in_a_file_of_several_models_changes_only_that_models_lines()
        {
            // One output per source file: the edited file's output is produced anew, and in it only the edited
            // model's walk order differs.
            var compilation = TestCompilation.Create(new[] { ModelSources.Gpt, TwoModels, Unrelated });
            var driver = GeneratorRunner.CreateDriver().RunGenerators(compilation);
            var before = driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == "Model1.DecayGroups.g.cs").SourceText.ToString();
            Assert.Contains("partial class Other ", before);
            Assert.Contains("partial class Small ", before);

            var edited = Replace(compilation, 1, TwoModels.Replace("private readonly Linear fc = nn.Linear(2, 2);", "private readonly Linear fc = nn.Linear(2, 2);\n        private readonly Linear extra = nn.Linear(2, 2);"));
            driver = driver.RunGenerators(edited);

            var result = driver.GetRunResult().Results.Single();
            Assert.Equal(new[] { "Model1.DecayGroups.g.cs" }, Changed(result));
            var after = result.GeneratedSources.Single(s => s.HintName == "Model1.DecayGroups.g.cs").SourceText.ToString();
            // Compared line by line (a field adds no line): only Small's [WalkOrder].
            var beforeLines = before.Split('\n');
            var afterLines = after.Split('\n');
            Assert.Equal(beforeLines.Length, afterLines.Length);
            var small = Array.FindIndex(afterLines, line => line.Contains("partial class Small ", StringComparison.Ordinal));
            Assert.Equal(new[] { small - 1 }, Enumerable.Range(0, afterLines.Length).Where(i => beforeLines[i] != afterLines[i]));
            Assert.Contains("[global::WdGen.WalkOrder(\"fc extra\")]\n    partial class Small ", after);
        }

        [Fact]
        public void Attribute_edit_regenerates_nothing_because_the_plan_reads_attributes_from_metadata()
        {
            var compilation = TestCompilation.Create(new[] { ModelSources.Gpt, SecondModel, Unrelated });
            var driver = GeneratorRunner.CreateDriver().RunGenerators(compilation);

            var edited = Replace(compilation, 1, SecondModel.Replace("private readonly Linear fc", "[NoDecay] private readonly Linear fc"));
            driver = driver.RunGenerators(edited);

            var result = driver.GetRunResult().Results.Single();
            Assert.Contains(Outputs(result, DecayGroupsGenerator.Steps.Parts), o => o.Reason == IncrementalStepRunReason.Modified);
            Assert.Empty(Changed(result));
        }

        /// <summary>The hint names of the files whose source the last run produced anew.</summary>
        private static List<string> Changed(GeneratorRunResult result)
        {
            var models = Outputs(result, DecayGroupsGenerator.Steps.Files).ToList();
            var changed = models.Where(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New).ToList();
            Assert.All(models.Except(changed), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
            var regenerated = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs)
                .Count(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New);
            Assert.Equal(changed.Count, regenerated);
            return changed.Select(o => (string)o.Value.GetType().GetProperty("HintName")!.GetValue(o.Value)!).ToList();
        }

        [Fact]
        public void No_step_output_holds_symbols_syntax_or_compilations()
        {
            var compilation = TestCompilation.Create(new[] { ModelSources.Gpt, SecondModel });
            var result = GeneratorRunner.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();

            var checkedValues = 0;
            // Only WdGen's own steps: Roslyn's internal attribute-lookup steps legitimately carry syntax trees.
            foreach (var step in TrackedSteps.SelectMany(name => result.TrackedSteps[name]))
            {
                foreach (var (value, _) in step.Outputs)
                {
                    AssertNoRoslynObjects(value, step.Name ?? "(unnamed)", new HashSet<object>(ReferenceEqualityComparer.Instance));
                    checkedValues++;
                }
            }

            Assert.True(checkedValues > 0);
        }

        private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string text)
        {
            var old = compilation.SyntaxTrees.ElementAt(index);
            return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, TestCompilation.ParseOptions, old.FilePath));
        }

        private static IEnumerable<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step)
            => result.TrackedSteps.TryGetValue(step, out var runs) ? runs.SelectMany(r => r.Outputs) : Enumerable.Empty<(object, IncrementalStepRunReason)>();

        private static void AssertNoRoslynObjects(object? value, string step, HashSet<object> seen)
        {
            if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
            {
                return;
            }

            Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree, "Step " + step + " outputs a " + value.GetType().Name + ".");
            if (!value.GetType().IsValueType && !seen.Add(value))
            {
                return;
            }

            if (value is IEnumerable items)
            {
                foreach (var item in items)
                {
                    AssertNoRoslynObjects(item, step, seen);
                }
            }

            foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                AssertNoRoslynObjects(field.GetValue(value), step, seen);
            }
        }
    }
}

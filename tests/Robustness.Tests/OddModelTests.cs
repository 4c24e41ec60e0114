using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using WdGen.Generator.Tests.Infrastructure;
using WdGen.Robustness.Tests.Infrastructure;
using WdGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace WdGen.Robustness.Tests
{
    /// <summary>
    /// Issue 6: deliberately odd but legal models (tests/Robustness.Tests/Corpus) get correct, warning-free generated
    /// code, run against the TorchSharp fixture; the one illegal shape (a record module) makes nothing crash.
    /// </summary>
    public sealed class OddModelTests
    {
        private readonly ITestOutputHelper output;

        public OddModelTests(ITestOutputHelper output)
        {
            this.output = output;
        }

        public static TheoryData<string> LegalUnits() => new()
        {
            "GenericModules.cs", "NestedAndFileLocal.cs", "Records.cs", "ArrayFields.cs", "AliasedAttributes.cs", "GlobalUsings", "NullableDisable.cs", "Keywords.cs",
        };

        [Theory]
        [MemberData(nameof(LegalUnits))]
        public void Legal_odd_models_compile_warning_free_and_nothing_throws(string unit)
        {
            var sources = Corpus(unit);
            var result = GeneratorRunner.Run(TestCompilation.Create(sources));
            Assert.Empty(result.Diagnostics);
            TestCompilation.AssertClean(result.Output);
            Assert.True(result.Sources.Count > 0, "No model code was generated for " + unit);

            var outcome = Pipeline.Run(sources);
            Assert.Empty(outcome.Problems);
            foreach (var diagnostic in outcome.AnalyzerDiagnostics.Where(d => d.Id.StartsWith("WDG", StringComparison.Ordinal)))
            {
                output.WriteLine(diagnostic.ToString());
            }
        }

        [Fact]
        public void Generic_modules_are_walked_with_their_run_time_type_arguments()
        {
            var assembly = Compile("GenericModules.cs");
            var residual = UserAssembly.Groups(assembly.Call("Odd.Generic.GenericFactory", "Residual")!);
            output.WriteLine(residual.ToString());
            Assert.True(residual["inner.weight"].Decays);
            Assert.False(residual["inner.bias"].Decays);
            Assert.False(residual["norm.weight"].Decays);
            Assert.Equal(2.0, residual["proj.weight"].Scale);

            var nested = UserAssembly.Groups(assembly.Call("Odd.Generic.GenericFactory", "Nested")!);
            Assert.Equal(2.0, nested["inner.proj.weight"].Scale);
            Assert.True(nested["inner.inner.weight"].Decays);

            var tagged = UserAssembly.Groups(assembly.Call("Odd.Generic.GenericFactory", "Tagged")!);
            Assert.False(tagged["fc.weight"].Decays);
            Assert.False(tagged["table.weight"].Decays);

            var derived = UserAssembly.Groups(assembly.Call("Odd.Generic.GenericFactory", "Derived")!);
            Assert.True(derived["extra.weight"].Decays);
            Assert.False(derived["fc.weight"].Decays);
        }

        [Fact]
        public void Nested_models_get_groups_and_a_file_local_model_is_left_alone()
        {
            var assembly = Compile("NestedAndFileLocal.cs");
            var deep = UserAssembly.Groups(assembly.Call("Odd.Nested.Zoo", "CreateDeep")!);
            Assert.True(deep["child.fc.weight"].Decays);
            Assert.False(deep["child.emb.weight"].Decays);
            Assert.False(deep["frozenHead.weight"].Decays);

            // File-local types cannot be extended from a generated file: no walk (so no GetDecayGroups()), and no error either.
            var hidden = assembly.Call("Odd.Nested.Zoo", "CreateHidden")!;
            Assert.False(typeof(IDecayGroupsModel).IsAssignableFrom(hidden.GetType()));
            Assert.Null(System.Reflection.CustomAttributeExtensions.GetCustomAttribute<WalkOrderAttribute>(hidden.GetType()));
        }

        [Fact]
        public void A_record_field_is_not_a_module_and_is_not_walked()
        {
            var groups = UserAssembly.Groups(Compile("Records.cs").Call("Odd.Records.WithRecords", "Create")!);
            Assert.Equal(new[] { "fc.weight", "fc.bias" }, groups.Entries.Select(e => e.Name));
        }

        /// <summary>
        /// TorchSharp does not register modules held in arrays or lists, so no optimizer built from parameters()
        /// trains them. WdGen follows TorchSharp: the groups hold exactly the registered parameters and the run-time
        /// check passes (nothing registered is missed). Which WDG diagnostics (if any) point at such fields is printed.
        /// </summary>
        [Fact]
        public void Modules_in_array_and_list_fields_are_not_registered_and_not_grouped()
        {
            var groups = UserAssembly.Groups(Compile("ArrayFields.cs").Call("Odd.Arrays.Stacked", "Create")!);
            Assert.Equal(new[] { "registered.0.weight", "registered.0.bias", "head.weight", "head.bias" }, groups.Entries.Select(e => e.Name));

            var diagnostics = Pipeline.Run(Corpus("ArrayFields.cs")).AnalyzerDiagnostics
                .Where(d => d.Id.StartsWith("WDG", StringComparison.Ordinal))
                .Select(d => d.Id + " on '" + d.Location.SourceTree!.ToString().Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length) + "': " + d.GetMessage())
                .ToList();
            output.WriteLine(diagnostics.Count == 0 ? "No WDG diagnostic on the array and list fields." : string.Join("\n", diagnostics));
        }

        [Fact]
        public void Attributes_through_using_aliases_global_usings_and_full_names_are_honoured()
        {
            var aliased = Compile("AliasedAttributes.cs");
            var groups = UserAssembly.Groups(aliased.Call("Odd.Aliases.Aliased", "Create")!);
            Assert.Equal(0.5, groups["a.weight"].Scale);
            Assert.False(groups["a.bias"].Decays);
            Assert.False(groups["b.weight"].Decays);
            Assert.Equal(2.0, groups["c.weight"].Scale);
            Assert.False(groups["p"].Decays);
            Assert.True(groups["q"].Decays);
            Assert.Equal(3.0, UserAssembly.Groups(aliased.Call("Odd.Aliases.AliasOnly", "Create")!)["fc.weight"].Scale);

            var global = UserAssembly.Groups(Compile("GlobalUsings").Call("Odd.Global.GlobalNet", "Create")!);
            Assert.Equal(3.0, global["fc.weight"].Scale);
            Assert.False(global["norm.weight"].Decays);
        }

        [Fact]
        public void A_nullable_disabled_file_and_keyword_identifiers_work()
        {
            var legacy = UserAssembly.Groups(Compile("NullableDisable.cs").Call("Odd.Legacy.Legacy", "Create")!);
            Assert.True(legacy["fc.weight"].Decays);
            Assert.False(legacy["norm.weight"].Decays);
            Assert.Equal(0.25, legacy["scale"].Scale);

            var keywords = UserAssembly.Groups(Compile("Keywords.cs").Call("Odd.event.class", "Create")!);
            Assert.True(keywords["int.weight"].Decays);
            Assert.False(keywords["this.weight"].Decays);
            Assert.Equal(0.5, keywords["base"].Scale);
        }

        [Fact]
        public void Generated_code_is_warning_free_with_nullable_disabled_for_the_whole_project()
        {
            var compilation = TestCompilation.Create(new[] { ModelSources.Gpt });
            compilation = compilation.WithOptions(compilation.Options.WithNullableContextOptions(NullableContextOptions.Disable));
            var result = GeneratorRunner.Run(compilation);
            Assert.Empty(result.Diagnostics);
            TestCompilation.AssertClean(result.Output);
        }

        /// <summary>A record cannot derive from a TorchSharp module (CS8864): the generator emits nothing for it and nothing throws.</summary>
        [Fact]
        public void A_record_module_is_a_compile_error_but_nothing_crashes()
        {
            var sources = Corpus("RecordModule.cs");
            var result = GeneratorRunner.Run(TestCompilation.Create(sources));
            Assert.Empty(result.Diagnostics);
            output.WriteLine("Generated: " + string.Join(", ", result.Sources.Keys));
            var errors = result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct().ToList();
            output.WriteLine(string.Join(", ", errors));
            Assert.Contains("CS8864", errors);
            Assert.Empty(Pipeline.Run(sources).Problems);
        }

        [Fact]
        public void A_model_with_2000_fields_is_generated_compiled_and_walked()
        {
            const int Fields = 2000;
            var source = LongModel(Fields);
            var sources = new[] { source };
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            var result = GeneratorRunner.Run(TestCompilation.Create(sources));
            Assert.Empty(result.Diagnostics);
            output.WriteLine("generator: " + stopwatch.ElapsedMilliseconds + " ms");
            stopwatch.Restart();
            Assert.Empty(Pipeline.Run(new[] { ("Long.cs", source) }, codeFixes: false).Problems);
            output.WriteLine("generator and analyzers: " + stopwatch.ElapsedMilliseconds + " ms");
            stopwatch.Restart();

            var assembly = UserAssembly.Compile(sources);
            output.WriteLine("compile and load: " + stopwatch.ElapsedMilliseconds + " ms");
            stopwatch.Restart();
            var groups = UserAssembly.Groups(assembly.Create("Odd.Long.Wide"));
            output.WriteLine("construct and walk: " + stopwatch.ElapsedMilliseconds + " ms");
            var expectedDecays = Enumerable.Range(0, Fields).Count(i => (i % 4 == 0 && i % 12 != 0) || (i % 4 == 3 && i % 8 == 3));
            var expectedEntries = Enumerable.Range(0, Fields).Sum(i => (i % 4) switch { 0 or 1 => 2, _ => 1 });
            Assert.Equal(expectedEntries, groups.Entries.Count);
            Assert.Equal(expectedDecays, groups.Decay.Count);
            Assert.Equal("f1999", groups.Entries[^1].Name);
        }

        /// <summary>Fields cycle Linear ([NoDecay] on every third), LayerNorm, Embedding, Parameter ([Decay] or [NoDecay]).</summary>
        private static string LongModel(int fields)
        {
            var text = new StringBuilder();
            text.AppendLine("using TorchSharp;\nusing TorchSharp.Modules;\nusing WdGen;\nusing static TorchSharp.torch;\n");
            text.AppendLine("namespace Odd.Long\n{\n    [DecayGroups]\n    public sealed partial class Wide : nn.Module<Tensor, Tensor>\n    {");
            for (var i = 0; i < fields; i++)
            {
                text.AppendLine((i % 4) switch
                {
                    0 => (i % 12 == 0 ? "[NoDecay] " : string.Empty) + "private readonly Linear f" + i + " = nn.Linear(2, 2);",
                    1 => "private readonly LayerNorm f" + i + " = nn.LayerNorm(2);",
                    2 => "private readonly Embedding f" + i + " = nn.Embedding(3, 2);",
                    _ => (i % 8 == 3 ? "[Decay] " : "[NoDecay] ") + "private readonly Parameter f" + i + " = nn.Parameter(torch.ones(2));",
                });
            }

            text.AppendLine("        public Wide() : base(nameof(Wide)) => RegisterComponents();\n");
            text.AppendLine("        public override Tensor forward(Tensor input) => input;\n    }\n}");
            return text.ToString();
        }

        private static UserAssembly Compile(string unit) => UserAssembly.Compile(Corpus(unit).Select(s => s.Text).ToArray());

        /// <summary>A corpus file, or every file of a corpus folder (compiled together).</summary>
        private static List<(string Name, string Text)> Corpus(string unit)
        {
            var path = RepositoryPaths.Combine("tests", "Robustness.Tests", "Corpus", unit);
            var files = Directory.Exists(path) ? Directory.GetFiles(path, "*.cs").OrderBy(f => f, StringComparer.Ordinal).ToArray() : new[] { path };
            return files.Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToList();
        }
    }
}

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using WdGen.Analyzers.Tests.Infrastructure;
using WdGen.Generator;
using WdGen.Robustness.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace WdGen.Robustness.Tests
{
    /// <summary>
    /// Issue 6, the generator's half at full coverage: every input is typed token by token, every token boundary of
    /// every file and test literal, into one incremental generator driver per input, as the IDE feeds it. The
    /// generator reads syntax only, so a variant costs a parse, not a bind, and all of them fit in the suite (the
    /// analyzers and code fixes, which bind, get the sampled variants of <see cref="FuzzTests"/>). Each step must not
    /// throw (CS8785) and must emit code that parses; at every 16th boundary and at the end the incremental result
    /// must equal a cold run's, so a cache that keeps a stale model would fail here.
    /// </summary>
    public sealed class TypingTests
    {
        private const int ColdCheckEvery = 16;

        private static readonly CSharpParseOptions ParseOptions = AnalyzerHarness.ParseOptions;

        private static readonly Lazy<CSharpCompilation> Empty = new(() => CSharpCompilation.Create(
            "Typing", Array.Empty<SyntaxTree>(), AnalyzerHarness.ReferencesFor(true), AnalyzerHarness.CompilationOptions));

        private readonly ITestOutputHelper output;

        public TypingTests(ITestOutputHelper output)
        {
            this.output = output;
        }

        [Fact]
        public async Task Typing_every_input_token_by_token_never_makes_the_generator_throw_or_go_stale()
        {
            var inputs = FuzzCorpus.Files().Concat(FuzzCorpus.TestLiterals()).ToList();
            var failures = new ConcurrentQueue<string>();
            var steps = 0;
            var coldChecks = 0;
            var withModels = 0;
            var stopwatch = Stopwatch.StartNew();

            await Task.Run(() => Parallel.ForEach(inputs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, input =>
            {
                var result = Type(input);
                Interlocked.Add(ref steps, result.Steps);
                Interlocked.Add(ref coldChecks, result.ColdChecks);
                Interlocked.Add(ref withModels, result.StepsWithModels);
                foreach (var failure in result.Failures)
                {
                    failures.Enqueue(input.Name + ": " + failure);
                }
            }));

            output.WriteLine(
                $"{steps} token boundaries of {inputs.Count} inputs typed in {stopwatch.Elapsed.TotalSeconds:F1} s, {withModels} of them with model code; "
                + $"{coldChecks} incremental results compared with a cold run; {failures.Count} failures.");
            foreach (var failure in failures.Take(10))
            {
                output.WriteLine(failure);
            }

            Assert.True(failures.IsEmpty, failures.Count + " failures; the first:\n" + string.Join("\n\n", failures.Take(3)));

            // Floors, so the test cannot silently shrink into running nothing.
            Assert.True(inputs.Count >= 60, "Only " + inputs.Count + " inputs were found.");
            Assert.True(steps >= 20_000, "Only " + steps + " token boundaries were typed.");
            Assert.True(withModels >= steps / 10, "Only " + withModels + " of " + steps + " steps produced model code: the corpus no longer exercises the generator.");
        }

        private sealed record Outcome(int Steps, int ColdChecks, int StepsWithModels, List<string> Failures);

        private static Outcome Type(FuzzInput input)
        {
            var failures = new List<string>();
            var compilation = Empty.Value.AddSyntaxTrees(input.Companions.Select(c => CSharpSyntaxTree.ParseText(c.Text, ParseOptions, c.Name)));
            var boundaries = CSharpSyntaxTree.ParseText(input.Text, ParseOptions).GetRoot()
                .DescendantTokens(descendIntoTrivia: false)
                .Select(t => t.FullSpan.Start)
                .Append(input.Text.Length)
                .Distinct()
                .ToList();
            GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new DecayGroupsGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
            // Each step appends the next token to the text, and the tree is re-parsed incrementally as the IDE does,
            // so unchanged nodes are reused and the generator's node-identity caching is exercised as in the IDE.
            var typed = CSharpSyntaxTree.ParseText(SourceText.From(string.Empty), ParseOptions, input.Name);
            compilation = compilation.AddSyntaxTrees(typed);
            var checkedTrees = new Dictionary<string, SyntaxTree>(StringComparer.Ordinal);
            int steps = 0, coldChecks = 0, withModels = 0;
            for (var i = 0; i < boundaries.Count && failures.Count < 3; i++)
            {
                var before = typed.GetText();
                var change = new TextChange(new TextSpan(before.Length, 0), input.Text.Substring(before.Length, boundaries[i] - before.Length));
                var tree = typed.WithChangedText(before.WithChanges(change));
                compilation = compilation.ReplaceSyntaxTree(typed, tree);
                typed = tree;
                driver = driver.RunGenerators(compilation);
                steps++;
                var run = driver.GetRunResult().Results.Single();
                var where = "typed up to position " + boundaries[i] + " of " + input.Text.Length;
                if (run.Exception is { } exception)
                {
                    failures.Add(where + ": the generator threw " + exception);
                    continue;
                }

                foreach (var source in run.GeneratedSources)
                {
                    // A cached output is the same tree as before, already checked.
                    if (checkedTrees.TryGetValue(source.HintName, out var seen) && ReferenceEquals(seen, source.SyntaxTree))
                    {
                        continue;
                    }

                    checkedTrees[source.HintName] = source.SyntaxTree;
                    if (source.SyntaxTree.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } error)
                    {
                        failures.Add(where + ": generated " + source.HintName + " does not parse: " + error + "\n" + source.SourceText);
                    }
                }

                if (run.GeneratedSources.Length > 0)
                {
                    withModels++;
                }

                if (i % ColdCheckEvery == 0 || i == boundaries.Count - 1)
                {
                    coldChecks++;
                    var cold = CSharpGeneratorDriver.Create(new[] { new DecayGroupsGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
                        .RunGenerators(compilation).GetRunResult().Results.Single();
                    if (Describe(cold.GeneratedSources) != Describe(run.GeneratedSources))
                    {
                        failures.Add(where + ": the incremental output differs from a cold run's.\nIncremental:\n" + Describe(run.GeneratedSources) + "\nCold:\n" + Describe(cold.GeneratedSources));
                    }
                }
            }

            return new Outcome(steps, coldChecks, withModels, failures);
        }

        private static string Describe(ImmutableArray<GeneratedSourceResult> sources)
            => string.Join("\n", sources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => "// " + s.HintName + "\n" + s.SourceText));
    }
}

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WdGen.Robustness.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace WdGen.Robustness.Tests
{
    /// <summary>
    /// Issue 6: the generator, analyzers and code fixes run on every keystroke, so no half-typed file may make them
    /// throw (AD0001, CS8785) or emit code that does not parse. Every test input and sample is truncated at token
    /// boundaries and has random tokens deleted or duplicated; each variant goes through the whole pipeline.
    /// Deterministic (fixed seeds, evenly sampled boundaries) and bounded: a variant costs a full bind of the user code
    /// and its generated code (tens of milliseconds), so files get 14 truncations and 10 mutations each and test literals
    /// one of each (about 1,100 variants); <c>WDGEN_FUZZ_SCALE=10</c> runs ten times as many per input.
    /// </summary>
    public sealed class FuzzTests
    {
        /// <summary>Whole files: every token boundary up to this many, an even sample beyond.</summary>
        private const int FileTruncations = 14;

        private const int FileMutations = 10;

        /// <summary>Test literals are many and small: a lighter budget each.</summary>
        private const int LiteralTruncations = 1;

        private const int LiteralMutations = 1;

        private readonly ITestOutputHelper output;

        public FuzzTests(ITestOutputHelper output)
        {
            this.output = output;
        }

        [Fact]
        public async Task Truncated_and_mutated_sources_never_make_WdGen_throw()
        {
            var scale = int.TryParse(Environment.GetEnvironmentVariable("WDGEN_FUZZ_SCALE"), out var s) && s > 0 ? s : 1;
            var files = FuzzCorpus.Files();
            var literals = FuzzCorpus.TestLiterals();
            var work = new List<(FuzzInput Input, Variant Variant)>();
            foreach (var input in files.Concat(literals))
            {
                var (truncations, mutations) = input.IsFile ? (FileTruncations, FileMutations) : (LiteralTruncations, LiteralMutations);
                work.AddRange(Variants.Truncations(input.Text, truncations * scale).Select(v => (input, v)));
                work.AddRange(Variants.Mutations(input.Text, input.Name, mutations * scale).Select(v => (input, v)));
            }

            var failures = new ConcurrentQueue<string>();
            var withGenerated = 0;
            var withWdgDiagnostics = 0;
            var codeActions = 0;
            var stopwatch = Stopwatch.StartNew();

            // Off the xunit thread (and its synchronization context); one worker per core.
            await Task.Run(() => Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
            {
                var sources = new[] { (item.Input.Name, item.Variant.Text) }.Concat(item.Input.Companions).ToList();
                PipelineOutcome outcome;
                try
                {
                    outcome = Pipeline.Run(sources);
                }
                catch (Exception e)
                {
                    failures.Enqueue(Report(item.Input, item.Variant, "the pipeline threw " + e));
                    return;
                }

                foreach (var problem in outcome.Problems)
                {
                    failures.Enqueue(Report(item.Input, item.Variant, problem));
                }

                // Beyond the bridge, which any compilation referencing TorchSharp gets.
                if (outcome.Generated.Count > 0)
                {
                    Interlocked.Increment(ref withGenerated);
                }

                if (outcome.AnalyzerDiagnostics.Any(d => d.Id.StartsWith("WDG", StringComparison.Ordinal)))
                {
                    Interlocked.Increment(ref withWdgDiagnostics);
                }

                Interlocked.Add(ref codeActions, outcome.CodeActions);
            }));

            output.WriteLine(
                $"{work.Count} variants of {files.Count} files and {literals.Count} test literals in {stopwatch.Elapsed.TotalSeconds:F1} s "
                + $"({Pipeline.Analyzers.Length} analyzers, {Pipeline.CodeFixes.Length} code-fix providers): "
                + $"{withGenerated} with generated models, {withWdgDiagnostics} with WDG diagnostics, {codeActions} code actions computed; {failures.Count} failures.");
            foreach (var failure in failures.Take(10))
            {
                output.WriteLine(failure);
            }

            Assert.True(failures.IsEmpty, failures.Count + " failures; the first:\n" + string.Join("\n\n", failures.Take(3)));
            Assert.True(Pipeline.Analyzers.Length >= 2, "No analyzers found by reflection.");
            Assert.True(Pipeline.CodeFixes.Length >= 1, "No code-fix providers found by reflection.");

            // Floors, so the test cannot silently shrink into running nothing.
            Assert.True(files.Count >= 10, "Only " + files.Count + " corpus and sample files were found.");
            Assert.True(literals.Count >= 50, "Only " + literals.Count + " test literals were found.");
            Assert.True(work.Count >= 800 * scale, "Only " + work.Count + " variants ran.");
            Assert.True(withGenerated >= 150 * scale, "Only " + withGenerated + " variants produced model code: the corpus no longer exercises the generator.");
            Assert.True(withWdgDiagnostics >= 100 * scale, "Only " + withWdgDiagnostics + " variants produced WDG diagnostics: the corpus no longer exercises the analyzers.");
            Assert.True(codeActions >= 40 * scale, "Only " + codeActions + " code actions were computed: the corpus no longer exercises the code fixes.");
        }

        /// <summary>Writes the failing variant to a temporary file, so it can be reproduced, and describes it.</summary>
        private static string Report(FuzzInput input, Variant variant, string problem)
        {
            var directory = Path.Combine(Path.GetTempPath(), "wdgen-fuzz");
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, "variant-" + (uint)(input.Name + variant.Description).GetHashCode() + ".cs");
            File.WriteAllText(file, variant.Text);
            return input.Name + ", " + variant.Description + " (saved as " + file + "):\n" + problem;
        }
    }
}

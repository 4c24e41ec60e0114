using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WdGen.Robustness.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace WdGen.Robustness.Tests
{
    /// <summary>
    /// Issue 6, the analyzers' half at full coverage where it is affordable: every token boundary of every test literal
    /// (the small programs the generator and analyzer tests are written in, each aimed at one analyzer path) is cut
    /// there and run through the generator and every analyzer, asserting no exception, no AD0001 and generated code that
    /// parses. Unlike the generator, the analyzers bind, so a variant costs a compilation: the larger corpus and sample
    /// files stay with the evenly sampled variants of <see cref="FuzzTests"/>, and code fixes, which cost a workspace
    /// edit each, too.
    /// </summary>
    public sealed class AnalyzerSweepTests
    {
        private readonly ITestOutputHelper output;

        public AnalyzerSweepTests(ITestOutputHelper output)
        {
            this.output = output;
        }

        [Fact]
        public async Task Every_token_boundary_of_every_test_literal_never_makes_an_analyzer_throw()
        {
            var literals = FuzzCorpus.TestLiterals();
            var work = literals.SelectMany(input => Variants.Truncations(input.Text, int.MaxValue).Select(variant => (Input: input, Variant: variant))).ToList();
            var failures = new ConcurrentQueue<string>();
            var withWdgDiagnostics = 0;
            var stopwatch = Stopwatch.StartNew();

            await Task.Run(() => Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
            {
                var sources = new[] { (item.Input.Name, item.Variant.Text) }.Concat(item.Input.Companions).ToList();
                try
                {
                    var outcome = Pipeline.Run(sources, codeFixes: false);
                    foreach (var problem in outcome.Problems)
                    {
                        failures.Enqueue(item.Input.Name + ", " + item.Variant.Description + ":\n" + problem);
                    }

                    if (outcome.AnalyzerDiagnostics.Any(d => d.Id.StartsWith("WDG", StringComparison.Ordinal)))
                    {
                        Interlocked.Increment(ref withWdgDiagnostics);
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue(item.Input.Name + ", " + item.Variant.Description + ": the pipeline threw " + e);
                }
            }));

            output.WriteLine(
                $"{work.Count} truncations (every token boundary) of {literals.Count} test literals in {stopwatch.Elapsed.TotalSeconds:F1} s "
                + $"({Pipeline.Analyzers.Length} analyzers): {withWdgDiagnostics} with WDG diagnostics; {failures.Count} failures.");
            foreach (var failure in failures.Take(10))
            {
                output.WriteLine(failure);
            }

            Assert.True(failures.IsEmpty, failures.Count + " failures; the first:\n" + string.Join("\n\n", failures.Take(3)));

            // Floors, so the test cannot silently shrink into running nothing.
            Assert.True(literals.Count >= 50, "Only " + literals.Count + " test literals were found.");
            Assert.True(work.Count >= 5_000, "Only " + work.Count + " truncations ran.");
            Assert.True(withWdgDiagnostics >= work.Count / 20, "Only " + withWdgDiagnostics + " of " + work.Count + " truncations produced WDG diagnostics: the literals no longer exercise the analyzers.");
        }
    }
}

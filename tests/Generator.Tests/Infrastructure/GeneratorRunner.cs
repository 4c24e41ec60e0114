using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace WdGen.Generator.Tests.Infrastructure
{
    /// <summary>Runs the WdGen generator over test sources, tracking its incremental steps.</summary>
    internal static class GeneratorRunner
    {
        public static GeneratorDriver CreateDriver()
            => CSharpGeneratorDriver.Create(
                new[] { new DecayGroupsGenerator().AsSourceGenerator() },
                parseOptions: TestCompilation.ParseOptions,
                driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        /// <summary>Runs the generator once; the result holds the generated sources and the updated compilation.</summary>
        public static GeneratorResult Run(Compilation compilation)
        {
            var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
            return new GeneratorResult(driver, output, diagnostics.ToList());
        }

        public static GeneratorResult Run(params string[] sources) => Run(TestCompilation.Create(sources));
    }

    internal sealed class GeneratorResult
    {
        public GeneratorResult(GeneratorDriver driver, Compilation output, IReadOnlyList<Diagnostic> diagnostics)
        {
            Driver = driver;
            Output = output;
            Diagnostics = diagnostics;
        }

        public GeneratorDriver Driver { get; }

        public Compilation Output { get; }

        /// <summary>Diagnostics the generator itself reported (it should report none) or its exceptions (CS8785).</summary>
        public IReadOnlyList<Diagnostic> Diagnostics { get; }

        public GeneratorRunResult RunResult => Driver.GetRunResult().Results.Single();

        /// <summary>Generated sources by hint name.</summary>
        public IReadOnlyDictionary<string, string> Sources
            => RunResult.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using WdGen.Generator;

namespace WdGen.CompileBenchmarks
{
    /// <summary>
    /// Issue 6's compile-speed figures, side by side in one process: a synthetic project compiled (parse, bind,
    /// GetDiagnostics, Emit) without WdGen, with its generator, and with generator + all analyzers; then the
    /// generator's incremental behaviour on an unrelated method-body edit and on one model's field edit.
    /// Usage: dotnet run -c Release --project tests/CompileBenchmarks [-- repetitions [models plains files]]
    /// </summary>
    internal static class Program
    {
        /// <summary>An analyzer that registers one symbol action and does nothing: the cost of the analyzer driver itself.</summary>
#pragma warning disable RS1041, RS2008 // A benchmark-only analyzer, run in this process and never shipped.
        [DiagnosticAnalyzer(LanguageNames.CSharp)]
        private sealed class IdleAnalyzer : DiagnosticAnalyzer
        {
            private static readonly DiagnosticDescriptor Never = new("IDLE001", "Never reported", "Never reported", "Benchmark", DiagnosticSeverity.Warning, isEnabledByDefault: true);

            public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Never);

            public override void Initialize(AnalysisContext context)
            {
                context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
                context.EnableConcurrentExecution();
                context.RegisterSymbolAction(static _ => { }, SymbolKind.NamedType);
            }
        }
#pragma warning restore RS1041, RS2008

        private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

        private static readonly CSharpCompilationOptions CompilationOptions = new(
            OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, deterministic: true);

        private static readonly ImmutableArray<MetadataReference> References = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(DecayGroupsAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location))
            .ToImmutableArray();

        private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(WdGen.Analyzers.OptimizerUsageAnalyzer).Assembly.GetTypes()
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

        private static readonly string[] TrackedSteps =
        {
            DecayGroupsGenerator.Steps.TorchSharpReferenced, DecayGroupsGenerator.Steps.Parts, DecayGroupsGenerator.Steps.GlobalUsings, DecayGroupsGenerator.Steps.Models,
        };

        private static readonly string LoadAtStart = Load();

        private static int SourceKiB;

        private static int GeneratedKiB;

        private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

        private static int Main(string[] args)
        {
            var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
            var models = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
            var plains = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000;
            var files = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100;
            var sources = SyntheticSolution.Create(models, plains, files);
            SourceKiB = sources.Sum(s => s.Text.Length) / 1024;
            Console.WriteLine($"Synthetic project: {models} models, {plains} plain classes, {sources.Count} files, {sources.Sum(s => s.Text.Length) / 1024} KiB; {Analyzers.Length} analyzers; {repetitions} repetitions after a warm-up.");

            // Sanity: the project compiles with WdGen, without errors.
            var check = Compile(sources, withGenerator: true, Analyzers, out _);
            if (check.Errors.Count > 0)
            {
                Console.Error.WriteLine("The synthetic project has errors:\n" + string.Join("\n", check.Errors.Take(20)));
                return 1;
            }

            Console.WriteLine($"Check run: {check.Generated} generated files, {check.WdgDiagnostics} WDG diagnostics, {check.Warnings} compiler warnings.");

            // Four builds per repetition, interleaved so that load on the shared machine hits them alike. The second
            // is the floor any analyzer package pays (the SDK's own analyzers included): Roslyn's analyzer driver with
            // one analyzer that does nothing.
            var builds = new (string Name, bool Generator, ImmutableArray<DiagnosticAnalyzer> Analyzers)[]
            {
                ("Without WdGen", false, ImmutableArray<DiagnosticAnalyzer>.Empty),
                ("Without WdGen, one analyzer that does nothing", false, ImmutableArray.Create<DiagnosticAnalyzer>(new IdleAnalyzer())),
                ("With the generator", true, ImmutableArray<DiagnosticAnalyzer>.Empty),
                ("With generator + analyzers", true, Analyzers),
            };
            var wall = builds.Select(_ => new List<double>()).ToArray();
            var cpu = builds.Select(_ => new List<double>()).ToArray();
            var generatorOwn = new List<double>();
            for (var rep = 0; rep < repetitions; rep++)
            {
                for (var b = 0; b < builds.Length; b++)
                {
                    var result = Compile(sources, builds[b].Generator, builds[b].Analyzers, out var own);
                    wall[b].Add(result.Milliseconds);
                    cpu[b].Add(result.CpuMilliseconds);
                    if (builds[b].Generator && builds[b].Analyzers.IsEmpty)
                    {
                        generatorOwn.Add(own);
                    }
                }

                Console.WriteLine("  repetition " + (rep + 1) + ": " + string.Join(", ", builds.Select((b, i) => $"{b.Name} {wall[i][^1]:F0} ms ({cpu[i][^1]:F0} ms CPU)")));
            }

            var incremental = Enumerable.Range(0, Math.Max(repetitions, 7)).Select(_ => Incremental(sources, models)).ToList();
            foreach (var run in incremental)
            {
                Console.WriteLine($"  incremental: cold {run.Cold:F1} ms, unrelated edit {run.Unrelated:F2} ms ({run.UnrelatedNotCached} step outputs not cached), field edit {run.Field:F2} ms ({run.Regenerated} outputs regenerated: {run.RegeneratedNames})");
            }

            var report = Report(models, plains, sources.Count, repetitions, builds.Select(b => b.Name).ToArray(), wall, cpu, generatorOwn, incremental);
            Console.WriteLine();
            Console.WriteLine(report);
            var path = Path.Combine(FindDirectory(), "results.md");
            File.WriteAllText(path, report);
            Console.WriteLine("Written to " + path);
            return 0;
        }

        private sealed record CompileResult(double Milliseconds, double CpuMilliseconds, List<Diagnostic> Errors, int Warnings, int Generated, int WdgDiagnostics);

        private static CompileResult Compile(List<(string Path, string Text)> sources, bool withGenerator, ImmutableArray<DiagnosticAnalyzer> analyzers, out double generatorOwn)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            Compilation compilation = CSharpCompilation.Create(
                "Synthetic",
                sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)),
                References,
                CompilationOptions);
            generatorOwn = 0;
            var generated = 0;
            if (withGenerator)
            {
                var driver = CSharpGeneratorDriver.Create(new[] { new DecayGroupsGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
                    .RunGeneratorsAndUpdateCompilation(compilation, out compilation, out _);
                generatorOwn = driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;
                generated = driver.GetRunResult().GeneratedTrees.Length;
                GeneratedKiB = driver.GetRunResult().GeneratedTrees.Sum(t => t.Length) / 1024;
            }

            ImmutableArray<Diagnostic> diagnostics;
            if (!analyzers.IsEmpty)
            {
                var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: true, logAnalyzerExecutionTime: false);
                diagnostics = compilation.WithAnalyzers(analyzers, options).GetAllDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            else
            {
                diagnostics = compilation.GetDiagnostics();
            }

            using (var stream = new MemoryStream())
            {
                var emit = compilation.Emit(stream);
                diagnostics = diagnostics.AddRange(emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
            }

            stopwatch.Stop();
            return new CompileResult(
                stopwatch.Elapsed.TotalMilliseconds,
                (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds,
                diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList(),
                diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning && d.Id.StartsWith("CS", StringComparison.Ordinal)),
                generated,
                diagnostics.Count(d => d.Id.StartsWith("WDG", StringComparison.Ordinal)));
        }

        /// <summary>The first GetTypeByMetadataName on a new compilation (what the TorchSharpReferenced step pays after any edit).</summary>
        private static readonly List<double> lookup = new();

        private static readonly List<double> UntrackedCold = new();

        private static readonly List<double> UntrackedEdit = new();

        private sealed record IncrementalResult(double Cold, double Unrelated, int UnrelatedNotCached, double Field, int Regenerated, string RegeneratedNames);

        /// <summary>Tracked driver: a cold run, a method-body edit in a plain-class file, then a field edit in one model.</summary>
        private static IncrementalResult Incremental(List<(string Path, string Text)> sources, int models)
        {
            GC.Collect();
            var compilation = CSharpCompilation.Create("Synthetic", sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)), References, CompilationOptions);

            // The same two runs without step tracking (as in a real build or the IDE).
            GeneratorDriver untracked = CSharpGeneratorDriver.Create(new[] { new DecayGroupsGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
            untracked = untracked.RunGenerators(compilation);
            UntrackedCold.Add(untracked.GetTimingInfo().ElapsedTime.TotalMilliseconds);
            {
                var tree = compilation.SyntaxTrees.Last();
                var text = tree.ToString();
                var position = text.IndexOf("total += value * ", StringComparison.Ordinal) + "total += value * ".Length;
                untracked = untracked.RunGenerators(compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(text.Substring(0, position) + "41 + " + text.Substring(position), ParseOptions, tree.FilePath)));
                UntrackedEdit.Add(untracked.GetTimingInfo().ElapsedTime.TotalMilliseconds);
            }

            GeneratorDriver driver = CSharpGeneratorDriver.Create(
                new[] { new DecayGroupsGenerator().AsSourceGenerator() },
                parseOptions: ParseOptions,
                driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
            driver = driver.RunGenerators(compilation);
            var cold = driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;

            // An edit to a method body in an unrelated file (the last plain-class file).
            var plainTree = compilation.SyntaxTrees.Last();
            var plainText = plainTree.ToString();
            var marker = "total += value * ";
            var at = plainText.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
            var edited = compilation.ReplaceSyntaxTree(plainTree, CSharpSyntaxTree.ParseText(plainText.Substring(0, at) + "42 + " + plainText.Substring(at), ParseOptions, plainTree.FilePath));
            var wall = Stopwatch.StartNew();
            driver = driver.RunGenerators(edited);
            var unrelated = driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;
            Console.WriteLine($"    (unrelated edit: wall {wall.Elapsed.TotalMilliseconds:F1} ms, timing {unrelated:F1} ms)");
            var probe = compilation.ReplaceSyntaxTree(plainTree, CSharpSyntaxTree.ParseText(plainText.Substring(0, at) + "44 + " + plainText.Substring(at), ParseOptions, plainTree.FilePath));
            wall.Restart();
            probe.GetTypeByMetadataName("TorchSharp.torch+nn+Module`2");
            lookup.Add(wall.Elapsed.TotalMilliseconds);
            var again = edited.ReplaceSyntaxTree(edited.SyntaxTrees.Last(), CSharpSyntaxTree.ParseText(plainText.Substring(0, at) + "43 + " + plainText.Substring(at), ParseOptions, plainTree.FilePath));
            wall.Restart();
            var driver2 = driver.RunGenerators(again);
            Console.WriteLine($"    (second unrelated edit: wall {wall.Elapsed.TotalMilliseconds:F1} ms, timing {driver2.GetTimingInfo().ElapsedTime.TotalMilliseconds:F1} ms; GetTypeByMetadataName on a fresh edited compilation {lookup[^1]:F1} ms)");
            var result = driver.GetRunResult().Results.Single();
            var notCached = TrackedSteps.SelectMany(step => Outputs(result, step))
                .Concat(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs))
                .Count(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));

            // An edit to the fields of one model (Model{models/2}): a field added after fc1.
            var target = "Model" + (models / 2);
            var modelTree = edited.SyntaxTrees.First(t => t.ToString().Contains("class " + target + " ", StringComparison.Ordinal));
            var modelText = modelTree.ToString();
            var classAt = modelText.IndexOf("class " + target + " ", StringComparison.Ordinal);
            var fieldAt = modelText.IndexOf("private readonly Linear fc1;", classAt, StringComparison.Ordinal);
            var fieldEdited = edited.ReplaceSyntaxTree(modelTree, CSharpSyntaxTree.ParseText(modelText.Substring(0, fieldAt) + "private readonly Linear extra = nn.Linear(2, 2);\n        " + modelText.Substring(fieldAt), ParseOptions, modelTree.FilePath));
            driver = driver.RunGenerators(fieldEdited);
            var field = driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;
            result = driver.GetRunResult().Results.Single();
            var regenerated = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs)
                .Where(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New)
                .ToList();
            var names = Outputs(result, DecayGroupsGenerator.Steps.Models)
                .Where(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New)
                .Select(o => o.Value.GetType().GetProperty("HintName")?.GetValue(o.Value)?.ToString() ?? o.Value.ToString())
                .ToList();
            return new IncrementalResult(cold, unrelated, notCached, field, regenerated.Count, string.Join(", ", names));
        }

        private static IEnumerable<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step)
            => result.TrackedSteps.TryGetValue(step, out var runs) ? runs.SelectMany(r => r.Outputs) : Enumerable.Empty<(object, IncrementalStepRunReason)>();

        private static string Report(int models, int plains, int files, int repetitions, string[] builds, List<double>[] wall, List<double>[] cpu, List<double> generatorOwn, List<IncrementalResult> incremental)
        {
            string Ms(double v) => v.ToString(v < 10 ? "F2" : "F0", CultureInfo.InvariantCulture) + " ms";
            string Ratio(double v) => v.ToString("F2", CultureInfo.InvariantCulture) + "×";
            string Percent(double v) => (v * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";
            var wallBasis = Median(wall[0]);
            var cpuBasis = Median(cpu[0]);
            var text = new StringBuilder();
            text.AppendLine("# Compile-time cost of WdGen");
            text.AppendLine();
            text.AppendLine($"Synthetic project: {models} [DecayGroups] models (10 parameter-bearing fields each), {plains} plain classes, {files} files. "
                + $"Medians of {repetitions} repetitions after a warm-up, the builds interleaved in one process, Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}, "
                + $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}. "
                + "Each build parses, binds (GetDiagnostics, or CompilationWithAnalyzers.GetAllDiagnosticsAsync with analyzers) and emits to memory. "
                + "CPU time is the process's, all threads: less sensitive than wall time to other load on a shared machine.");
            text.AppendLine();
            text.AppendLine("| Build | Wall time | Ratio | CPU time | Ratio |");
            text.AppendLine("|---|---:|---:|---:|---:|");
            for (var b = 0; b < builds.Length; b++)
            {
                var target = b == builds.Length - 1 ? " (target ≤ 1.10×)" : string.Empty;
                text.AppendLine($"| {builds[b]} | {Ms(Median(wall[b]))} | {Ratio(Median(wall[b]) / wallBasis)}{target} | {Ms(Median(cpu[b]))} | {Ratio(Median(cpu[b]) / cpuBasis)}{target} |");
            }

            text.AppendLine($"| Generated source / user source | {GeneratedKiB} KiB / {SourceKiB} KiB | {((double)GeneratedKiB / SourceKiB).ToString("F1", CultureInfo.InvariantCulture)}× | | |");
            text.AppendLine($"| Generator's own time (GetTimingInfo, cold) | {Ms(Median(generatorOwn))} | {Ratio(Median(generatorOwn) / wallBasis)} | | |");
            text.AppendLine();
            text.AppendLine("The analyzer driver's floor (second row) is paid by any analyzer, and a real SDK build already pays it for the SDK's "
                + "own analyzers. WdGen's analyzers above that floor, in CPU time: "
                + Ratio((Median(cpu[3]) - Median(cpu[2]) - (Median(cpu[1]) - Median(cpu[0]))) / cpuBasis + 1) + " of the build without WdGen.");
            text.AppendLine();

            var untrackedCold = Median(UntrackedCold);
            var untrackedEdit = Median(UntrackedEdit);
            text.AppendLine($"| Incremental generator run ({incremental.Count} runs) | Median | Result |");
            text.AppendLine("|---|---:|---|");
            text.AppendLine($"| Cold run | {Ms(untrackedCold)} | |");
            text.AppendLine($"| After a method-body edit in an unrelated file | {Ms(untrackedEdit)} | {Percent(untrackedEdit / untrackedCold)} of cold (target < 5%) |");
            text.AppendLine($"| The same two runs with step tracking on (tracking records every step's values) | {Ms(Median(incremental.Select(r => r.Cold)))} → {Ms(Median(incremental.Select(r => r.Unrelated)))} | {incremental.Max(r => r.UnrelatedNotCached)} step outputs not Cached/Unchanged after the edit |");
            text.AppendLine($"| First GetTypeByMetadataName on the edited compilation (the TorchSharpReferenced step's lookup, also paid by the compiler) | {Ms(Median(lookup))} | {Percent(Median(lookup) / untrackedCold)} of cold |");
            text.AppendLine($"| After adding a field to one model (tracked) | {Ms(Median(incremental.Select(r => r.Field)))} | {incremental.Max(r => r.Regenerated)} output(s) regenerated ({incremental[0].RegeneratedNames}) |");
            text.AppendLine();
            text.AppendLine($"Load average while measuring (from /proc/loadavg, start → end): {LoadAtStart} → {Load()}. Figures from a busy machine are noisy; compare ratios within one run.");
            text.AppendLine();
            text.AppendLine("Reproduce: `dotnet run -c Release --project tests/CompileBenchmarks` (arguments: repetitions, models, plain classes, files).");
            return text.ToString();
        }

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        }

        /// <summary>tests/CompileBenchmarks, found upwards from the binaries (next to WdGen.sln).</summary>
        private static string FindDirectory()
        {
            for (var directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
            {
                if (File.Exists(Path.Combine(directory, "WdGen.sln")))
                {
                    return Path.Combine(directory, "tests", "CompileBenchmarks");
                }
            }

            return AppContext.BaseDirectory;
        }
    }
}

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
using Microsoft.CodeAnalysis.Text;
using WdGen.Generator;

using static WdGen.CompileBenchmarks.Statistics;

namespace WdGen.CompileBenchmarks
{
    /// <summary>
    /// Issue 6's compile-speed figures, side by side in one process: a synthetic project compiled (parse, bind,
    /// GetDiagnostics, Emit) without WdGen, with its generator, and with generator + all analyzers; then the
    /// generator's incremental behaviour on an unrelated method-body edit and on one model's field edit.
    /// Usage: dotnet run -c Release --project tests/CompileBenchmarks [-- repetitions [models plains files]], or
    /// [-- incremental [runs [models plains files]]] for the untracked incremental figures alone (printed, not written).
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

        /// <summary>
        /// Roslyn's generator driver by itself on this project: a syntax step whose predicate accepts nothing (so the
        /// edited tree is still walked) and a compilation step, feeding outputs that add nothing.
        /// </summary>
        private sealed class IdleGenerator : IIncrementalGenerator
        {
            public void Initialize(IncrementalGeneratorInitializationContext context)
            {
                var nodes = context.SyntaxProvider.CreateSyntaxProvider(static (_, _) => false, static (context, _) => context.Node.RawKind);
                var compilation = context.CompilationProvider.Select(static (compilation, _) => compilation.Language);
                context.RegisterSourceOutput(nodes, static (_, _) => { });
                context.RegisterSourceOutput(compilation, static (_, _) => { });
            }
        }

        /// <summary>
        /// <see cref="IdleGenerator"/>'s driver cost plus the same source outputs as WdGen's generator (its hint names,
        /// one line each), fed the way WdGen feeds its models (Collect, Combine, SelectMany): what Roslyn's driver
        /// spends on every run re-adding that many cached outputs, whoever generates them.
        /// </summary>
        private sealed class IdleOutputsGenerator : IIncrementalGenerator
        {
            private readonly ImmutableArray<string> hintNames;

            public IdleOutputsGenerator(ImmutableArray<string> hintNames)
            {
                this.hintNames = hintNames;
            }

            public void Initialize(IncrementalGeneratorInitializationContext context)
            {
                var names = hintNames;
                var nodes = context.SyntaxProvider.CreateSyntaxProvider(static (_, _) => false, static (context, _) => context.Node.RawKind).Collect();
                var outputs = nodes
                    .Combine(context.CompilationProvider.Select(static (compilation, _) => compilation.Language))
                    .SelectMany((_, _) => names);
                context.RegisterSourceOutput(outputs, static (output, name) => output.AddSource(name, SourceText.From("// idle", Encoding.UTF8)));
            }
        }

        private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

        private static readonly CSharpCompilationOptions CompilationOptions = new(
            OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, deterministic: true);

        private static readonly ImmutableArray<MetadataReference> References = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(DecayGroupsAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(TorchSharpDecayGroups).Assembly.Location))
            .ToImmutableArray();

        private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(WdGen.Analyzers.OptimizerUsageAnalyzer).Assembly.GetTypes()
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

        private static readonly string[] TrackedSteps =
        {
            DecayGroupsGenerator.Steps.TorchSharpReferenced, DecayGroupsGenerator.Steps.Parts, DecayGroupsGenerator.Steps.GlobalUsings, DecayGroupsGenerator.Steps.Files,
        };

        private static readonly string LoadAtStart = Load();

        private static readonly DateTime StartedAt = DateTime.UtcNow;

        /// <summary>When a part of the run was measured: "2026-12-03, 09:03–09:05 UTC", from <paramref name="start"/> to now.</summary>
        internal static string Period(DateTime start)
        {
            var end = DateTime.UtcNow;
            return end.Date == start.Date
                ? start.ToString("yyyy-MM-dd, HH:mm", CultureInfo.InvariantCulture) + "–" + end.ToString("HH:mm", CultureInfo.InvariantCulture) + " UTC"
                : start.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " – " + end.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
        }

        private static int SourceKiB;

        private static int GeneratedKiB;

        private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

        private static int Main(string[] args)
        {
            // Positional: [incremental] repetitions models plains files. Switches: --csc N (csc repetitions, 0 skips),
            // --server N (compiler-server repetitions, default as many as csc), --csc-only.
            var positional = new List<string>();
            int? cscRepetitions = null;
            int? serverRepetitions = null;
            var cscOnly = false;
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--csc" && i + 1 < args.Length)
                {
                    cscRepetitions = int.Parse(args[++i], CultureInfo.InvariantCulture);
                }
                else if (args[i] == "--server" && i + 1 < args.Length)
                {
                    serverRepetitions = int.Parse(args[++i], CultureInfo.InvariantCulture);
                }
                else if (args[i] == "--csc-only")
                {
                    cscOnly = true;
                }
                else
                {
                    positional.Add(args[i]);
                }
            }

            var incrementalOnly = positional.Count > 0 && positional[0] == "incremental";
            positional = incrementalOnly ? positional.Skip(1).ToList() : positional;
            var repetitions = positional.Count > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : incrementalOnly ? UntrackedRuns : 5;
            var models = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 1000;
            var plains = positional.Count > 2 ? int.Parse(positional[2], CultureInfo.InvariantCulture) : 1000;
            var files = positional.Count > 3 ? int.Parse(positional[3], CultureInfo.InvariantCulture) : 100;
            var csc = cscRepetitions ?? Math.Min(repetitions, 3); // a csc build takes several times an in-process one
            var sources = SyntheticSolution.Create(models, plains, files);
            if (incrementalOnly)
            {
                Console.WriteLine($"Synthetic project: {models} models, {plains} plain classes, {sources.Count} files; {repetitions} untracked incremental runs after a warm-up.");
                var untracked = Untracked(sources, repetitions);
                Console.WriteLine();
                Console.WriteLine(UntrackedTable(untracked));
                Console.WriteLine($"Load average (start → end): {LoadAtStart} → {Load()}.");
                return 0;
            }

            SourceKiB = sources.Sum(s => s.Text.Length) / 1024;
            Console.WriteLine($"Synthetic project: {models} models, {plains} plain classes, {sources.Count} files, {sources.Sum(s => s.Text.Length) / 1024} KiB; {Analyzers.Length} analyzers; {repetitions} repetitions after a warm-up.");

            // results.md: the in-process section, then the csc section; a part not measured in this run is kept from the file.
            var path = Path.Combine(FindDirectory(), "results.md");
            var previous = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
            var split = previous.IndexOf(SdkCompilerBuilds.Heading, StringComparison.Ordinal);
            var inProcess = split >= 0 ? previous.Substring(0, split) : previous;
            var sdkCompiler = split >= 0 ? previous.Substring(split) : string.Empty;
            if (!cscOnly)
            {
                inProcess = InProcess(sources, repetitions, models, plains);
                if (inProcess.Length == 0)
                {
                    return 1;
                }
            }

            if (csc > 0)
            {
                Console.WriteLine();
                Console.WriteLine($"The SDK's compiler (csc), {csc} repetitions after a warm-up:");
                try
                {
                    sdkCompiler = SdkCompilerBuilds.Measure(sources, models, csc, serverRepetitions ?? csc);
                }
                catch (InvalidOperationException e)
                {
                    // A failed or unchecked csc run must not leave figures behind: results.md is not written.
                    Console.Error.WriteLine("The csc measurement failed: " + e.Message);
                    return 1;
                }

                Console.WriteLine();
                Console.WriteLine(sdkCompiler);
            }

            File.WriteAllText(path, inProcess.TrimEnd() + "\n" + (sdkCompiler.Length > 0 ? "\n" + sdkCompiler.TrimEnd() + "\n" : string.Empty));
            Console.WriteLine("Written to " + path);
            return 0;
        }

        /// <summary>The in-process builds and incremental runs; the report's section, or an empty string if the project does not compile.</summary>
        private static string InProcess(List<(string Path, string Text)> sources, int repetitions, int models, int plains)
        {
            // Sanity: the project compiles with WdGen, without errors.
            var check = Compile(sources, withGenerator: true, Analyzers, out _);
            if (check.Errors.Count > 0)
            {
                Console.Error.WriteLine("The synthetic project has errors:\n" + string.Join("\n", check.Errors.Take(20)));
                return string.Empty;
            }

            CheckRun = $"{check.Generated} generated files, {check.WdgDiagnostics.Values.Sum()} WDG diagnostics ({ByRule(check.WdgDiagnostics)}), {check.Warnings} compiler warnings";
            Console.WriteLine("Check run: " + CheckRun + ".");

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
                // Alternating order (ABCD, DCBA, …), so a drift (tiering up, the machine's load) favours no build.
                foreach (var b in SdkCompilerBuilds.Order(builds.Length, rep + 1))
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

            var untrackedRuns = Untracked(sources, Math.Max(repetitions, UntrackedRuns));
            var incremental = Enumerable.Range(0, Math.Max(repetitions, 7)).Select(_ => Incremental(sources, models)).ToList();
            foreach (var run in incremental)
            {
                Console.WriteLine($"  incremental: cold {run.Cold:F1} ms, unrelated edit {run.Unrelated:F2} ms ({run.UnrelatedNotCached} step outputs not cached), field edit {run.Field:F2} ms ({run.Regenerated} outputs regenerated: {run.RegeneratedNames}; {run.ChangedLines})");
            }

            var report = Report(models, plains, sources.Count, repetitions, builds.Select(b => b.Name).ToArray(), wall, cpu, generatorOwn, untrackedRuns, incremental);
            Console.WriteLine();
            Console.WriteLine(report);
            return report;
        }

        private sealed record CompileResult(double Milliseconds, double CpuMilliseconds, List<Diagnostic> Errors, int Warnings, int Generated, SortedDictionary<string, int> WdgDiagnostics);

        /// <summary>What the check run (generator + analyzers) reported, for the report.</summary>
        private static string CheckRun = string.Empty;

        /// <summary>Diagnostic counts per rule, "WDG002 ×50, WDG012 ×50".</summary>
        internal static string ByRule(IReadOnlyDictionary<string, int> counts)
            => counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => $"{c.Key} ×{c.Value}"));

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
                new SortedDictionary<string, int>(diagnostics.Where(d => d.Id.StartsWith("WDG", StringComparison.Ordinal)).GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal));
        }

        /// <summary>The first GetTypeByMetadataName on a new compilation (what the TorchSharpReferenced step pays after any edit).</summary>
        private static readonly List<double> lookup = new();

        /// <summary>Default number of untracked incremental runs: enough for a median that one busy moment cannot move.</summary>
        private const int UntrackedRuns = 31;

        /// <summary>One measurement: wall time (GetTimingInfo) and the CPU time of the thread that ran the driver, in ms.</summary>
        private readonly record struct Time(double Wall, double Cpu);

        /// <summary>Medians of the untracked runs: WdGen's cold run and re-run (with its quartiles), and the two floors' re-runs.</summary>
        private sealed record UntrackedResult(int Runs, Time Cold, Time Edit, Time EditLow, Time EditHigh, Time Idle, Time IdleOutputs, int Outputs);

        /// <summary>
        /// clock_gettime(CLOCK_THREAD_CPUTIME_ID), 64-bit Linux only: CPU time of this thread, which time spent waiting for
        /// a core does not inflate. RunGenerators runs the generator on the calling thread, so on an idle machine it
        /// matches the wall time; on a loaded one it is the steadier of the two.
        /// </summary>
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
        private static extern int ClockGetTime(int clock, out Timespec time);

        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        private struct Timespec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        private static double ThreadCpuMilliseconds()
        {
            try
            {
                return OperatingSystem.IsLinux() && Environment.Is64BitProcess && ClockGetTime(3, out var time) == 0 ? (time.Seconds * 1e3) + (time.Nanoseconds / 1e6) : double.NaN;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return double.NaN;
            }
        }

        /// <summary>
        /// Untracked runs (as in a real build or the IDE), each on a freshly parsed compilation: WdGen's generator cold,
        /// then re-run after a method-body edit in an unrelated file; then the two idle generators on the same kind of
        /// edit, so the reader sees how much of the re-run is Roslyn's driver. Every edit is a freshly parsed tree (a
        /// walk over a tree another run already walked would find its nodes built), and the three generators are
        /// interleaved in each run, so load on a shared machine hits them alike.
        /// </summary>
        private static UntrackedResult Untracked(List<(string Path, string Text)> sources, int runs)
        {
            var cold = new List<Time>();
            var edit = new List<Time>();
            var idle = new List<Time>();
            var idleOutputs = new List<Time>();
            var outputs = ImmutableArray<string>.Empty;
            for (var run = -2; run < runs; run++) // two warm-up runs, not counted
            {
                var compilation = CSharpCompilation.Create("Synthetic", sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)), References, CompilationOptions);
                var plainTree = compilation.SyntaxTrees.Last();
                var plainText = plainTree.ToString();
                var marker = "total += value * ";
                var at = plainText.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
                var edits = 0;
                Compilation Edited() => compilation.ReplaceSyntaxTree(
                    plainTree,
                    CSharpSyntaxTree.ParseText(plainText.Substring(0, at) + (++edits).ToString(CultureInfo.InvariantCulture) + " + " + plainText.Substring(at), ParseOptions, plainTree.FilePath));

                GeneratorDriver ours = CSharpGeneratorDriver.Create(new[] { new DecayGroupsGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
                ours = Timed(ours, compilation, out var oursCold);
                outputs = ours.GetRunResult().Results.Single().GeneratedSources.Select(s => s.HintName).ToImmutableArray();
                ours = Timed(ours, Edited(), out var oursEdit);
                GeneratorDriver floor = CSharpGeneratorDriver.Create(new[] { new IdleGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
                floor = Timed(Timed(floor, compilation, out _), Edited(), out var floorEdit);
                GeneratorDriver floorOutputs = CSharpGeneratorDriver.Create(new[] { new IdleOutputsGenerator(outputs).AsSourceGenerator() }, parseOptions: ParseOptions);
                floorOutputs = Timed(Timed(floorOutputs, compilation, out _), Edited(), out var floorOutputsEdit);
                if (run >= 0)
                {
                    cold.Add(oursCold);
                    edit.Add(oursEdit);
                    idle.Add(floorEdit);
                    idleOutputs.Add(floorOutputsEdit);
                    Console.WriteLine($"  untracked run {run + 1} (wall / thread CPU): cold {oursCold.Wall:F1} / {oursCold.Cpu:F1} ms, unrelated edit {oursEdit.Wall:F2} / {oursEdit.Cpu:F2} ms; "
                        + $"idle generator {floorEdit.Wall:F2} / {floorEdit.Cpu:F2} ms, idle generator with {outputs.Length} outputs {floorOutputsEdit.Wall:F2} / {floorOutputsEdit.Cpu:F2} ms");
                }
            }

            static Time Medians(List<Time> times) => new(Median(times.Select(t => t.Wall)), Median(times.Select(t => t.Cpu)));
            static Time Quantiles(List<Time> times, double q) => new(Quantile(times.Select(t => t.Wall), q), Quantile(times.Select(t => t.Cpu), q));
            return new UntrackedResult(runs, Medians(cold), Medians(edit), Quantiles(edit, 0.25), Quantiles(edit, 0.75), Medians(idle), Medians(idleOutputs), outputs.Length);
        }

        /// <summary>One driver run, after a full collection so that no earlier garbage is collected inside it; its time from GetTimingInfo.</summary>
        private static GeneratorDriver Timed(GeneratorDriver driver, Compilation compilation, out Time time)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var cpu = ThreadCpuMilliseconds();
            driver = driver.RunGenerators(compilation);
            cpu = ThreadCpuMilliseconds() - cpu;
            time = new Time(driver.GetTimingInfo().ElapsedTime.TotalMilliseconds, cpu);
            return driver;
        }

        private static string UntrackedTable(UntrackedResult untracked)
        {
            string Ms(double v) => double.IsNaN(v) ? "n/a" : v.ToString(v < 10 ? "F2" : "F0", CultureInfo.InvariantCulture) + " ms";
            string Percent(double v) => double.IsNaN(v) ? "n/a" : (v * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";
            string Of(Time t) => $"{Percent(t.Wall / untracked.Cold.Wall)} | {Ms(t.Cpu)} | {Percent(t.Cpu / untracked.Cold.Cpu)}";
            var text = new StringBuilder();
            text.AppendLine($"| Incremental generator run, untracked ({untracked.Runs} runs, each on a fresh compilation) | Wall time (median) | Of WdGen's cold run | Thread CPU time (median) | Of WdGen's cold run |");
            text.AppendLine("|---|---:|---:|---:|---:|");
            text.AppendLine($"| WdGen, cold run | {Ms(untracked.Cold.Wall)} | | {Ms(untracked.Cold.Cpu)} | |");
            text.AppendLine($"| WdGen, after a method-body edit in an unrelated file (target < 5% of cold) | {Ms(untracked.Edit.Wall)} | {Of(untracked.Edit)} |");
            text.AppendLine($"| … its quartiles over the runs | {Ms(untracked.EditLow.Wall)}–{Ms(untracked.EditHigh.Wall)} | | {Ms(untracked.EditLow.Cpu)}–{Ms(untracked.EditHigh.Cpu)} | |");
            text.AppendLine($"| The same edit, Roslyn's driver alone (a generator of the same shape that does nothing) | {Ms(untracked.Idle.Wall)} | {Of(untracked.Idle)} |");
            text.AppendLine($"| The same edit, Roslyn's driver re-adding {untracked.Outputs} cached outputs (that generator plus WdGen's hint names, one line each) | {Ms(untracked.IdleOutputs.Wall)} | {Of(untracked.IdleOutputs)} |");
            text.AppendLine();
            text.AppendLine("Thread CPU time (clock_gettime of the thread that runs the driver) leaves out time spent waiting for a core, so other load on a shared machine moves it less; n/a where it is not available.");
            return text.ToString();
        }

        private sealed record IncrementalResult(double Cold, double Unrelated, int UnrelatedNotCached, double Field, int Regenerated, string RegeneratedNames, string ChangedLines);

        /// <summary>Tracked driver: a cold run, a method-body edit in a plain-class file, then a field edit in one model.</summary>
        private static IncrementalResult Incremental(List<(string Path, string Text)> sources, int models)
        {
            GC.Collect();
            var compilation = CSharpCompilation.Create("Synthetic", sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)), References, CompilationOptions);

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
            var before = result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
            driver = driver.RunGenerators(fieldEdited);
            var field = driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;
            result = driver.GetRunResult().Results.Single();

            // One output per source file: the edited file's output holds its other models too. Which of its lines differ?
            var changedLines = result.GeneratedSources
                .Where(s => !before.TryGetValue(s.HintName, out var old) || old != s.SourceText.ToString())
                .SelectMany(s => ChangedLines(before.TryGetValue(s.HintName, out var old) ? old : string.Empty, s.SourceText.ToString()))
                .ToList();

            // Only the edited model's line names the new field: its [WalkOrder].
            var outside = changedLines.Count(l => !l.Contains("extra", StringComparison.Ordinal));
            var regenerated = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs)
                .Where(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New)
                .ToList();
            var names = Outputs(result, DecayGroupsGenerator.Steps.Files)
                .Where(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New)
                .Select(o => o.Value.GetType().GetProperty("HintName")?.GetValue(o.Value)?.ToString() ?? o.Value.ToString())
                .ToList();
            var modelsInOutput = result.GeneratedSources.Where(s => names.Contains(s.HintName)).Sum(s => SdkCompilerBuilds.Count(s.SourceText.ToString(), "[global::WdGen.WalkOrder("));
            return new IncrementalResult(cold, unrelated, notCached, field, regenerated.Count, string.Join(", ", names),
                $"{changedLines.Count} changed lines, {outside} of them outside {target}'s walk order; the output holds {modelsInOutput} models");
        }

        /// <summary>The lines of <paramref name="after"/> that differ from <paramref name="before"/>: position by position when
        /// the line count is unchanged (as after a field edit), otherwise those not found in it at all.</summary>
        private static IEnumerable<string> ChangedLines(string before, string after)
        {
            var old = before.Split('\n');
            var lines = after.Split('\n');
            return lines.Length == old.Length ? lines.Where((line, i) => line != old[i]) : lines.Except(old);
        }

        private static IEnumerable<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step)
            => result.TrackedSteps.TryGetValue(step, out var runs) ? runs.SelectMany(r => r.Outputs) : Enumerable.Empty<(object, IncrementalStepRunReason)>();

        private static string Report(int models, int plains, int files, int repetitions, string[] builds, List<double>[] wall, List<double>[] cpu, List<double> generatorOwn, UntrackedResult untracked, List<IncrementalResult> incremental)
        {
            string Ms(double v) => v.ToString(v < 10 ? "F2" : "F0", CultureInfo.InvariantCulture) + " ms";
            string Percent(double v) => (v * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";
            var wallBasis = Median(wall[0]);
            var cpuBasis = Median(cpu[0]);
            var text = new StringBuilder();
            text.AppendLine("# Compile-time cost of WdGen");
            text.AppendLine();
            text.AppendLine($"Synthetic project: {models} [DecayGroups] models (10 parameter-bearing fields each), {plains} plain classes, {files} files, against TorchSharp {SdkCompilerBuilds.TorchSharpVersion}, WdGen.Runtime and WdGen.TorchSharp. "
                + $"Medians of {repetitions} repetitions after a warm-up, the builds interleaved in one process in alternating order (ABCD, DCBA, …), Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}, "
                + $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}. "
                + "Each build parses, binds (GetDiagnostics, or CompilationWithAnalyzers.GetAllDiagnosticsAsync with analyzers) and emits to memory. "
                + "CPU time is the process's, all threads: less sensitive than wall time to other load on a shared machine. "
                + $"The check run before the timed builds (generator + analyzers): {CheckRun}.");
            text.AppendLine();
            text.AppendLine("| Build | Wall time | Ratio | CPU time | Ratio | CPU ratio paired by repetition: median (quartiles) |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|");
            for (var b = 0; b < builds.Length; b++)
            {
                var target = b == builds.Length - 1 ? " (target ≤ 1.10×)" : string.Empty;
                text.AppendLine($"| {builds[b]} | {Ms(Median(wall[b]))} | {Ratio(Median(wall[b]) / wallBasis)}{target} | {Ms(Median(cpu[b]))} | {Ratio(Median(cpu[b]) / cpuBasis)}{target} | {PairedRatio(cpu[b], cpu[0])} |");
            }

            text.AppendLine($"| Generated source / user source | {GeneratedKiB} KiB / {SourceKiB} KiB | {((double)GeneratedKiB / SourceKiB).ToString("F1", CultureInfo.InvariantCulture)}× | | | |");
            text.AppendLine($"| Generator's own time (GetTimingInfo, cold) | {Ms(Median(generatorOwn))} | {Ratio(Median(generatorOwn) / wallBasis)} | | | |");
            text.AppendLine();
            text.AppendLine("The analyzer driver's floor (second row) is paid by any analyzer, and a real SDK build already pays it for the SDK's "
                + "own analyzers. WdGen's analyzers above that floor, in CPU time: "
                + Ratio((Median(cpu[3]) - Median(cpu[2]) - (Median(cpu[1]) - Median(cpu[0]))) / cpuBasis + 1) + " of the build without WdGen.");
            text.AppendLine();

            text.Append(UntrackedTable(untracked));
            text.AppendLine();
            text.AppendLine($"| Incremental generator run, tracked ({incremental.Count} runs) | Median | Result |");
            text.AppendLine("|---|---:|---|");
            text.AppendLine($"| The same two runs with step tracking on (tracking records every step's values) | {Ms(Median(incremental.Select(r => r.Cold)))} → {Ms(Median(incremental.Select(r => r.Unrelated)))} | {incremental.Max(r => r.UnrelatedNotCached)} step outputs not Cached/Unchanged after the edit |");
            text.AppendLine($"| First GetTypeByMetadataName on the edited compilation (the TorchSharpReferenced step's lookup, also paid by the compiler) | {Ms(Median(lookup))} | {Percent(Median(lookup) / untracked.Cold.Wall)} of cold |");
            text.AppendLine($"| After adding a field to one model (tracked) | {Ms(Median(incremental.Select(r => r.Field)))} | {incremental.Max(r => r.Regenerated)} output(s) regenerated ({incremental[0].RegeneratedNames}: {incremental[0].ChangedLines}) |");
            text.AppendLine();
            text.AppendLine($"Measured {Period(StartedAt)}. Load average while measuring (from /proc/loadavg, start → end): {LoadAtStart} → {Load()}. Figures from a busy machine are noisy; compare ratios within one run.");
            text.AppendLine();
            text.AppendLine("Reproduce: `dotnet run -c Release --project tests/CompileBenchmarks` (arguments: repetitions, models, plain classes, files; "
                + "`-- incremental [runs]` for the untracked incremental table alone; `--csc N`, `--server N`, `--csc-only`: see the next section).");
            return text.ToString();
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

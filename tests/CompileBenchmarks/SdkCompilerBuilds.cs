using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading.Tasks;

using static WdGen.CompileBenchmarks.Statistics;

namespace WdGen.CompileBenchmarks
{
    /// <summary>
    /// The synthetic project compiled by the SDK's own compiler, as <c>dotnet build</c> runs it: a net10.0 library
    /// project on disk, the exact Csc arguments the SDK computes for it (its default analyzers and the targeting
    /// pack's generators included), then one cold csc process per build (no compiler server), three ways: as the SDK
    /// builds it, plus WdGen's generator, plus everything the WdGen package puts under analyzers/dotnet/cs.
    /// </summary>
    internal static class SdkCompilerBuilds
    {
        /// <summary>Heading of this section in results.md; Program keeps the in-process section above it.</summary>
        public const string Heading = "## The SDK's compiler, as `dotnet build` runs it";

        private const string ProjectName = "Synthetic";

        private const string OneLineFile = "OneLine.cs";

        /// <summary>
        /// Diagnostics that mean an analyzer or generator did not load or did not run (or, CS2023, that the command line
        /// is not the SDK's): the figures would not measure what they claim.
        /// </summary>
        private static readonly string[] Failures = { "CS8032", "CS8033", "CS8034", "CS9057", "CS8784", "CS8785", "AD0001", "CS2023" };

        private sealed record Variant(string Name, string ShortName, string[] ExtraAnalyzers, bool Generator, bool Analyzers);

        /// <summary>One build: wall and CPU time, the compiler's output, and (cold builds) the megabytes it allocated, or NaN.</summary>
        private sealed record Run(double Milliseconds, double CpuMilliseconds, string Output, double AllocatedMegabytes = double.NaN);

        /// <summary>Builds, checks and times the three variants; returns the markdown section for results.md.</summary>
        public static string Measure(List<(string Path, string Text)> sources, int models, int repetitions, int serverRepetitions)
        {
            var root = Path.Combine(Path.GetTempPath(), "wdgen-compile-benchmarks", "csc");
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            var project = Path.Combine(root, "project");
            Directory.CreateDirectory(project);
            WriteProject(project, sources);
            var (compiler, sdkArguments) = SdkArguments(project);

            // The Csc task passes /noconfig on the command line: in a response file csc ignores it (CS2023).
            if (sdkArguments.Remove("/noconfig"))
            {
                compiler = compiler with { Prefix = compiler.Prefix.Append("/noconfig").ToArray() };
            }

            var sdkAnalyzers = sdkArguments.Where(a => a.StartsWith("/analyzer:", StringComparison.Ordinal)).Select(a => a.Substring("/analyzer:".Length)).ToList();
            Console.WriteLine($"SDK compiler: {compiler.Describe}; Roslyn {compiler.RoslynVersion}.");
            Console.WriteLine("The SDK passes these /analyzer: entries by default:\n  " + string.Join("\n  ", sdkAnalyzers));

            // The package layout: analyzers/dotnet/cs holds the generator, the analyzers and the code fixes (src/TorchSharp's
            // PackRoslynComponents). Copied away from the benchmark's bin/, whose Roslyn 4.14 must not be found next to them.
            var package = Path.Combine(root, "package", "analyzers", "dotnet", "cs");
            Directory.CreateDirectory(package);
            var generator = Copy(RoslynComponent("WdGen.Generator"), package);
            var analyzers = Copy(RoslynComponent("WdGen.Analyzers"), package);
            var codeFixes = Copy(RoslynComponent("WdGen.CodeFixes"), package);
            foreach (var component in new[] { generator, analyzers, codeFixes })
            {
                Console.WriteLine($"  {Path.GetFileName(component)} references: {string.Join(", ", AssemblyReferences(component))}");
            }

            var variants = new[]
            {
                new Variant("Without WdGen (the SDK's default analyzers and generators)", "without WdGen", Array.Empty<string>(), false, false),
                new Variant("With the generator", "with the generator", new[] { generator }, true, false),
                new Variant("With generator + analyzers (+ code fixes: the package's analyzers/dotnet/cs)", "with generator + analyzers", new[] { generator, analyzers, codeFixes }, true, true),
            };

            File.WriteAllText(Path.Combine(project, OneLineFile), "namespace Synthetic { public static class OneLine { public static int Value => 1; } }\n");
            var userSources = new HashSet<string>(sources.Select(s => s.Path), StringComparer.Ordinal);
            var full = new string[variants.Length];
            var oneLine = new string[variants.Length];
            for (var v = 0; v < variants.Length; v++)
            {
                full[v] = WriteResponseFile(root, "full-" + v, sdkArguments, variants[v].ExtraAnalyzers, replaceSources: null);
                oneLine[v] = WriteResponseFile(root, "oneline-" + v, sdkArguments, variants[v].ExtraAnalyzers, replaceSources: userSources);
            }

            Console.WriteLine("Response files: " + Path.Combine(root, "rsp"));

            var fullRuns = variants.Select(_ => new List<Run>()).ToArray();
            var oneLineRuns = variants.Select(_ => new List<Run>()).ToArray();
            var wdgDiagnostics = 0;
            var warnings = new int[variants.Length];
            var loadAtStart = Load();
            var startedAt = DateTime.UtcNow;

            // Warm-up: one checked one-line build per variant (page cache: the compiler, the references, the analyzer
            // files). The full builds are too slow to repeat unmeasured; each of them is checked as it runs.
            for (var v = 0; v < variants.Length; v++)
            {
                CheckLoaded(Compile(compiler, project, oneLine[v]), oneLine[v]);
            }

            for (var rep = 1; rep <= repetitions; rep++)
            {
                foreach (var v in Order(variants.Length, rep))
                {
                    File.Delete(OutputOf(root, full[v])); // a stale assembly must not pass the generator check
                    var run = Compile(compiler, project, full[v]);
                    CheckFull(variants[v], run, OutputOf(root, full[v]), models, full[v]);
                    wdgDiagnostics = Math.Max(wdgDiagnostics, Count(run.Output, ": warning WDG") + Count(run.Output, ": error WDG") + Count(run.Output, ": info WDG"));
                    warnings[v] = Count(run.Output, ": warning ");
                    fullRuns[v].Add(run);
                }

                for (var v = 0; v < variants.Length; v++)
                {
                    var run = Compile(compiler, project, oneLine[v]);
                    CheckLoaded(run, oneLine[v]);
                    oneLineRuns[v].Add(run);
                }

                Console.WriteLine($"  csc repetition {rep}: "
                    + string.Join(", ", variants.Select((_, v) => $"#{v + 1} {Last(fullRuns[v])}")) + "; one-line file: "
                    + string.Join(", ", variants.Select((_, v) => $"#{v + 1} {Last(oneLineRuns[v])}")));
            }

            // One more build, not timed: where the analyzer and generator time goes (csc's own /reportanalyzer), and
            // every WDG diagnostic by rule and level from a SARIF log (the console shows warnings and errors, not info).
            var loadAtEnd = Load();
            var measured = Program.Period(startedAt);
            var sarif = Path.Combine(root, "out", "report.sarif");
            var reportRun = Compile(compiler with { Prefix = compiler.Prefix.Concat(new[] { "/reportanalyzer", "/errorlog:" + Quote(sarif) + ",version=2" }).ToArray() }, project, full[^1]);
            CheckFull(variants[^1], reportRun, OutputOf(root, full[^1]), models, full[^1]);
            var breakdown = AnalyzerReport(reportRun.Output);
            var logged = WdgDiagnosticsInLog(sarif);
            (List<Run>[] Runs, string Load)? serverRuns = OperatingSystem.IsLinux() ? MeasureServer(compiler, project, root, variants, full, models, serverRepetitions) : null;
            return Report(compiler, sdkAnalyzers, variants, fullRuns, oneLineRuns, serverRuns, repetitions, serverRepetitions, wdgDiagnostics, logged, warnings, measured, loadAtStart, loadAtEnd, breakdown);
        }

        /// <summary>The variants in order in odd repetitions and in reverse in even ones (ABC, CBA, …): a linear drift cancels out.</summary>
        internal static IEnumerable<int> Order(int count, int repetition)
            => repetition % 2 != 0 ? Enumerable.Range(0, count) : Enumerable.Range(0, count).Reverse();

        private static string Last(List<Run> runs)
            => $"{runs[^1].Milliseconds:F0} ms ({runs[^1].CpuMilliseconds:F0} ms CPU{(double.IsNaN(runs[^1].AllocatedMegabytes) ? string.Empty : $", {runs[^1].AllocatedMegabytes:F0} MB allocated")})";

        /// <summary>How often <paramref name="value"/> occurs in <paramref name="text"/>.</summary>
        internal static int Count(string text, string value)
        {
            var count = 0;
            for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
            {
                count++;
            }

            return count;
        }

        /// <summary>The TorchSharp package the benchmark references (its informational version, without a commit hash).</summary>
        internal static string TorchSharpVersion { get; } =
            (typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?").Split('+')[0];

        private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

        private static void WriteProject(string project, List<(string Path, string Text)> sources)
        {
            // Stop MSBuild's upward search: nothing of the temp directory's parents may change the build.
            File.WriteAllText(Path.Combine(project, "Directory.Build.props"), "<Project />\n");
            File.WriteAllText(Path.Combine(project, "Directory.Build.targets"), "<Project />\n");
            foreach (var (path, text) in sources)
            {
                File.WriteAllText(Path.Combine(project, path), text);
            }

            string Reference(Assembly assembly) => "    <Reference Include=\"" + SecurityElement.Escape(assembly.Location) + "\" />\n";

            // A plain library as a user would write it (the SDK's defaults otherwise: Debug, EnableNETAnalyzers, the
            // targeting pack's generators). The target records the arguments the Csc task computed (ProvideCommandLineArgs).
            File.WriteAllText(Path.Combine(project, ProjectName + ".csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>disable</ImplicitUsings>
                    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
                  </PropertyGroup>
                  <ItemGroup>
                {string.Concat(sources.Select(s => "    <Compile Include=\"" + SecurityElement.Escape(s.Path) + "\" />\n"))}  </ItemGroup>
                  <ItemGroup>
                {Reference(typeof(DecayGroupsAttribute).Assembly)}{Reference(typeof(TorchSharp.torch).Assembly)}{Reference(typeof(TorchSharpDecayGroups).Assembly)}  </ItemGroup>
                  <Target Name="WdGenBenchmarkWriteCscArguments" AfterTargets="CoreCompile">
                    <WriteLinesToFile File="csc.arguments" Lines="@(CscCommandLineArgs)" Overwrite="true" />
                    <WriteLinesToFile File="csc.tool" Lines="RoslynTargetsPath=$(RoslynTargetsPath);DOTNET_HOST_PATH=$(DOTNET_HOST_PATH)" Overwrite="true" />
                  </Target>
                </Project>

                """);
        }

        private sealed record Compiler(string FileName, string[] Prefix, string SdkVersion, string RoslynVersion, string Describe);

        /// <summary>Runs MSBuild's Compile target with the compiler's execution skipped, and reads back the Csc task's arguments.</summary>
        private static (Compiler Compiler, List<string> Arguments) SdkArguments(string project)
        {
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
            var arguments = new[]
            {
                "msbuild", ProjectName + ".csproj", "-restore", "-t:Compile", "-nologo", "-v:q", "-nodeReuse:false",
                "-p:UseSharedCompilation=false", "-p:ProvideCommandLineArgs=true", "-p:SkipCompilerExecution=true",
            };
            var command = dotnet + " " + string.Join(" ", arguments);
            Console.WriteLine($"Csc arguments from: (cd {project} && {command})");
            var start = new ProcessStartInfo(dotnet) { WorkingDirectory = project, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using (var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + command))
            {
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"`{command}` in {project} failed (exit code {process.ExitCode}):\n{output.Result}{error.Result}");
                }
            }

            var argumentsFile = Path.Combine(project, "csc.arguments");
            var toolFile = Path.Combine(project, "csc.tool");
            if (!File.Exists(argumentsFile) || !File.Exists(toolFile))
            {
                throw new InvalidOperationException($"`{command}` did not write {argumentsFile} and {toolFile}: did CoreCompile run?");
            }

            var cscArguments = File.ReadAllLines(argumentsFile).Where(l => l.Length > 0).ToList();
            var properties = File.ReadAllLines(toolFile).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            var roslyn = Path.GetFullPath(Path.Combine(properties["RoslynTargetsPath"], "bincore"));
            var cscDll = Path.Combine(roslyn, "csc.dll");
            if (!File.Exists(cscDll))
            {
                throw new InvalidOperationException($"The SDK's compiler is not where RoslynTargetsPath says: {cscDll} does not exist.");
            }

            if (cscArguments.Count == 0 || cscArguments.Any(a => a.StartsWith("/shared", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"Unexpected Csc arguments in {argumentsFile} (empty, or asking for the compiler server).");
            }

            // .NET 10's Csc task starts the apphost bincore/csc (older SDKs: dotnet exec csc.dll); either way one process
            // with the same runtime, compiler and server GC, in-process because /shared is not passed.
            var muxer = properties.TryGetValue("DOTNET_HOST_PATH", out var path) && path.Length > 0 ? path : dotnet;
            var appHost = Path.Combine(roslyn, OperatingSystem.IsWindows() ? "csc.exe" : "csc");
            var version = FileVersionInfo.GetVersionInfo(Path.Combine(roslyn, "Microsoft.CodeAnalysis.dll")).ProductVersion ?? "?";
            var sdkVersion = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(roslyn))) ?? "?";
            var compiler = File.Exists(appHost)
                ? new Compiler(appHost, Array.Empty<string>(), sdkVersion, version, appHost + " (the apphost the SDK's Csc task starts when not using the compiler server)")
                : new Compiler(muxer, new[] { "exec", cscDll }, sdkVersion, version, muxer + " exec " + cscDll);
            return (compiler, cscArguments);
        }

        /// <summary>A Roslyn component's build output, the file src/TorchSharp packs (WdGen.CompileBenchmarks.csproj records the paths).</summary>
        private static string RoslynComponent(string name)
        {
            var path = typeof(SdkCompilerBuilds).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == name)?.Value
                ?? throw new InvalidOperationException($"No AssemblyMetadata \"{name}\" in the benchmark assembly (see WdGen.CompileBenchmarks.csproj).");
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"{path} does not exist: build src/ in the benchmark's configuration first.");
            }

            return path;
        }

        private static string Copy(string file, string directory)
        {
            var target = Path.Combine(directory, Path.GetFileName(file));
            File.Copy(file, target, overwrite: true);
            return target;
        }

        private static IEnumerable<string> AssemblyReferences(string file)
        {
            using var stream = File.OpenRead(file);
            using var pe = new PEReader(stream);
            var reader = pe.GetMetadataReader();
            return reader.AssemblyReferences.Select(h => reader.GetAssemblyReference(h)).Select(r => reader.GetString(r.Name) + " " + r.Version).ToList();
        }

        /// <summary>
        /// The SDK's arguments with outputs redirected to a directory per response file, the WdGen components added after
        /// the SDK's analyzers, and optionally the user's sources replaced by one one-line file (start-up only).
        /// </summary>
        private static string WriteResponseFile(string root, string name, List<string> sdkArguments, string[] extraAnalyzers, HashSet<string>? replaceSources)
        {
            var output = Path.Combine(root, "out", name);
            Directory.CreateDirectory(output);
            var lines = new List<string>();
            var lastAnalyzer = sdkArguments.FindLastIndex(a => a.StartsWith("/analyzer:", StringComparison.Ordinal));
            var replaced = false;
            for (var i = 0; i < sdkArguments.Count; i++)
            {
                var argument = sdkArguments[i];
                if (Redirect(argument, output) is { } redirected)
                {
                    lines.Add(redirected);
                }
                else if (replaceSources is not null && replaceSources.Contains(argument))
                {
                    if (!replaced)
                    {
                        lines.Add(OneLineFile);
                        replaced = true;
                    }
                }
                else
                {
                    // The Csc task hands arguments over unquoted; source paths with a comma or space need quotes again.
                    lines.Add(!argument.StartsWith('/') && argument.IndexOfAny(new[] { ' ', ',', ';' }) >= 0 && !argument.Contains('"') ? Quote(argument) : argument);
                }

                if (i == lastAnalyzer || (lastAnalyzer < 0 && i == sdkArguments.Count - 1))
                {
                    lines.AddRange(extraAnalyzers.Select(a => "/analyzer:" + Quote(a)));
                }
            }

            if (replaceSources is not null && !replaced)
            {
                throw new InvalidOperationException("None of the synthetic sources is among the SDK's Csc arguments: cannot make the one-line variant " + name + ".");
            }

            var directory = Path.Combine(root, "rsp");
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, name + ".rsp");
            File.WriteAllLines(file, lines);
            return file;
        }

        private static string Quote(string value) => "\"" + value + "\"";

        /// <summary>Output switches pointed at the variant's own directory, so no two variants share a file.</summary>
        private static string? Redirect(string argument, string output)
        {
            foreach (var option in new[] { "/out:", "/refout:", "/pdb:", "/doc:", "/errorlog:", "/generatedfilesout:" })
            {
                if (argument.StartsWith(option, StringComparison.Ordinal))
                {
                    var file = Path.GetFileName(argument.Substring(option.Length).Trim('"'));
                    var folder = option == "/refout:" ? Path.Combine(output, "ref") : output;
                    Directory.CreateDirectory(folder);
                    return option + Quote(option == "/generatedfilesout:" ? Path.Combine(output, "generated") : Path.Combine(folder, file));
                }
            }

            return null;
        }

        private static string OutputOf(string root, string responseFile) => Path.Combine(root, "out", Path.GetFileNameWithoutExtension(responseFile), ProjectName + ".dll");

        [StructLayout(LayoutKind.Sequential)]
        private struct RUsage
        {
            public long UserSeconds;
            public long UserMicroseconds;
            public long SystemSeconds;
            public long SystemMicroseconds;
            public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVCsw, NIvCsw;
        }

        private const int RUSAGE_CHILDREN = -1;

        [DllImport("libc", SetLastError = true)]
        private static extern int getrusage(int who, out RUsage usage);

        /// <summary>
        /// User + system CPU time of all terminated and reaped children of this process. The runtime reaps a child
        /// (waitpid) before WaitForExit returns, so the difference across one run is that csc process's own CPU time,
        /// all threads, start-up included. (/proc/pid/stat is gone once the child is reaped.)
        /// </summary>
        private static double ChildrenCpuMilliseconds()
        {
            if (getrusage(RUSAGE_CHILDREN, out var usage) != 0)
            {
                throw new InvalidOperationException("getrusage(RUSAGE_CHILDREN) failed: errno " + Marshal.GetLastPInvokeError());
            }

            return (usage.UserSeconds + usage.SystemSeconds) * 1000.0 + (usage.UserMicroseconds + usage.SystemMicroseconds) / 1000.0;
        }

        private static Run Compile(Compiler compiler, string project, string responseFile, bool countAllocations = true)
        {
            var start = new ProcessStartInfo(compiler.FileName) { WorkingDirectory = project, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in compiler.Prefix.Append("@" + responseFile))
            {
                start.ArgumentList.Add(argument);
            }

            // The cold process counts its own allocations (AllocationHook.cs); a compiler-server client would count only its own.
            var allocationFile = Path.Combine(Path.GetTempPath(), "wdgen-compile-benchmarks", $"allocated-bytes-{Environment.ProcessId}.txt");
            File.Delete(allocationFile);
            if (countAllocations)
            {
                // Added to any hooks already set, as the runtime reads them: a path-separated list.
                var hooks = start.Environment.TryGetValue("DOTNET_STARTUP_HOOKS", out var set) && !string.IsNullOrEmpty(set) ? set + Path.PathSeparator : string.Empty;
                start.Environment["DOTNET_STARTUP_HOOKS"] = hooks + typeof(StartupHook).Assembly.Location;
                start.Environment[StartupHook.FileVariable] = allocationFile;
            }

            GC.Collect();
            var windows = OperatingSystem.IsWindows();
            var cpuStart = windows ? 0 : ChildrenCpuMilliseconds();
            var stopwatch = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {compiler.Describe} @{responseFile}");
            Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            stopwatch.Stop();
            var cpu = windows ? process.TotalProcessorTime.TotalMilliseconds : ChildrenCpuMilliseconds() - cpuStart;
            var text = output.Result + error.Result;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{compiler.Describe} @{responseFile} (in {project}) failed with exit code {process.ExitCode}:\n{text}");
            }

            if (cpu <= 0)
            {
                throw new InvalidOperationException($"No CPU time measured for {compiler.Describe} @{responseFile}: getrusage(RUSAGE_CHILDREN) did not see the child.");
            }

            var allocated = double.NaN;
            if (countAllocations)
            {
                allocated = File.Exists(allocationFile)
                    ? long.Parse(File.ReadAllText(allocationFile), CultureInfo.InvariantCulture) / 1e6
                    : throw new InvalidOperationException($"{compiler.Describe} @{responseFile} wrote no allocation count: the startup hook {typeof(StartupHook).Assembly.Location} did not run (DOTNET_STARTUP_HOOKS).");
            }

            return new Run(stopwatch.Elapsed.TotalMilliseconds, cpu, text, allocated);
        }

        /// <summary>
        /// The same full builds through one compiler server (VBCSCompiler), as a default <c>dotnet build</c> compiles:
        /// the server process stays up between builds, so its JIT, the loaded analyzers and the metadata it read are
        /// paid once, not per build. A warm-up build per variant first, then the variants interleaved. CPU time is
        /// the csc client's plus the server's (its /proc/pid/stat difference around the build); a build the client
        /// compiled itself (the server unreachable) fails the run instead of being counted.
        /// </summary>
        private static (List<Run>[] Runs, string Load) MeasureServer(Compiler compiler, string project, string root, Variant[] variants, string[] full, int models, int repetitions)
        {
            var pipe = "wdgen-benchmark-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            var client = compiler with { Prefix = compiler.Prefix.Concat(new[] { "/shared:" + pipe, "/keepalive:600" }).ToArray() };
            var runs = variants.Select(_ => new List<Run>()).ToArray();
            int? server = null;
            try
            {
                Console.WriteLine($"The SDK's compiler through its compiler server (pipe {pipe}), a warm-up build per variant, then {repetitions} repetitions:");
                var loadAtStart = Load();
                var startedAt = DateTime.UtcNow;
                // Two warm-up rounds: the server's code keeps tiering up over its first builds. Then the order
                // alternates (ABC, CBA, …), so a drift that is left (or a change in the machine's load) favours no variant.
                for (var rep = -1; rep <= repetitions; rep++)
                {
                    foreach (var v in Order(variants.Length, rep))
                    {
                        File.Delete(OutputOf(root, full[v]));
                        var run = CompileOnServer(client, project, full[v], pipe, ref server);
                        CheckFull(variants[v], run, OutputOf(root, full[v]), models, full[v]);
                        if (rep > 0)
                        {
                            runs[v].Add(run);
                        }
                    }

                    Console.WriteLine($"  server {(rep <= 0 ? "warm-up" : "repetition " + rep)}: " + string.Join(", ", variants.Select((_, v) => $"#{v + 1} {(rep <= 0 ? "done" : Last(runs[v]))}")));
                }

                return (runs, loadAtStart + " → " + Load() + "; measured " + Program.Period(startedAt));
            }
            finally
            {
                if (server is { } pid)
                {
                    try
                    {
                        Process.GetProcessById(pid).Kill();
                    }
                    catch (ArgumentException)
                    {
                        // Already gone.
                    }
                }
            }
        }

        private static Run CompileOnServer(Compiler client, string project, string responseFile, string pipe, ref int? server)
        {
            var before = server is { } known ? ServerCpuMilliseconds(known) : 0;
            var run = Compile(client, project, responseFile, countAllocations: false);
            server ??= FindServer(pipe) ?? throw new InvalidOperationException($"No compiler server with pipe {pipe} is running after csc @{responseFile}: the build did not go through the server.");
            var serverCpu = ServerCpuMilliseconds(server.Value) - before;
            if (serverCpu < run.CpuMilliseconds)
            {
                throw new InvalidOperationException($"csc @{responseFile} used {run.CpuMilliseconds:F0} ms CPU in the client and {serverCpu:F0} ms in the compiler server: "
                    + "the client compiled it itself (the server was not reached), which would not measure a server build.");
            }

            return run with { CpuMilliseconds = run.CpuMilliseconds + serverCpu };
        }

        private static int? FindServer(string pipe)
        {
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    try
                    {
                        var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                        if (commandLine.Contains("VBCSCompiler", StringComparison.Ordinal) && commandLine.Contains("-pipename:" + pipe, StringComparison.Ordinal))
                        {
                            return pid;
                        }
                    }
                    catch (IOException)
                    {
                        // The process ended while we looked.
                    }
                    catch (UnauthorizedAccessException)
                    {
                        // Another user's process.
                    }
                }
            }

            return null;
        }

        /// <summary>User + system CPU time of a running process, all threads, from /proc/pid/stat (fields 14 and 15).</summary>
        private static double ServerCpuMilliseconds(int pid)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks * 1000.0 / sysconf(SC_CLK_TCK);
        }

        private const int SC_CLK_TCK = 2;

        [DllImport("libc", SetLastError = true)]
        private static extern long sysconf(int name);

        private static void CheckLoaded(Run run, string responseFile)
        {
            var failure = Failures.FirstOrDefault(id => run.Output.Contains(id, StringComparison.Ordinal));
            if (failure is not null)
            {
                throw new InvalidOperationException($"csc @{responseFile} reported {failure} (SdkCompilerBuilds.Failures): an analyzer or generator did not load or failed, or the command line is not the SDK's.\n{run.Output}");
            }
        }

        /// <summary>The generator's output must be in the assembly exactly when the generator was passed, and WDG diagnostics exactly when the analyzers were.</summary>
        private static void CheckFull(Variant variant, Run run, string assembly, int models, string responseFile)
        {
            CheckLoaded(run, responseFile);
            if (!File.Exists(assembly))
            {
                throw new InvalidOperationException($"csc @{responseFile} exited with 0 but wrote no {assembly}.");
            }

            using (var stream = File.OpenRead(assembly))
            using (var pe = new PEReader(stream))
            {
                var reader = pe.GetMetadataReader();
                var contributors = reader.TypeDefinitions.Select(reader.GetTypeDefinition)
                    .Count(t => t.GetInterfaceImplementations().Select(i => reader.GetInterfaceImplementation(i).Interface)
                        .Any(i => i.Kind == HandleKind.TypeReference && reader.GetString(reader.GetTypeReference((TypeReferenceHandle)i).Name) == "IDecayGroupsModel"));
                var expected = variant.Generator ? models : 0;
                if (contributors != expected)
                {
                    throw new InvalidOperationException($"{assembly} (csc @{responseFile}, \"{variant.Name}\"): "
                        + $"{contributors} classes implementing the generated IDecayGroupsModel, expected {expected}: the generator did not run as intended.");
                }
            }

            var wdg = run.Output.Contains(" WDG", StringComparison.Ordinal);
            if (wdg != variant.Analyzers)
            {
                throw new InvalidOperationException($"csc @{responseFile} (\"{variant.Name}\") {(wdg ? "reported" : "reported no")} WDG diagnostics, expected {(variant.Analyzers ? "some" : "none")}: "
                    + "the analyzers did not run as intended.\n" + run.Output);
            }
        }

        /// <summary>The per-assembly lines of csc's /reportanalyzer output ("  10.306   46   Name, Version=…"; per-analyzer lines are indented further).</summary>
        private static List<(string Kind, string Assembly, double Seconds)> AnalyzerReport(string output)
        {
            var result = new List<(string, string, double)>();
            var kind = string.Empty;
            foreach (var line in output.Split('\n'))
            {
                if (line.StartsWith("Time (s)", StringComparison.Ordinal))
                {
                    kind = line.TrimEnd().EndsWith("Generator", StringComparison.Ordinal) ? "Generator" : "Analyzer";
                    continue;
                }

                var match = System.Text.RegularExpressions.Regex.Match(line, @"^\s*<?([0-9.]+)\s+<?[0-9]+   ([^ ,][^,]*),");
                if (kind.Length > 0 && match.Success)
                {
                    result.Add((kind, match.Groups[2].Value, double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)));
                }
            }

            if (!result.Any(r => r.Item2.StartsWith("WdGen.", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException("csc /reportanalyzer listed no WdGen assembly:\n" + output);
            }

            return result;
        }

        /// <summary>The WDG results of a SARIF 2.1 log, counted by rule and level ("WDG012 (note)").</summary>
        private static SortedDictionary<string, int> WdgDiagnosticsInLog(string sarif)
        {
            if (!File.Exists(sarif))
            {
                throw new InvalidOperationException($"csc /errorlog wrote no {sarif}.");
            }

            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            using var log = System.Text.Json.JsonDocument.Parse(File.ReadAllText(sarif));
            foreach (var run in log.RootElement.GetProperty("runs").EnumerateArray())
            {
                if (!run.TryGetProperty("results", out var results))
                {
                    continue;
                }

                foreach (var result in results.EnumerateArray())
                {
                    var id = result.TryGetProperty("ruleId", out var rule) ? rule.GetString() ?? string.Empty : string.Empty;
                    if (id.StartsWith("WDG", StringComparison.Ordinal))
                    {
                        var key = $"{id} ({(result.TryGetProperty("level", out var level) ? level.GetString() : "warning")})";
                        counts[key] = counts.TryGetValue(key, out var count) ? count + 1 : 1;
                    }
                }
            }

            return counts;
        }

        private static List<double> Cpu(List<Run> runs) => runs.Select(r => r.CpuMilliseconds).ToList();

        /// <summary>Allocation ratios to the baseline, paired by repetition: median and range, to three decimals (they repeat that closely).</summary>
        private static string AllocationRatio(List<Run> runs, List<Run> basis)
        {
            static string Three(double value) => value.ToString("F3", CultureInfo.InvariantCulture) + "×";
            var ratios = runs.Select((r, i) => r.AllocatedMegabytes / basis[i].AllocatedMegabytes).ToList();
            return $"{Three(Median(ratios))} ({Three(ratios.Min())}–{Three(ratios.Max())})";
        }

        private static string Report(Compiler compiler, List<string> sdkAnalyzers, Variant[] variants, List<Run>[] full, List<Run>[] oneLine, (List<Run>[] Runs, string Load)? server, int repetitions, int serverRepetitions, int wdgDiagnostics, SortedDictionary<string, int> logged, int[] warnings, string measured, string loadAtStart, string loadAtEnd, List<(string Kind, string Assembly, double Seconds)> breakdown)
        {
            string Ms(double v) => v.ToString("F0", CultureInfo.InvariantCulture) + " ms";
            var wall = full.Select(r => Median(r.Select(x => x.Milliseconds))).ToArray();
            var cpu = full.Select(r => Median(r.Select(x => x.CpuMilliseconds))).ToArray();
            var startWall = oneLine.Select(r => Median(r.Select(x => x.Milliseconds))).ToArray();
            var startCpu = oneLine.Select(r => Median(r.Select(x => x.CpuMilliseconds))).ToArray();
            var allocated = full.Select(r => Median(r.Select(x => x.AllocatedMegabytes))).ToArray();
            var startAllocated = oneLine.Select(r => Median(r.Select(x => x.AllocatedMegabytes))).ToArray();
            string Mb(double v) => v.ToString("F0", CultureInfo.InvariantCulture) + " MB";
            var text = new StringBuilder();
            text.AppendLine(Heading);
            text.AppendLine();
            text.AppendLine($"The same synthetic project, written to disk as a net10.0 library (Debug, `dotnet build`'s default; nullable enabled; references WdGen.Runtime, WdGen.TorchSharp and TorchSharp {TorchSharpVersion}) "
                + $"and compiled by the .NET SDK {compiler.SdkVersion} compiler, Roslyn {compiler.RoslynVersion}, with the exact arguments the SDK's Csc task computes for it "
                + "(MSBuild's Compile target with `ProvideCommandLineArgs=true`, `SkipCompilerExecution=true`). Each build is one cold csc process "
                + "(`" + string.Join(" ", compiler.Prefix.Prepend(Path.GetFileName(compiler.FileName))) + " @response-file`, no compiler server, `/shared` not passed), as `dotnet build -p:UseSharedCompilation=false` runs it: "
                + "parse, generators, one binding of all method bodies with the analyzers fed from the compilation's event queue, emit of the assembly, its reference assembly and its PDB. "
                + $"Medians of {repetitions} repetitions after a warm-up (the one-line builds), the builds interleaved in alternating order (ABC, CBA, …). Wall time is from process start to exit; CPU time is the child's user + system time, "
                + "all threads, from getrusage(RUSAGE_CHILDREN) differences around each run. Allocated is what the process allocated on all threads "
                + "(`GC.GetTotalAllocatedBytes`, written at exit by a startup hook, tests/CompileBenchmarks/AllocationHook.cs): on this shared machine the CPU times "
                + "of repeated builds scatter by several percent, the allocations by a few tenths of a percent, so they resolve differences the timings cannot; "
                + "they are a proxy for the compiler's work, not a time.");
            text.AppendLine();
            text.AppendLine("The baseline is not a compiler without analyzers: the SDK already passes its default analyzers and the targeting pack's generators, so the analyzer driver's floor "
                + "is in every row. The SDK's `/analyzer:` list (by default, for this project):");
            text.AppendLine();
            foreach (var analyzer in sdkAnalyzers)
            {
                text.AppendLine("- `" + Path.GetFullPath(analyzer) + "`");
            }

            text.AppendLine();
            text.AppendLine("The WdGen rows add, after those, `/analyzer:` entries for the files the WdGen package puts in analyzers/dotnet/cs: WdGen.Generator.dll, then also WdGen.Analyzers.dll and "
                + "WdGen.CodeFixes.dll (the code fixes hold no analyzer; the compiler still opens the file). Every run is checked: exit code 0, no analyzer or generator load failure "
                + $"({string.Join(", ", Failures)}), one class implementing the generated `IDecayGroupsModel` marker per model present exactly "
                + $"when the generator is passed, and WDG diagnostics reported exactly when the analyzers are ({wdgDiagnostics} WDG diagnostics in the compiler's output, which shows warnings and errors but not info diagnostics; "
                + $"{logged.Values.Sum()} in the SARIF log (`/errorlog`) of the untimed build below: {Program.ByRule(logged)}; compiler output: {warnings[0]} warnings without WdGen, {warnings[^1]} with generator + analyzers).");
            text.AppendLine();
            text.AppendLine("| csc build | Wall time | Ratio | CPU time | Ratio | CPU ratio paired by repetition: median (quartiles) | Allocated | Allocation ratio paired by repetition: median (range) |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (var v = 0; v < variants.Length; v++)
            {
                var target = v == variants.Length - 1 ? " (target ≤ 1.10×)" : string.Empty;
                text.AppendLine($"| {variants[v].Name} | {Ms(wall[v])} | {Ratio(wall[v] / wall[0])}{target} | {Ms(cpu[v])} | {Ratio(cpu[v] / cpu[0])}{target} | {PairedRatio(Cpu(full[v]), Cpu(full[0]))} | {Mb(allocated[v])} | {AllocationRatio(full[v], full[0])} |");
            }

            for (var v = 0; v < variants.Length; v++)
            {
                text.AppendLine($"| Start-up: a one-line file instead of the project, {variants[v].ShortName} | {Ms(startWall[v])} | {Ratio(startWall[v] / wall[0])} | {Ms(startCpu[v])} | {Ratio(startCpu[v] / cpu[0])} | | {Mb(startAllocated[v])} | |");
            }

            var last = variants.Length - 1;
            text.AppendLine();
            text.AppendLine("Ratios are to the first row; the start-up rows are the process's constant (runtime start, JIT, reading the references, loading analyzers and generators; "
                + "with WdGen also running its generator, which finds no model in the one-line file and emits nothing: GetDecayGroups() and the optimizers are compiled code in WdGen.TorchSharp, not generated), "
                + "paid again by every cold csc process and once per compiler-server lifetime in a default `dotnet build` (which uses the server). Without each row's own start-up, "
                + $"generator + analyzers cost {Ratio((wall[last] - startWall[last]) / (wall[0] - startWall[0]))} wall and {Ratio((cpu[last] - startCpu[last]) / (cpu[0] - startCpu[0]))} CPU of the build without WdGen; "
                + $"the generator alone {Ratio((wall[1] - startWall[1]) / (wall[0] - startWall[0]))} wall and {Ratio((cpu[1] - startCpu[1]) / (cpu[0] - startCpu[0]))} CPU. "
                + $"In allocated bytes, without the start-up: generator + analyzers {(allocated[last] - startAllocated[last]) / (allocated[0] - startAllocated[0]):F3}×, the generator alone {(allocated[1] - startAllocated[1]) / (allocated[0] - startAllocated[0]):F3}×.");
            if (server is { } warm)
            {
                var serverWall = warm.Runs.Select(r => Median(r.Select(x => x.Milliseconds))).ToArray();
                var serverCpu = warm.Runs.Select(r => Median(r.Select(x => x.CpuMilliseconds))).ToArray();
                text.AppendLine();
                text.AppendLine("Through the compiler server, as a default `dotnet build` compiles (`UseSharedCompilation` is on by default): the same response files with "
                    + "`/shared:<pipe> /keepalive:600`, one VBCSCompiler process for all builds, two rounds of checked warm-up builds, then "
                    + $"{serverRepetitions} interleaved repetitions in alternating order (ABC, CBA, …: the server's code keeps tiering up over its first builds, and a drift left over favours no variant). The server keeps its JIT-compiled code, the analyzer and generator assemblies it loaded and the metadata it read "
                    + "between builds, so the per-process start-up above is paid once per server lifetime. Wall time is the csc client's, start to exit; CPU time is the client's "
                    + "plus the server's during the build (its /proc/pid/stat difference); a build the client compiled itself would fail the run. "
                    + $"Load average: {warm.Load}.");
                text.AppendLine();
                text.AppendLine("| Server build | Wall time | Ratio | CPU time | Ratio | CPU ratio paired by repetition: median (quartiles) |");
                text.AppendLine("|---|---:|---:|---:|---:|---:|");
                for (var v = 0; v < variants.Length; v++)
                {
                    var target = v == variants.Length - 1 ? " (target ≤ 1.10×)" : string.Empty;
                    text.AppendLine($"| {variants[v].Name} | {Ms(serverWall[v])} | {Ratio(serverWall[v] / serverWall[0])}{target} | {Ms(serverCpu[v])} | {Ratio(serverCpu[v] / serverCpu[0])}{target} | {PairedRatio(Cpu(warm.Runs[v]), Cpu(warm.Runs[0]))} |");
                }
            }

            text.AppendLine();
            text.AppendLine($"Where the time goes, from one more (untimed) build with generator + analyzers and csc's `/reportanalyzer` (and `/errorlog`) (per assembly; analyzers run concurrently, "
                + "so their times can add up to more than the wall time):");
            text.AppendLine();
            text.AppendLine("| Assembly | Analyzer time | Generator time |");
            text.AppendLine("|---|---:|---:|");
            foreach (var assembly in breakdown.Select(b => b.Assembly).Distinct())
            {
                string Seconds(string kind) => breakdown.Where(b => b.Assembly == assembly && b.Kind == kind).Select(b => b.Seconds.ToString("F3", CultureInfo.InvariantCulture) + " s").FirstOrDefault() ?? string.Empty;
                text.AppendLine($"| {assembly} | {Seconds("Analyzer")} | {Seconds("Generator")} |");
            }

            text.AppendLine();
            text.AppendLine($"Cold builds measured {measured}. Load average while measuring (start → end of the timed runs): {loadAtStart} → {loadAtEnd}. Figures from a busy machine are noisy; compare ratios within one run.");
            text.AppendLine();
            text.AppendLine("Reproduce: `dotnet run -c Release --project tests/CompileBenchmarks -- [repetitions] --csc N --server M` (N csc repetitions, default the smaller of the repetitions and 3, 0 skips this section; M compiler-server repetitions, default N; "
                + "`--csc-only` skips the in-process builds and keeps their section of this file).");
            return text.ToString();
        }
    }
}

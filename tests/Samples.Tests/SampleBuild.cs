using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using WdGen.Tests.Shared;

namespace WdGen.Samples.Tests
{
    /// <summary>One compiler diagnostic from a build log: ID, file (relative to the sample folder) and line.</summary>
    public readonly record struct BuildDiagnostic(string Severity, string Id, string File, int Line)
    {
        public override string ToString() => $"{File}({Line}): {Severity} {Id}";
    }

    /// <summary>The outcome of one <c>dotnet build</c> of a sample; disposing it deletes the build's scratch folder.</summary>
    public sealed record BuildResult(int ExitCode, string Log, IReadOnlyList<BuildDiagnostic> Diagnostics, string OutputDirectory, string ScratchDirectory)
        : IDisposable
    {
        public void Dispose()
        {
            try
            {
                if (Directory.Exists(ScratchDirectory)) Directory.Delete(ScratchDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a scratch folder left in the temp directory does no harm.
            }
        }
    }

    /// <summary>
    /// Builds a sample in a subprocess, <c>dotnet build samples/X</c>, into a scratch folder (so it always compiles and
    /// reports its diagnostics afresh), without rebuilding the projects it references; runs <c>dotnet</c> commands.
    /// </summary>
    internal static class SampleBuild
    {
        private static readonly Regex DiagnosticLine = new(
            @"^[ \t]*(?<file>[^\s(][^(\r\n]*?)\((?<line>\d+),(?<column>\d+)\): (?<severity>warning|error) (?<id>[A-Za-z]+\d+):",
            RegexOptions.CultureInvariant);

        public static string Configuration { get; } =
            typeof(SampleBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "Configuration")?.Value ?? "Release";

        public static string ProjectFile(string sample)
        {
            var directory = RepositoryPaths.Combine("samples", sample);
            var projects = Directory.GetFiles(directory, "*.csproj");
            if (projects.Length != 1) throw new InvalidOperationException($"Expected one project in {directory}, found {projects.Length}.");
            return projects[0];
        }

        public static BuildResult Build(string sample, params string[] properties)
        {
            var sampleDirectory = RepositoryPaths.Combine("samples", sample);
            var scratch = Path.Combine(Path.GetTempPath(), "wdgen-samples-" + sample + "-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(scratch);
            var arguments = new List<string>
            {
                "build", ProjectFile(sample), "-c", Configuration, "-nologo", "-v:minimal", "-clp:NoSummary",
                "-p:BuildProjectReferences=false", "-p:SampleArtifacts=" + scratch,
            };
            arguments.AddRange(properties.Select(p => "-p:" + p));
            var (exitCode, log) = Run(arguments, RepositoryPaths.Root);
            var diagnostics = Parse(log, sampleDirectory);
            var output = Path.Combine(scratch, "bin", "net10.0");
            return new BuildResult(exitCode, log, diagnostics, output, scratch);
        }

        /// <summary>Runs <c>dotnet</c> with the arguments; returns the exit code and the combined output.</summary>
        public static (int ExitCode, string Log) Run(IReadOnlyList<string> arguments, string workingDirectory)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
            // The test host's own MSBuild settings must not leak into the child build.
            start.Environment.Remove("MSBuildSDKsPath");
            start.Environment.Remove("MSBUILD_EXE_PATH");
            start.Environment.Remove("MSBuildExtensionsPath");

            var log = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit((int)TimeSpan.FromMinutes(10).TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("dotnet " + string.Join(" ", arguments) + " took more than 10 minutes:\n" + log);
            }

            process.WaitForExit();
            lock (log) return (process.ExitCode, log.ToString());
        }

        /// <summary>The distinct diagnostics of a build log (MSBuild prints each once per project, sometimes twice).</summary>
        public static IReadOnlyList<BuildDiagnostic> Parse(string log, string sampleDirectory)
        {
            var root = Path.GetFullPath(sampleDirectory) + Path.DirectorySeparatorChar;
            return log.Split('\n')
                .Select(line => DiagnosticLine.Match(line.TrimEnd('\r')))
                .Where(m => m.Success)
                .Select(m =>
                {
                    var file = m.Groups["file"].Value.Trim();
                    var full = Path.IsPathRooted(file) ? Path.GetFullPath(file) : file;
                    var relative = full.StartsWith(root, StringComparison.Ordinal) ? full.Substring(root.Length) : full;
                    return new BuildDiagnostic(m.Groups["severity"].Value, m.Groups["id"].Value, relative.Replace('\\', '/'), int.Parse(m.Groups["line"].Value));
                })
                .Distinct()
                .OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line).ThenBy(d => d.Id, StringComparer.Ordinal)
                .ToList();
        }
    }
}

using System;
using System.Diagnostics;
using System.IO;
using WdGen.Tests.Shared;
using Xunit;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>
    /// A fact that needs the PyTorch oracle. When /usr/bin/python3 cannot import torch the test is reported as
    /// Skipped with the reason (xunit 2.9 has no dynamic skip, so the attribute decides at discovery time).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class OracleFactAttribute : FactAttribute
    {
        /// <summary>Sets <see cref="FactAttribute.Skip"/> when the oracle is unavailable.</summary>
        public OracleFactAttribute()
        {
            if (PythonOracle.Unavailable is { } reason)
            {
                Skip = "python3-torch not installed: " + reason;
            }
        }
    }

    /// <summary>Runs Oracle/oracle.py with /usr/bin/python3 and exchanges JSON files with it.</summary>
    internal static class PythonOracle
    {
        /// <summary>/usr/bin/python3, unless WDGEN_ORACLE_PYTHON names another interpreter (used to check the skip path).</summary>
        public static readonly string Python = Environment.GetEnvironmentVariable("WDGEN_ORACLE_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";
        private static readonly Lazy<string?> Probe = new(ProbeTorch);

        /// <summary>Null when torch imports; otherwise why not.</summary>
        public static string? Unavailable => Probe.Value;

        public static string OptimizationDirectory { get; } = FindOptimizationDirectory();

        public static string Script => Path.Combine(OptimizationDirectory, "Oracle", "oracle.py");

        public static string GoldenDirectory => Path.Combine(OptimizationDirectory, "Golden");

        /// <summary>Runs the script with the given arguments; throws with its stderr on failure.</summary>
        public static string Run(params string[] arguments)
        {
            var start = new ProcessStartInfo(Python)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Script);
            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            start.Environment["OMP_NUM_THREADS"] = "1";
            using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + Python);
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(300_000))
            {
                process.Kill();
                throw new TimeoutException("oracle.py did not finish in 5 minutes.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"oracle.py {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{stderr.Result}");
            }

            return stdout;
        }

        private static string? ProbeTorch()
        {
            if (!File.Exists(Python))
            {
                return Python + " does not exist";
            }

            try
            {
                var start = new ProcessStartInfo(Python, "-c \"import torch, numpy\"")
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                };
                using var process = Process.Start(start)!;
                var err = process.StandardError.ReadToEnd();
                process.WaitForExit(60_000);
                if (process.ExitCode == 0)
                {
                    return null;
                }

                var lines = err.Trim().Split('\n');
                return lines[^1].Trim();
            }
            catch (Exception e)
            {
                return e.Message;
            }
        }

        private static string FindOptimizationDirectory() => RepositoryPaths.Combine("tests", "Runtime.Tests", "Optimization");
    }
}

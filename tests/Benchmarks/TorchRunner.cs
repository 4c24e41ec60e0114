using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace WdGen.Benchmarks
{
    /// <summary>
    /// Runs bench_torch.py: PyTorch 1.13 from /usr/bin/python3, and PyTorch 2.6 inside an optional Debian 13 chroot
    /// (never required: without the chroot its rows say how to build it).
    /// </summary>
    internal static class TorchRunner
    {
        public const string DefaultChroot = "/work/chroot-trixie";

        public static string ChrootHint(string dir) =>
            $"debootstrap --variant=minbase --include=python3-torch,python3-numpy trixie {dir} <the Debian mirror of /etc/apt/sources.list.d/debian.sources> (as root; ~1.3 GB, a few minutes)";

        /// <summary>One result per mode: median ms, or the reason it was not measured.</summary>
        public sealed record ModeResult(string Mode, double? Ms, string? Error);

        public static (string Version, List<ModeResult> Modes) Run(
            ParameterSet set, bool[] decay, int iters, int threads, string modes, string? chroot)
        {
            var script = Path.Combine(AppContext.BaseDirectory, "bench_torch.py");
            var json = JsonSerializer.Serialize(new { shapes = set.Tensors.Select(t => t.Shape).ToArray(), decay });
            var id = Guid.NewGuid().ToString("N");
            string hostDir, insideDir;
            if (chroot is null)
            {
                hostDir = insideDir = Path.GetTempPath();
            }
            else
            {
                hostDir = Path.Combine(chroot, "tmp");
                insideDir = "/tmp";
            }

            var shapesFile = $"wdgen-bench-{id}.json";
            var scriptFile = $"wdgen-bench-{id}.py";
            File.WriteAllText(Path.Combine(hostDir, shapesFile), json);
            File.Copy(script, Path.Combine(hostDir, scriptFile));
            try
            {
                var isRoot = Environment.UserName == "root";
                var start = new ProcessStartInfo(chroot is null ? "/usr/bin/python3" : isRoot ? "unshare" : "sudo")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                if (chroot is not null)
                {
                    // A private mount namespace with its own /proc: without /proc, torch's cpuinfo finds no AVX and runs
                    // its slowest kernels. Nothing stays mounted after the run.
                    if (!isRoot)
                    {
                        start.ArgumentList.Add("-n");
                        start.ArgumentList.Add("unshare");
                    }

                    foreach (var a in new[] { "--mount", "--fork", "chroot", chroot, "/bin/sh", "-c", "mount -t proc proc /proc && exec python3 \"$@\"", "sh" })
                    {
                        start.ArgumentList.Add(a);
                    }
                }

                start.ArgumentList.Add(Path.Combine(insideDir, scriptFile));
                start.ArgumentList.Add(Path.Combine(insideDir, shapesFile));
                start.ArgumentList.Add(iters.ToString(CultureInfo.InvariantCulture));
                start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
                start.ArgumentList.Add(modes);
                start.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
                using var process = Process.Start(start)!;
                var err = process.StandardError.ReadToEndAsync();
                var output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException(err.Result.Trim().Split('\n').Last());
                }

                using var doc = JsonDocument.Parse(output.Trim().Split('\n').Last());
                var root = doc.RootElement;
                var results = new List<ModeResult>();
                foreach (var mode in modes.Split(','))
                {
                    if (root.TryGetProperty(mode + "_ms", out var times))
                    {
                        results.Add(new ModeResult(mode, Stats.Median(times.EnumerateArray().Select(e => e.GetDouble()).ToArray()), null));
                    }
                    else
                    {
                        results.Add(new ModeResult(mode, null, root.TryGetProperty(mode + "_error", out var e) ? e.GetString() : "not run"));
                    }
                }

                return (root.GetProperty("torch").GetString()!, results);
            }
            finally
            {
                File.Delete(Path.Combine(hostDir, shapesFile));
                File.Delete(Path.Combine(hostDir, scriptFile));
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Cuda;

namespace WdGen.Cuda.Device
{
    /// <summary>
    /// The GPU check: the CUDA engine against the CPU engine bit for bit, then its AdamW step timed against the device's
    /// copy bandwidth. Exit codes: 0 everything matched; 1 a mismatch or a failed check; 2 no usable CUDA device (or bad
    /// arguments), reported in one line within seconds.
    /// </summary>
    internal static class Program
    {
        public const string Usage =
            "usage: WdGen.Cuda.Device --out DIR [--quick] [--skip-correctness] [--skip-benchmark] [--emulate LIB.so]\n"
            + "  --out DIR            writes DIR/wdgen.json and DIR/wdgen.md\n"
            + "  --quick              fewer random scenarios and timed steps\n"
            + "  --emulate LIB.so     run the CUDA kernels' CPU emulation instead of a GPU (checks this program; timings mean nothing)\n"
            + "  --write-kernel FILE  write the composed CUDA kernel source (for building the emulation) and exit";

        private static readonly Stopwatch Clock = Stopwatch.StartNew();

        private static int Main(string[] args)
        {
            CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            Options options;
            try
            {
                options = Options.Parse(args);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine("WdGen.Cuda.Device: " + e.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }

            if (options.Help)
            {
                Console.WriteLine(Usage);
                return 0;
            }

            if (options.WriteKernel is { } kernelFile)
            {
                File.WriteAllText(kernelFile, CudaKernelSource.Text);
                Console.WriteLine($"wrote the composed kernel source ({CudaKernelSource.Text.Length:N0} characters, hash {CudaKernelSource.Hash}) to {kernelFile}");
                return 0;
            }

            var outDirectory = options.Out!;
            Directory.CreateDirectory(outDirectory);
            var report = new Report(outDirectory, options);
            Target target;
            try
            {
                target = options.Emulate is { } library ? Target.Emulation(library) : Target.Cuda();
            }
            catch (CudaUnavailableException e)
            {
                var line = "WdGen.Cuda.Device: no usable CUDA device: " + OneLine(e.Message);
                Console.Error.WriteLine(line);
                report.Fail("no-device", line);
                return 2;
            }
            catch (Exception e) when (e is CudaException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                var line = "WdGen.Cuda.Device: the CUDA backend could not start: " + OneLine(e.Message) + Hint(e);
                Console.Error.WriteLine(line);
                report.Fail("error", line);
                return 1;
            }

            using (target)
            {
                report.Device = target.Name;
                report.Emulated = target.Emulated;
                Log($"device: {target.Name}; kernel source {CudaKernelSource.Hash}, PTX cache {CudaKernelSource.CacheDirectory}; .NET {Environment.Version}, {Environment.ProcessorCount} cores");
                if (target.Emulated)
                {
                    Log("EMULATION: the CUDA kernels run on the CPU; this checks the program, and its timings mean nothing");
                }

                if (!options.SkipCorrectness)
                {
                    Log("correctness: the CUDA engine against the CPU engine, bit for bit after every step");
                    Correctness? correctness = null;
                    correctness = new Correctness(target, options.Quick, check =>
                    {
                        report.Checks = correctness!.Results;
                        report.Write(); // after every check: a run killed by its timeout keeps what it checked
                        Log($"  [{(check.Passed ? "ok" : "FAIL")}] {check.Name}: {check.Elements:N0} elements compared, {check.Mismatches:N0} mismatches ({check.Seconds:F1} s)"
                            + (check.Error is null ? string.Empty : " -- " + OneLine(check.Error)));
                        foreach (var detail in check.Details)
                        {
                            Log("         " + detail);
                        }
                    });
                    try
                    {
                        correctness.RunAll();
                    }
                    finally
                    {
                        report.Checks = correctness.Results;
                        report.Write();
                    }

                    Log($"correctness: {report.Checks.Count} checks, {report.Checks.Count(c => !c.Passed)} failed; "
                        + $"{report.Checks.Sum(c => c.Elements):N0} elements compared, {report.Checks.Sum(c => c.Mismatches):N0} mismatches");
                }

                if (!options.SkipBenchmark)
                {
                    try
                    {
                        Benchmarks(target, options, report);
                    }
                    catch (Exception e)
                    {
                        report.BenchmarkError = e.GetType().Name + ": " + OneLine(e.Message);
                        Log("benchmark FAILED: " + report.BenchmarkError);
                    }
                }
            }

            report.Status = report.Passed ? "passed" : "failed";
            report.Write();
            Console.WriteLine();
            Console.WriteLine(report.Markdown());
            Log($"wrote {Path.Combine(outDirectory, "wdgen.json")} and wdgen.md; {(report.Passed ? "PASSED" : "FAILED")}");
            return report.Passed ? 0 : 1;
        }

        private static void Benchmarks(Target target, Options options, Report report)
        {
            var copy = Benchmark.Copy(target, options.Quick);
            report.Copy = copy;
            Log($"copy bandwidth: {copy.Bytes >> 20} MiB device-to-device, median {copy.MedianMs:F3} ms = {copy.MedianGBps:F0} GB/s (2 x bytes; best {copy.BestGBps:F0} GB/s)");
            foreach (var (key, set) in Benchmark.Sets(target.Emulated))
            {
                var row = Benchmark.Run(target, key, set, options.Quick, copy);
                report.Rows.Add(row);
                report.Write();
                Log($"{row.Label} ({row.Parameters:N0} params, {row.Tensors:N0} tensors) AdamW step: median {row.MedianMs:F3} ms (min {row.MinMs:F3}, "
                    + $"loop mean {row.LoopMs:F3}, host {row.HostMs:F3}) = {row.GBps:F0} GB/s at 28 B/param, {row.PercentOfCopy:F1}% of copy; {row.Launches} launch(es)/step");
            }
        }

        public static void Log(string line) => Console.WriteLine($"[{Clock.Elapsed.TotalSeconds,6:F1}s] {line}");

        private static string OneLine(string text) => string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        private static string Hint(Exception e) => e is CudaException { Code: 222 }
            ? " (CUDA_ERROR_UNSUPPORTED_PTX_VERSION: this NVRTC is newer than the driver; set WDGEN_NVRTC to an NVRTC whose major version is at most the driver's CUDA version, which nvidia-smi shows)"
            : string.Empty;
    }

    internal sealed class Options
    {
        public string? Out { get; private set; }

        public bool Quick { get; private set; }

        public bool Help { get; private set; }

        public bool SkipCorrectness { get; private set; }

        public bool SkipBenchmark { get; private set; }

        public string? Emulate { get; private set; }

        public string? WriteKernel { get; private set; }

        public static Options Parse(string[] args)
        {
            var options = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException(args[i] + " needs a value.");
                switch (args[i])
                {
                    case "--out": options.Out = Value(); break;
                    case "--quick": options.Quick = true; break;
                    case "--skip-correctness": options.SkipCorrectness = true; break;
                    case "--skip-benchmark": options.SkipBenchmark = true; break;
                    case "--emulate": options.Emulate = Path.GetFullPath(Value()); break;
                    case "--write-kernel": options.WriteKernel = Value(); break;
                    case "-h" or "--help": options.Help = true; break;
                    default: throw new ArgumentException("unknown argument '" + args[i] + "'.");
                }
            }

            if (options.Out is null && options.WriteKernel is null && !options.Help)
            {
                throw new ArgumentException("--out DIR is required.");
            }

            return options;
        }
    }
}

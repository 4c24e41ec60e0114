using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using WdGen.Optimization;
using WdGen.Optimization.Engine;

namespace WdGen.Benchmarks
{
    /// <summary>
    /// Fused AdamW vs a TorchSharp-like op sequence vs PyTorch (loop and foreach) vs the memory-bandwidth floor.
    /// Usage: dotnet run -c Release --project tests/Benchmarks -- [--quick] [--sets gpt2,resnet50,small]
    ///        [--iters N] [--threads N] [--no-torch] [--out FILE]
    /// </summary>
    internal static unsafe class Program
    {
        private const double BytesPerParam = 28; // read p, g, m, v; write p, m, v (float32)

        private static int Main(string[] args)
        {
            if (args.Contains("--gpu"))
            {
                return GpuBenchmark.Run(args);
            }

            var quick = args.Contains("--quick");
            var threads = IntArg(args, "--threads") ?? Environment.ProcessorCount;
            var iters = IntArg(args, "--iters") ?? (quick ? 3 : 7);
            var noTorch = args.Contains("--no-torch");
            var sets = (StringArg(args, "--sets") ?? (quick ? "gpt2,small" : "gpt2,resnet50,small")).Split(',');
            var outFile = StringArg(args, "--out") ?? Path.Combine(ProjectDirectory(), quick ? "results-quick.md" : "results.md");
            CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

            var report = new StringBuilder();
            report.AppendLine($"# WdGen fused AdamW benchmark{(quick ? " (--quick)" : "")}");
            report.AppendLine();
            report.AppendLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} logical cores, " +
                              $"{threads} threads everywhere, .NET {Environment.Version}, AVX2+FMA: {Fma.IsSupported}, {iters} timed steps after 2 warm-up steps (medians).");
            report.AppendLine();

            var floorElements = quick ? 1L << 23 : 1L << 25;
            var floor = new Floor(floorElements, threads);
            report.AppendLine($"Bandwidth floor: the better of a STREAM-style in-place triad a += s·b (12 B/element) and an AdamW-shaped " +
                              $"stream p += m; m += g; v += g (28 B/element), over arrays of {floorElements * 4 >> 20} MiB, one pass of each right " +
                              "before every timed fused step (the machine is shared: floor and fused see the same load); best pass per set, " +
                              "scaled to 28 B/param.");
            report.AppendLine();
            report.AppendLine("| set | params | tensors | implementation | median ms/step | GB/s @28 B/param | % of floor | x slower than fused |");
            report.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|");
            Console.WriteLine(report);

            foreach (var key in sets)
            {
                var set = key.Trim() switch
                {
                    "gpt2" => quick ? ParameterSet.Gpt2Small(layers: 1, vocab: 2000, context: 256) : ParameterSet.Gpt2Small(),
                    "resnet50" => ParameterSet.ResNet50(),
                    "small" => ParameterSet.SmallTensors(quick ? 1000 : 10000),
                    _ => throw new ArgumentException("unknown set " + key),
                };
                var rows = RunSet(set, threads, iters, floor, noTorch, out var notes);
                foreach (var row in rows)
                {
                    report.AppendLine(row);
                    Console.WriteLine(row);
                }

                foreach (var note in notes)
                {
                    Console.WriteLine("  " + note);
                }

                report.AppendLine($"| | | | {string.Join("; ", notes)} | | | | |");
            }

            File.WriteAllText(outFile, report.ToString());
            Console.WriteLine($"\nTable written to {outFile}");
            return 0;
        }

        private static List<string> RunSet(ParameterSet set, int threads, int iters, Floor floor, bool noTorch, out List<string> notes)
        {
            notes = new List<string>();
            var n = set.Tensors.Count;
            var lengths = set.Tensors.Select(t => ParameterSet.Length(t.Shape)).ToArray();
            var decay = set.Tensors.Select(t => t.Shape.Length >= 2).ToArray();
            var total = set.TotalElements;
            var p = new float*[n];
            var g = new float*[n];
            var m = new float*[n];
            var v = new float*[n];
            var seed = 12345u;
            for (var i = 0; i < n; i++)
            {
                p[i] = Alloc(lengths[i]);
                g[i] = Alloc(lengths[i]);
                m[i] = Alloc(lengths[i]);
                v[i] = Alloc(lengths[i]);
                for (long j = 0; j < lengths[i]; j++)
                {
                    seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
                    p[i][j] = (seed >> 8) * (2f / (1 << 24)) - 1f;
                    g[i][j] = ((seed * 2654435761u) >> 8) * (2e-2f / (1 << 24)) - 1e-2f;
                }
            }

            var results = new List<(string Impl, double Ms)>();
            var floorGBs = 0.0;

            // WdGen fused AdamW: two groups (decay / no decay), pointer API, zero allocation expected.
            var groups = new[] { new FusedGroupOptions { LearningRate = 1e-3, WeightDecay = 0.1 }, new FusedGroupOptions { LearningRate = 1e-3 } };
            var specs = set.Tensors.Select((t, i) => new FusedParameterSpec(t.Name, decay[i] ? 0 : 1, lengths[i])).ToArray();
            using (var opt = new OptimizerEngine(FusedAlgorithm.AdamW, groups, specs, "bench", new FusedEngineOptions { ThreadCount = threads }))
            {
                for (var i = 0; i < n; i++)
                {
                    opt.SetBuffers(i, (nint)p[i], lengths[i], (nint)g[i], lengths[i]);
                }

                for (var w = 0; w < 2; w++)
                {
                    opt.Step();
                }

                var times = new double[iters];
                var floors = new double[iters];
                floor.Reset();
                long allocated = 0;
                for (var k = 0; k < iters; k++)
                {
                    floors[k] = floor.Pass();
                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    var t0 = Stopwatch.GetTimestamp(); // Stopwatch.StartNew() would allocate
                    opt.Step();
                    times[k] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    allocated += GC.GetTotalAllocatedBytes(precise: true) - before;
                }

                floorGBs = floors.Max();
                results.Insert(0, ("bandwidth floor (28 B/param)", BytesPerParam * total / (floorGBs * 1e9) * 1e3));
                results.Add(("WdGen fused AdamW", Median(times)));
                notes.Add($"fused: {allocated} bytes allocated in {iters} steps ({allocated / (double)iters:F0} B/step, process-wide), {opt.WorkList.Chunks.Length} chunks of ≤ {opt.WorkList.ChunkElements}");
            }

            // TorchSharp-like: 9 passes, 2 temporaries per tensor.
            {
                for (var w = 0; w < 2; w++)
                {
                    TorchSharpLikeAdamW.Step(p, g, m, v, lengths, decay, w + 1, threads);
                }

                var times = new double[iters];
                for (var k = 0; k < iters; k++)
                {
                    var sw = Stopwatch.StartNew();
                    TorchSharpLikeAdamW.Step(p, g, m, v, lengths, decay, k + 3, threads);
                    times[k] = sw.Elapsed.TotalMilliseconds;
                }

                results.Add(("C# TorchSharp-like (9 ops, 2 temps)", Median(times)));
            }

            for (var i = 0; i < n; i++)
            {
                NativeMemory.AlignedFree(p[i]);
                NativeMemory.AlignedFree(g[i]);
                NativeMemory.AlignedFree(m[i]);
                NativeMemory.AlignedFree(v[i]);
            }

            if (!noTorch)
            {
                try
                {
                    var (version, loop, foreach_) = RunTorch(set, decay, iters, threads);
                    results.Add(($"PyTorch {version} AdamW for-loop", loop));
                    results.Add(($"PyTorch {version} AdamW foreach", foreach_));
                }
                catch (Exception e)
                {
                    notes.Add("PyTorch not measured: " + e.Message.Split('\n')[0]);
                }
            }

            var fused = results.First(r => r.Impl.StartsWith("WdGen")).Ms;
            var floorMs = results[0].Ms;
            notes.Add($"floor {floorGBs:F1} GB/s (triad {floor.BestTriad:F1}, AdamW-shaped {floor.BestShaped:F1})");
            return results.Select(r =>
                $"| {set.Name} | {total:N0} | {n} | {r.Impl} | {r.Ms:F2} | {BytesPerParam * total / (r.Ms * 1e-3) / 1e9:F1} | {100 * floorMs / r.Ms:F0}% | {r.Ms / fused:F2} |").ToList();
        }

        private static (string Version, double Loop, double Foreach) RunTorch(ParameterSet set, bool[] decay, int iters, int threads)
        {
            var file = Path.Combine(Path.GetTempPath(), $"wdgen-bench-{Guid.NewGuid():N}.json");
            File.WriteAllText(file, JsonSerializer.Serialize(new { shapes = set.Tensors.Select(t => t.Shape).ToArray(), decay }));
            try
            {
                var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bench_torch.py"));
                start.ArgumentList.Add(file);
                start.ArgumentList.Add(iters.ToString(CultureInfo.InvariantCulture));
                start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
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
                double Med(string name) => Median(doc.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray());
                return (doc.RootElement.GetProperty("torch").GetString()!, Med("loop_ms"), Med("foreach_ms"));
            }
            finally
            {
                File.Delete(file);
            }
        }

        private static float* Alloc(long n)
        {
            var ptr = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, n) * 4, 64);
            NativeMemory.Clear(ptr, (nuint)Math.Max(1, n) * 4);
            return ptr;
        }

        private static double Median(double[] values)
        {
            var sorted = values.OrderBy(x => x).ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }

        private static int? IntArg(string[] args, string name) =>
            StringArg(args, name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : null;

        private static string? StringArg(string[] args, string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        private static string ProjectDirectory()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "WdGen.Benchmarks.csproj")))
                {
                    return dir.FullName;
                }
            }

            return Directory.GetCurrentDirectory();
        }
    }
}

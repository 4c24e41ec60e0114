using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using TorchSharp;
using WdGen.Optimization;
using WdGen.Optimization.Engine;

namespace WdGen.Benchmarks
{
    /// <summary>
    /// Side by side, in one run and on the same shapes: the memory-bandwidth floor, WdGen's fused AdamW in each state
    /// format, TorchSharp 0.107's own AdamW on real tensors, PyTorch 1.13 (Debian) and PyTorch 2.6 (optional Debian 13
    /// chroot); then the small model's step on real TorchSharp after a real backward pass. See README.md.
    /// Usage: dotnet run -c Release --project tests/Benchmarks -- [--quick] [--sets gpt2,resnet50,small,model,incache]
    ///        [--iters N] [--threads N] [--no-torch] [--no-torchsharp] [--no-small-model] [--chroot DIR] [--out FILE]
    ///        [--gpu]
    /// </summary>
    internal static unsafe class Program
    {
        private const double Fp32BytesPerParam = 28; // read p, g, m, v; write p, m, v (float32)

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
            var noTorchSharp = args.Contains("--no-torchsharp");
            var chroot = StringArg(args, "--chroot") ?? TorchRunner.DefaultChroot;
            var sets = (StringArg(args, "--sets") ?? "gpt2,resnet50,small,model,incache").Split(',').Select(k => k.Trim()).ToArray();
            var outFile = StringArg(args, "--out") ?? Path.Combine(ProjectDirectory(), quick ? "results-quick.md" : "results.md");
            CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            torch.set_num_threads(threads);
            var chrootPresent = File.Exists(Path.Combine(chroot, "usr/bin/python3"));

            var report = new StringBuilder();
            void Line(string text = "")
            {
                report.AppendLine(text);
                Console.WriteLine(text);
            }

            Line($"# WdGen fused AdamW benchmark{(quick ? " (--quick)" : "")}");
            Line();
            Line($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} logical cores, " +
                 $"{threads} threads everywhere (WdGen's engine, TorchSharp's and PyTorch's set_num_threads, the floor), .NET {Environment.Version}, " +
                 $"AVX2+FMA: {Fma.IsSupported}, TorchSharp {typeof(torch).Assembly.GetName().Version!.ToString(3)}, {iters} timed steps after 2 warm-up steps (sets under 1M parameters: 200 after 200), medians. " +
                 $"Reproduce: `dotnet run -c Release --project tests/Benchmarks{(quick ? " -- --quick" : "")}`.");
            Line();
            var floorElements = quick ? 1L << 23 : 1L << 25;
            var floor = new Floor(floorElements, threads);
            Line("Columns: **B/param moved** is the traffic a step needs at minimum (fp32 AdamW: read parameter, gradient, two moments, write " +
                 "three = 28; WdGen derives it as 12 + 2 x its state bytes per parameter: bf16 state 20, int8 state ~16 plus block scales; " +
                 "for torch rows it is the fp32 minimum, unfused paths move more). **state B held** is optimizer state per parameter " +
                 "(`StateBytes` for WdGen; 8 for torch's two fp32 moments). **% of floor** is the bandwidth floor's time for the row's own " +
                 "B/param over the row's time. The floor is the better of a STREAM-style triad and an AdamW-shaped stream over " +
                 $"{floorElements * 4 >> 20} MiB arrays, one pass right before every timed WdGen Float32 step (same load), best pass per set. " +
                 "The three WdGen rows step in turn, step after step (the same load for their ratios).");
            Line();
            Line("| set | params | tensors | implementation | median ms/step | x WdGen fp32 | B/param moved | state B/param held | % of floor |");
            Line("|---|---:|---:|---|---:|---:|---:|---:|---:|");

            foreach (var key in sets.Where(k => k != "incache"))
            {
                var set = key switch
                {
                    "gpt2" => quick ? ParameterSet.Gpt2Small(layers: 1, vocab: 2000, context: 256) : ParameterSet.Gpt2Small(),
                    "resnet50" => quick ? null : ParameterSet.ResNet50(),
                    "small" => ParameterSet.SmallTensors(quick ? 1000 : 10000),
                    "model" => ParameterSet.SmallModel(),
                    _ => throw new ArgumentException("unknown set " + key),
                };
                if (set is null)
                {
                    continue;
                }

                var rows = RunSet(set, threads, iters, floor, noTorch, noTorchSharp, chrootPresent ? chroot : null, chroot, out var notes);
                rows.ForEach(r => Line(r));
                foreach (var note in notes)
                {
                    Console.WriteLine("  " + note);
                }

                report.AppendLine($"| | | | {string.Join("; ", notes)} | | | | | |");
            }

            if (sets.Contains("model") && !args.Contains("--no-small-model"))
            {
                const int Repeats = 4, Steps = 200;
                Line();
                Line($"## Small model on real TorchSharp: {Steps} steps after a real backward pass each, median per run, {Repeats} runs in one process");
                Line();
                Line(SmallModelBenchmark.Header(Repeats));
                var rows = SmallModelBenchmark.Run(Repeats, Steps, new int?[] { null, 1 }, out var notes);
                rows.ForEach(r => Line(r));
                Line();
                notes.ForEach(n => Line(n));
            }

            if (sets.Contains("incache"))
            {
                Line();
                Line($"## In cache, one thread: AdamW on one {InCacheBenchmark.Elements:N0}-element tensor, best of 15 rounds of 1,000 steps, formats in turn");
                Line();
                Line(InCacheBenchmark.Header);
                InCacheBenchmark.Run().ForEach(r => Line(r));
                Line();
                Line("The step's arithmetic without its memory traffic: on few cores this, not bandwidth, separates the formats.");
            }

            File.WriteAllText(outFile, report.ToString());
            Console.WriteLine($"\nTable written to {outFile}");
            return 0;
        }

        private static List<string> RunSet(
            ParameterSet set, int threads, int iters, Floor floor, bool noTorch, bool noTorchSharp, string? chroot, string chrootPath, out List<string> notes)
        {
            notes = new List<string>();
            var n = set.Tensors.Count;
            var lengths = set.Tensors.Select(t => ParameterSet.Length(t.Shape)).ToArray();
            var decay = set.Tensors.Select(t => t.Shape.Length >= 2).ToArray();
            var total = set.TotalElements;
            var p = new float*[n];
            var g = new float*[n];
            var seed = 12345u;
            for (var i = 0; i < n; i++)
            {
                p[i] = Alloc(lengths[i]);
                g[i] = Alloc(lengths[i]);
                for (long j = 0; j < lengths[i]; j++)
                {
                    seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
                    p[i][j] = (seed >> 8) * (2f / (1 << 24)) - 1f;
                    g[i][j] = ((seed * 2654435761u) >> 8) * (2e-2f / (1 << 24)) - 1e-2f;
                }
            }

            // (implementation, median ms or null, bytes moved per param, state bytes per param, note when not measured)
            var results = new List<(string Impl, double? Ms, double Moved, double State, string? Why)>();
            var floorGBs = 0.0;
            var groups = new[] { new FusedGroupOptions { LearningRate = 1e-3, WeightDecay = 0.1 }, new FusedGroupOptions { LearningRate = 1e-3 } };
            var specs = set.Tensors.Select((t, i) => new FusedParameterSpec(t.Name, decay[i] ? 0 : 1, lengths[i])).ToArray();
            var small = total < 1_000_000; // microseconds per step: more warm-up and timed steps (the JIT's tiers settle)
            var warmup = small ? 200 : 2;
            var timed = small ? Math.Max(iters, 200) : iters;
            // The three state formats step in turn, step after step, so their ratios see the same machine load; a floor
            // pass runs right before each timed float32 step. (The same parameter values serve every engine: fine for timing.)
            var formats = new[] { StateFormat.Float32, StateFormat.BFloat16, StateFormat.Int8 };
            var engines = new OptimizerEngine?[formats.Length];
            try
            {
                for (var f = 0; f < formats.Length; f++)
                {
                    try
                    {
                        engines[f] = new OptimizerEngine(FusedAlgorithm.AdamW, groups, specs, "bench", new FusedEngineOptions { ThreadCount = threads }, null, formats[f]);
                        for (var i = 0; i < n; i++)
                        {
                            engines[f]!.SetBuffers(i, (nint)p[i], lengths[i], (nint)g[i], lengths[i]);
                        }
                    }
                    catch (NotSupportedException e)
                    {
                        engines[f] = null;
                        results.Add(($"WdGen fused AdamW, {formats[f]} state", null, 0, 0, "n/a (" + e.Message + ")"));
                    }
                }

                for (var w = 0; w < warmup; w++)
                {
                    foreach (var engine in engines)
                    {
                        engine?.Step();
                    }
                }

                var times = formats.Select(_ => new double[timed]).ToArray();
                var allocated = new long[formats.Length];
                var floors = new double[timed];
                floor.Reset();
                for (var k = 0; k < timed; k++)
                {
                    for (var f = 0; f < formats.Length; f++)
                    {
                        if (engines[f] is not { } opt)
                        {
                            continue;
                        }

                        if (f == 0 && k < iters)
                        {
                            floors[k] = floor.Pass();
                        }

                        var before = GC.GetTotalAllocatedBytes(precise: true);
                        var t0 = Stopwatch.GetTimestamp(); // Stopwatch.StartNew() would allocate
                        opt.Step();
                        times[f][k] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                        allocated[f] += GC.GetTotalAllocatedBytes(precise: true) - before;
                    }
                }

                floorGBs = floors.Max();
                results.Insert(0, ("bandwidth floor", Fp32BytesPerParam * total / (floorGBs * 1e9) * 1e3, Fp32BytesPerParam, 0, null));
                for (var f = 0; f < formats.Length; f++)
                {
                    if (engines[f] is not { } opt)
                    {
                        continue;
                    }

                    var state = opt.StateBytes / (double)total;
                    if (f == 0)
                    {
                        notes.Add($"WdGen: {opt.WorkList.Chunks.Length} chunks of ≤ {opt.WorkList.ChunkElements} in {opt.WorkList.BatchCount} batches");
                    }

                    results.Add(($"WdGen fused AdamW, {formats[f]} state", Stats.Median(times[f]), 12 + 2 * state, state, null));
                    notes.Add($"{formats[f]}: {allocated[f] / (double)timed:F0} B allocated per step (process-wide)");
                    if (f > 0 && engines[0] is not null)
                    {
                        // Each round's ratio to the float32 step of the same round: steadier than the ratio of the medians
                        // when the machine's load drifts during the run.
                        var ratios = times[f].Zip(times[0], (a, b) => a / b).ToArray();
                        notes.Add($"{formats[f]} / Float32 round by round: median {Stats.Median(ratios):F2}, range {ratios.Min():F2}–{ratios.Max():F2}");
                    }
                }
            }
            finally
            {
                foreach (var engine in engines)
                {
                    engine?.Dispose();
                }
            }

            for (var i = 0; i < n; i++)
            {
                NativeMemory.AlignedFree(p[i]);
                NativeMemory.AlignedFree(g[i]);
            }

            if (!noTorchSharp)
            {
                results.Add(($"TorchSharp {typeof(torch).Assembly.GetName().Version!.ToString(3)} torch.optim.AdamW", TorchSharpAdamW.MedianMs(set, decay, warmup, timed), Fp32BytesPerParam, 8, null));
            }

            if (!noTorch)
            {
                AddTorch(results, "PyTorch", set, decay, timed, threads, "loop,foreach,fused", null);
                if (chroot is null)
                {
                    results.Add(("PyTorch 2.6 AdamW fused=True (Debian 13 chroot)", null, 0, 0,
                        $"skipped: no chroot at {chrootPath}, build it with `{TorchRunner.ChrootHint(chrootPath)}`"));
                }
                else
                {
                    AddTorch(results, "PyTorch", set, decay, timed, threads, "foreach,fused", chroot);
                }
            }

            var fused = results.First(r => r.Impl.StartsWith("WdGen")).Ms ?? double.NaN;
            var floorMsPerByte = results[0].Ms!.Value / Fp32BytesPerParam;
            notes.Add($"floor {floorGBs:F1} GB/s (triad {floor.BestTriad:F1}, AdamW-shaped {floor.BestShaped:F1})");
            return results.Select(r => r.Ms is { } ms
                ? $"| {set.Name} | {total:N0} | {n} | {r.Impl} | {Format(ms)} | {ms / fused:F2} | {r.Moved:F1} | {(r.State == 0 ? "–" : r.State.ToString("F2"))} | {100 * floorMsPerByte * r.Moved / ms:F0}% |"
                : $"| {set.Name} | {total:N0} | {n} | {r.Impl} | {r.Why} | | | | |").ToList();
        }

        private static void AddTorch(
            List<(string Impl, double? Ms, double Moved, double State, string? Why)> results,
            string label, ParameterSet set, bool[] decay, int iters, int threads, string modes, string? chroot)
        {
            var where = chroot is null ? "/usr/bin/python3" : "Debian 13 chroot";
            try
            {
                var (version, modeResults) = TorchRunner.Run(set, decay, iters, threads, modes, chroot);
                foreach (var m in modeResults)
                {
                    var impl = $"{label} {version} AdamW {(m.Mode == "loop" ? "for-loop" : m.Mode == "fused" ? "fused=True" : "foreach")}";
                    results.Add(m.Ms is { } ms ? (impl, ms, Fp32BytesPerParam, 8, null) : (impl, null, 0, 0, "n/a (" + m.Error + ")"));
                }
            }
            catch (Exception e)
            {
                results.Add(($"{label} ({where})", null, 0, 0, "not measured: " + e.Message.Split('\n')[0]));
            }
        }

        private static string Format(double ms) => ms >= 10 ? ms.ToString("F1") : ms >= 0.1 ? ms.ToString("F2") : ms.ToString("F4");

        private static float* Alloc(long n)
        {
            var ptr = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, n) * 4, 64);
            NativeMemory.Clear(ptr, (nuint)Math.Max(1, n) * 4);
            return ptr;
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

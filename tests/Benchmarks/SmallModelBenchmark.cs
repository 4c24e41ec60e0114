using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using TorchSharp;
using WdGen.Optimization;
using static TorchSharp.torch;

namespace WdGen.Benchmarks
{
    /// <summary>
    /// Issue 16's small-model fixed cost, on real TorchSharp: <see cref="SmallModel"/> (26 tensors, 2,592 parameters),
    /// a real forward and backward pass before every step, the step alone timed; <c>steps</c> steps per run, the median
    /// per run, <c>repeats</c> runs in one process. The optimizers take turns step by step (each on its own copy of the
    /// model), so all of them see the same machine load. Target for the fused step: ≤ 1 µs per tensor + 10 µs.
    /// </summary>
    internal static class SmallModelBenchmark
    {
        private sealed class Variant : IDisposable
        {
            public required string Name { get; init; }
            public required SmallModel Model { get; init; }
            public required optim.Optimizer Optimizer { get; init; }
            public List<double> StepMedians { get; } = new();
            public List<double> PassMedians { get; } = new();

            public void Dispose()
            {
                Optimizer.Dispose();
                Model.Dispose();
            }
        }

        public static List<string> Run(int repeats, int steps, IReadOnlyList<int?> engineThreads, out List<string> notes)
        {
            notes = new List<string>();
            torch.manual_seed(7);
            using var tokens = torch.randint(0, SmallModel.Vocab, new long[] { 8, 16 });
            using var targets = torch.randint(0, SmallModel.Vocab, new long[] { 8 * 16 });
            var variants = new List<Variant>();
            foreach (var threads in engineThreads)
            {
                var model = new SmallModel();
                var optimizer = model.GetDecayGroups().ToFusedAdamW(1e-3, 0.1, engineOptions: threads is { } t ? new FusedEngineOptions { ThreadCount = t } : null);
                variants.Add(new Variant
                {
                    Name = threads is null ? $"WdGen fused AdamW (bridge default: {optimizer.Device})" : $"WdGen fused AdamW (ThreadCount = {threads}: {optimizer.Device})",
                    Model = model,
                    Optimizer = optimizer,
                });
            }

            {
                var model = new SmallModel();
                variants.Add(new Variant { Name = "TorchSharp 0.107 AdamW", Model = model, Optimizer = model.GetDecayGroups().ToAdamW(1e-3, 0.1) });
            }

            var tensors = variants[0].Model.parameters().Count();
            var elements = variants[0].Model.parameters().Sum(p => p.numel());
            try
            {
                var stepTimes = variants.Select(_ => new double[steps]).ToArray();
                var passTimes = variants.Select(_ => new double[steps]).ToArray();
                for (var run = 0; run < repeats; run++)
                {
                    for (var s = -20; s < steps; s++) // 20 warm-up steps per run
                    {
                        for (var v = 0; v < variants.Count; v++)
                        {
                            var variant = variants[v];
                            var t0 = Stopwatch.GetTimestamp();
                            using (torch.NewDisposeScope())
                            {
                                variant.Optimizer.zero_grad();
                                var logits = variant.Model.call(tokens);
                                var loss = nn.functional.cross_entropy(logits.reshape(-1, SmallModel.Vocab), targets);
                                loss.backward();
                            }

                            var t1 = Stopwatch.GetTimestamp();
                            variant.Optimizer.step();
                            var t2 = Stopwatch.GetTimestamp();
                            if (s >= 0)
                            {
                                passTimes[v][s] = Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds;
                                stepTimes[v][s] = Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds;
                            }
                        }
                    }

                    for (var v = 0; v < variants.Count; v++)
                    {
                        variants[v].StepMedians.Add(Stats.Median(stepTimes[v]));
                        variants[v].PassMedians.Add(Stats.Median(passTimes[v]));
                    }
                }

                var target = tensors + 10.0;
                var fused = variants[0].StepMedians.Max();
                notes.Add($"{tensors} tensors, {elements:N0} parameters; target for the fused step: ≤ {target:F0} µs (1 µs per tensor + 10 µs); " +
                          $"torch.get_num_threads() = {torch.get_num_threads()}; forward+backward of a batch of 8 x 16 tokens before every step.");
                return variants.Select(v =>
                    $"| {v.Name} | {string.Join(" | ", v.StepMedians.Select(x => x.ToString("F1")))} | {v.StepMedians.Max() / v.StepMedians.Min():F2} | " +
                    $"{v.StepMedians.Max() / fused:F2} | {string.Join(" / ", v.PassMedians.Select(x => x.ToString("F0")))} |").ToList();
            }
            finally
            {
                variants.ForEach(v => v.Dispose());
            }
        }

        public static string Header(int repeats) =>
            $"| optimizer | {string.Join(" | ", Enumerable.Range(1, repeats).Select(r => $"run {r}: median µs/step"))} | spread (max/min) | x fused default (worst runs) | forward+backward median µs per run |\n" +
            $"|---|{string.Concat(Enumerable.Repeat("---:|", repeats))}---:|---:|---:|";
    }
}

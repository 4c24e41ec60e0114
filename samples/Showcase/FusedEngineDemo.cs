using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using WdGen.Benchmarks;
using WdGen.Optimization;

namespace WdGen.Showcase
{
    /// <summary>
    /// Part 2: WdGen's fused AdamW over GPT-2 small's 124M parameters, grouped as part 1 decided. Checked element by
    /// element against an independent implementation of TorchSharp's nine-op AdamW sequence, then timed against that
    /// sequence and against the memory-bandwidth floor (28 bytes per parameter per step), all in this one run.
    /// </summary>
    internal static unsafe class FusedEngineDemo
    {
        private const double LearningRate = 6e-4;
        private const double WeightDecay = 0.1;
        private const double BytesPerParameter = 28;

        public static void Run(DecayGroups<HostParameter> groups, int timedSteps)
        {
            var entries = groups.ScaledGroups.SelectMany(g => g.Entries).ToArray();
            var decays = entries.Select(e => e.Decays).ToArray();
            var lengths = entries.Select(e => e.ElementCount).ToArray();
            var total = lengths.Sum();
            var threads = Environment.ProcessorCount;
            Console.WriteLine(
                "  " + total.ToString("N0", CultureInfo.InvariantCulture) + " parameters in " + entries.Length + " tensors, "
                + groups.ScaledGroups.Count + " param groups (weight decay " + WeightDecay + " and 0), lr " + LearningRate + ", " + threads + " threads");

            using var fused = new Buffers(lengths, seed: 1);
            using var reference = new Buffers(lengths, seed: 1);
            using var engine = CreateEngine(groups, entries);
            for (var i = 0; i < entries.Length; i++)
            {
                engine.SetBuffers(i, fused.Parameters[i], fused.Gradients[i]);
            }

            // Correctness: three steps each, with a new gradient before every step, then every element compared.
            var check = new ProgressBar("checking against the 9-op reference", 3);
            for (var step = 1; step <= 3; step++)
            {
                fused.FillGradients(step);
                reference.FillGradients(step);
                engine.Step();
                TorchSharpLikeAdamW.Step(reference.Parameters, reference.Gradients, reference.FirstMoments, reference.SecondMoments, lengths, decays, step, threads, LearningRate, WeightDecay);
                check.Report(step, string.Empty);
            }

            var (maxRelative, differing) = Compare(fused, reference);
            Console.WriteLine(
                "  after 3 steps: " + differing.ToString("N0", CultureInfo.InvariantCulture) + " of " + total.ToString("N0", CultureInfo.InvariantCulture)
                + " elements differ; max relative difference " + maxRelative.ToString("G3", CultureInfo.InvariantCulture)
                + (differing == 0 ? " (bit-identical)" : string.Empty));

            // Speed: fused and reference steps interleaved with floor passes, medians over the same minutes of machine load.
            var floor = new Floor(Math.Min(total, 64L << 20), threads);
            var fusedTimes = new List<double>();
            var referenceTimes = new List<double>();
            var floorRates = new List<double>();
            var allocated = 0L;
            var timing = new ProgressBar("timing", timedSteps);
            for (var i = 0; i < timedSteps; i++)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var start = Stopwatch.GetTimestamp();
                engine.Step();
                fusedTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                allocated += GC.GetTotalAllocatedBytes(precise: true) - before;

                start = Stopwatch.GetTimestamp();
                TorchSharpLikeAdamW.Step(reference.Parameters, reference.Gradients, reference.FirstMoments, reference.SecondMoments, lengths, decays, 4 + i, threads, LearningRate, WeightDecay);
                referenceTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                floorRates.Add(floor.Pass());
                timing.Report(i + 1, "fused " + fusedTimes[^1].ToString("F0", CultureInfo.InvariantCulture) + " ms");
            }

            var floorMs = total * BytesPerParameter / (floorRates.Max() * 1e9) * 1e3;
            var fusedMs = Median(fusedTimes);
            var referenceMs = Median(referenceTimes);
            Console.WriteLine();
            Console.WriteLine("  | per AdamW step                     | ms (median) | GB/s @28 B/param | % of floor | vs fused |");
            Console.WriteLine("  |------------------------------------|------------:|-----------------:|-----------:|---------:|");
            Row("bandwidth floor (measured here)", floorMs, floorMs, fusedMs, total);
            Row("WdGen fused AdamW", fusedMs, floorMs, fusedMs, total);
            Row("TorchSharp's 9-op sequence, in C#", referenceMs, floorMs, fusedMs, total);
            Console.WriteLine("  bytes allocated (process-wide) during " + timedSteps + " fused steps: " + allocated.ToString("N0", CultureInfo.InvariantCulture));
            Console.WriteLine("  (a shared machine: compare the ratios, measured side by side, rather than the absolute times)");
        }

        private static FusedOptimizer CreateEngine(DecayGroups<HostParameter> groups, DecayEntry<HostParameter>[] entries)
        {
            var options = groups.ScaledGroups
                .Select(g => new FusedGroupOptions { LearningRate = LearningRate, WeightDecay = g.WeightDecayFor(WeightDecay) })
                .ToList();
            var specs = new List<FusedParameterSpec>();
            for (var g = 0; g < groups.ScaledGroups.Count; g++)
            {
                specs.AddRange(groups.ScaledGroups[g].Entries.Select(e => new FusedParameterSpec(e.Name, g, e.ElementCount)));
            }

            return new FusedOptimizer(FusedAlgorithm.AdamW, options, specs, groups.Fingerprint);
        }

        private static (double MaxRelative, long Differing) Compare(Buffers a, Buffers b)
        {
            var maxRelative = 0.0;
            long differing = 0;
            for (var t = 0; t < a.Lengths.Length; t++)
            {
                var x = new ReadOnlySpan<float>(a.Parameters[t], checked((int)a.Lengths[t]));
                var y = new ReadOnlySpan<float>(b.Parameters[t], checked((int)b.Lengths[t]));
                for (var i = 0; i < x.Length; i++)
                {
                    if (x[i] != y[i])
                    {
                        differing++;
                        maxRelative = Math.Max(maxRelative, Math.Abs(x[i] - y[i]) / Math.Max(Math.Abs(y[i]), 1e-30));
                    }
                }
            }

            return (maxRelative, differing);
        }

        private static void Row(string name, double ms, double floorMs, double fusedMs, long parameters)
            => Console.WriteLine(
                "  | " + name.PadRight(34) + " | " + ms.ToString("F1", CultureInfo.InvariantCulture).PadLeft(11)
                + " | " + (parameters * BytesPerParameter / (ms / 1e3) / 1e9).ToString("F1", CultureInfo.InvariantCulture).PadLeft(16)
                + " | " + (floorMs / ms * 100).ToString("F0", CultureInfo.InvariantCulture).PadLeft(9) + "%"
                + " | " + (ms / fusedMs).ToString("F2", CultureInfo.InvariantCulture).PadLeft(7) + "x |");

        private static double Median(List<double> values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        /// <summary>Parameters, gradients and (for the reference) moments of every tensor, in native memory.</summary>
        private sealed class Buffers : IDisposable
        {
            public Buffers(long[] lengths, ulong seed)
            {
                Lengths = lengths;
                Parameters = Allocate(lengths);
                Gradients = Allocate(lengths);
                FirstMoments = Allocate(lengths);
                SecondMoments = Allocate(lengths);
                for (var t = 0; t < lengths.Length; t++)
                {
                    Fill(Parameters[t], lengths[t], seed * 7919 + (ulong)t, 0.02f);
                }
            }

            public long[] Lengths { get; }

            public float*[] Parameters { get; }

            public float*[] Gradients { get; }

            public float*[] FirstMoments { get; }

            public float*[] SecondMoments { get; }

            public void FillGradients(int step)
            {
                for (var t = 0; t < Lengths.Length; t++)
                {
                    Fill(Gradients[t], Lengths[t], (ulong)(step * 104729 + t), 1e-2f);
                }
            }

            public void Dispose()
            {
                foreach (var buffers in new[] { Parameters, Gradients, FirstMoments, SecondMoments })
                {
                    foreach (var buffer in buffers)
                    {
                        NativeMemory.AlignedFree(buffer);
                    }
                }
            }

            private static float*[] Allocate(long[] lengths)
            {
                var buffers = new float*[lengths.Length];
                for (var t = 0; t < lengths.Length; t++)
                {
                    buffers[t] = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(lengths[t], 1) * sizeof(float), 64);
                    new Span<float>(buffers[t], checked((int)lengths[t])).Clear();
                }

                return buffers;
            }

            /// <summary>Deterministic values in [-scale, scale) (xorshift64*), the same for both buffer sets.</summary>
            private static void Fill(float* data, long length, ulong seed, float scale)
            {
                var state = seed * 0x9E3779B97F4A7C15UL + 1;
                for (long i = 0; i < length; i++)
                {
                    state ^= state >> 12;
                    state ^= state << 25;
                    state ^= state >> 27;
                    var bits = (state * 0x2545F4914F6CDD1DUL) >> 40;
                    data[i] = ((bits / (float)(1 << 24)) * 2 - 1) * scale;
                }
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using WdGen.Benchmarks;
using WdGen.Optimization;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Engine;

namespace WdGen.Cuda.Device
{
    /// <summary>The device's copy bandwidth: a device-to-device copy reads and writes every byte (2 × bytes moved).</summary>
    internal sealed record CopyBandwidth(long Bytes, int Trials, double MedianMs, double BestMs)
    {
        public double MedianGBps => 2.0 * Bytes / (MedianMs * 1e-3) / 1e9;

        public double BestGBps => 2.0 * Bytes / (BestMs * 1e-3) / 1e9;
    }

    /// <summary>One parameter set's AdamW step on the device.</summary>
    internal sealed record BenchmarkRow(
        string Key, string Label, long Parameters, int Tensors, int Steps,
        double MedianMs, double MinMs, double LoopMs, double HostMs, int Launches, double CopyGBps)
    {
        public const double BytesPerParam = 28; // read p, g, m, v; write p, m, v (float32)

        /// <summary>At the median step time.</summary>
        public double GBps => BytesPerParam * Parameters / (MedianMs * 1e-3) / 1e9;

        /// <summary>At the mean step time of a loop with one synchronization at its end.</summary>
        public double LoopGBps => BytesPerParam * Parameters / (LoopMs * 1e-3) / 1e9;

        public double PercentOfCopy => 100 * GBps / CopyGBps;

        public double LoopPercentOfCopy => 100 * LoopGBps / CopyGBps;
    }

    /// <summary>
    /// The CUDA engine's AdamW step as a training loop runs it: the engine pointed once at device buffers
    /// (<see cref="OptimizerEngine.SetBuffers(int, nint, nint)"/>), then <see cref="OptimizerEngine.Step()"/> per step.
    /// Timed two ways, with a device synchronization around each step (median, min; includes the host's launch work and
    /// one synchronization's latency) and around a loop of steps (mean; launches overlap the previous step's kernel).
    /// </summary>
    internal static unsafe class Benchmark
    {
        private const int CopiesPerTrial = 5;

        public static CopyBandwidth Copy(Target target, bool quick)
        {
            var bytes = target.Emulated ? 64L << 20 : 1L << 30;
            var trials = quick ? 10 : 20;
            var a = target.Device.Allocate(bytes);
            var b = target.Device.Allocate(bytes);
            try
            {
                for (var i = 0; i < 3; i++)
                {
                    target.Copy(b, a, bytes);
                }

                target.Device.Synchronize();
                // Each trial: CopiesPerTrial copies back to back, then one synchronization (its latency amortized).
                var times = new double[trials];
                for (var i = 0; i < trials; i++)
                {
                    var clock = Stopwatch.StartNew();
                    for (var c = 0; c < CopiesPerTrial; c++)
                    {
                        target.Copy(b, a, bytes);
                    }

                    target.Device.Synchronize();
                    times[i] = clock.Elapsed.TotalMilliseconds / CopiesPerTrial;
                }

                return new CopyBandwidth(bytes, trials, Median(times), times.Min());
            }
            finally
            {
                target.Device.Free(a);
                target.Device.Free(b);
            }
        }

        /// <summary>The parameter sets: GPT-2 small and 10,000 tensors of 1,000 elements (smaller under the emulation).</summary>
        public static IEnumerable<(string Key, ParameterSet Set)> Sets(bool emulated) => new[]
        {
            ("gpt2", emulated ? ParameterSet.Gpt2Small(layers: 1, vocab: 2000, context: 256) : ParameterSet.Gpt2Small()),
            ("small10k", ParameterSet.SmallTensors(emulated ? 1000 : 10_000)),
        };

        public static BenchmarkRow Run(Target target, string key, ParameterSet set, bool quick, CopyBandwidth copy)
        {
            var steps = target.Emulated ? 3 : quick ? 20 : 50;
            var specs = set.Tensors.Select(t => new FusedParameterSpec(t.Name, t.Shape.Length >= 2 ? 0 : 1, ParameterSet.Length(t.Shape))).ToArray();
            var groups = new[] { new FusedGroupOptions { LearningRate = 6e-4, WeightDecay = 0.1 }, new FusedGroupOptions { LearningRate = 6e-4 } };
            var device = target.Device;
            using var engine = new OptimizerEngine(FusedAlgorithm.AdamW, groups, specs, key, null, target.NewBackend);
            var buffers = new List<ulong>();
            try
            {
                var rng = new Random(1);
                var pattern = Masks.Normal(rng, 1 << 20, 0.02);
                var gradients = Masks.Normal(rng, 1 << 20, 1e-3);
                for (var p = 0; p < specs.Length; p++)
                {
                    var param = device.Allocate(specs[p].Length * sizeof(float));
                    buffers.Add(param);
                    var grad = device.Allocate(specs[p].Length * sizeof(float));
                    buffers.Add(grad);
                    Fill(device, param, specs[p].Length, pattern, p);
                    Fill(device, grad, specs[p].Length, gradients, p);
                    engine.SetBuffers(p, (nint)param, (nint)grad);
                }

                for (var i = 0; i < 3; i++)
                {
                    engine.Step();
                }

                device.Synchronize();
                var times = new double[steps];
                var host = new double[steps];
                for (var i = 0; i < steps; i++)
                {
                    var clock = Stopwatch.StartNew();
                    engine.Step();
                    host[i] = clock.Elapsed.TotalMilliseconds;
                    device.Synchronize();
                    times[i] = clock.Elapsed.TotalMilliseconds;
                }

                var loop = Stopwatch.StartNew();
                for (var i = 0; i < steps; i++)
                {
                    engine.Step();
                }

                device.Synchronize();
                var loopMs = loop.Elapsed.TotalMilliseconds / steps;
                var launches = ((CudaBackend)engine.Backend).LastLaunchCount;
                return new BenchmarkRow(key, set.Name, set.TotalElements, specs.Length, steps, Median(times), times.Min(), loopMs, Median(host), launches, copy.MedianGBps);
            }
            finally
            {
                foreach (var buffer in buffers)
                {
                    device.Free(buffer);
                }
            }
        }

        /// <summary>Uploads a repeating pattern (rotated per tensor) so values are realistic without a host copy of the model.</summary>
        private static void Fill(ICudaDevice device, ulong destination, long elements, float[] pattern, int shift)
        {
            var offset = (shift * 7919) % pattern.Length;
            fixed (float* source = pattern)
            {
                for (long done = 0; done < elements;)
                {
                    var n = Math.Min(elements - done, pattern.Length - offset);
                    device.Upload(destination + (ulong)(done * sizeof(float)), source + offset, n * sizeof(float));
                    done += n;
                    offset = 0;
                }
            }
        }

        public static double Median(double[] values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            return sorted.Length == 0 ? double.NaN
                : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
                : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }
}

using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using WdGen.Optimization;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Engine;
using WdGen.Optimization.Cuda;

namespace WdGen.Benchmarks
{
    /// <summary>
    /// <c>--gpu</c>: the CUDA engine's AdamW step on GPT-2 small against the device's measured copy bandwidth.
    /// Target (for when a GPU is lent): ≥ 85% of the device-to-device copy bandwidth at 28 B/param, and one kernel
    /// launch per table of up to <see cref="CudaBackend.TensorsPerLaunch"/> tensors (GPT-2 small: 1 launch).
    /// Without a CUDA device it prints "no CUDA device: skipped" and the reason, and exits 0.
    /// </summary>
    internal static unsafe class GpuBenchmark
    {
        private const double BytesPerParam = 28;
        private const double Target = 0.85;

        public static int Run(string[] args)
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            if (CudaBackend.UnavailableReason() is { } reason)
            {
                Console.WriteLine("no CUDA device: skipped (" + reason + ")");
                return 0;
            }

            var iters = args.SkipWhile(a => a != "--iters").Skip(1).Select(int.Parse).FirstOrDefault(50);
            var set = ParameterSet.Gpt2Small();
            var specs = set.Tensors.Select(t => new FusedParameterSpec(t.Name, t.Shape.Length >= 2 ? 0 : 1, ParameterSet.Length(t.Shape))).ToArray();
            var groups = new[] { new FusedGroupOptions { LearningRate = 6e-4, WeightDecay = 0.1 }, new FusedGroupOptions { LearningRate = 6e-4 } };
            using var device = new CudaDriverDevice(0);
            using var optimizer = new OptimizerEngine(FusedAlgorithm.AdamW, groups, specs, "gpt2", null, () => CudaBackend.Create(0));
            var buffers = specs.Select(s => (Param: device.Allocate(s.Length * 4), Grad: device.Allocate(s.Length * 4))).ToArray();
            for (var p = 0; p < specs.Length; p++)
            {
                optimizer.SetBuffers(p, (IntPtr)(long)buffers[p].Param, (IntPtr)(long)buffers[p].Grad);
            }

            // Copy bandwidth: a device-to-device copy reads and writes each byte (2 x bytes moved), 256 MiB, best of 20.
            const long copyBytes = 256L << 20;
            var a = device.Allocate(copyBytes);
            var b = device.Allocate(copyBytes);
            device.Copy(b, a, copyBytes);
            device.Synchronize();
            var best = double.MaxValue;
            for (var i = 0; i < 20; i++)
            {
                var t = Stopwatch.StartNew();
                device.Copy(b, a, copyBytes);
                device.Synchronize();
                best = Math.Min(best, t.Elapsed.TotalSeconds);
            }

            var copyRate = 2.0 * copyBytes / best;
            device.Free(a);
            device.Free(b);

            optimizer.Step();
            optimizer.Step();
            device.Synchronize();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < iters; i++)
            {
                optimizer.Step();
            }

            device.Synchronize();
            var seconds = clock.Elapsed.TotalSeconds / iters;
            var rate = BytesPerParam * set.TotalElements / seconds;
            Console.WriteLine($"{device.Name}: GPT-2 small ({set.TotalElements:N0} params, {specs.Length} tensors) AdamW step {seconds * 1e3:F3} ms");
            Console.WriteLine($"  {rate / 1e9:F1} GB/s at 28 B/param; device copy {copyRate / 1e9:F1} GB/s; {rate / copyRate:P1} of copy (target {Target:P0})");
            Console.WriteLine($"  {((CudaBackend)optimizer.Backend).LastLaunchCount} kernel launch(es) per step (target {(specs.Length + CudaBackend.TensorsPerLaunch - 1) / CudaBackend.TensorsPerLaunch})");
            foreach (var (param, grad) in buffers)
            {
                device.Free(param);
                device.Free(grad);
            }

            return rate >= Target * copyRate ? 0 : 1;
        }
    }
}

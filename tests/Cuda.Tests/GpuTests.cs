using System;
using System.Diagnostics;
using System.Linq;
using WdGen.Optimization;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization.Engine;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Cuda;
using Xunit;
using Xunit.Abstractions;

namespace WdGen.Cuda.Tests
{
    /// <summary>
    /// On a machine with a CUDA device: the NVRTC-compiled kernel on the GPU against the CPU engine, and a
    /// GPT-2-small-shaped step timed. Reported as Skipped, with the reason, everywhere else.
    /// </summary>
    public sealed class GpuTests
    {
        private readonly ITestOutputHelper _output;

        public GpuTests(ITestOutputHelper output) => _output = output;

        [GpuFact]
        public void TheGpuMatchesTheCpuEngineBitForBit()
        {
            foreach (var algorithm in OptimizerAlgorithm.All.Select(a => a.Kind))
            {
                foreach (var seed in new[] { 1, 2, 3 })
                {
                    var scenario = Scenario.Random(algorithm, seed);
                    using var cpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", new FusedEngineOptions { ChunkElements = scenario.Chunk, CheckNonFinite = scenario.Check });
                    using var gpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", new FusedEngineOptions { ChunkElements = scenario.Chunk, CheckNonFinite = scenario.Check }, () => CudaBackend.Create(0));
                    var cpuParams = scenario.Initial();
                    var gpuParams = scenario.Initial();
                    for (var step = 0; step < scenario.Steps; step++)
                    {
                        scenario.Schedule(cpu.Groups, step);
                        scenario.Schedule(gpu.Groups, step);
                        var grads = scenario.Gradients(step);
                        Assert.Equal(cpu.Step(cpuParams, grads).NonFiniteParameters, gpu.Step(gpuParams, grads).NonFiniteParameters);
                        Compare.Parameters(cpuParams, gpuParams, $"{algorithm} seed {seed} step {step} on {gpu.Backend.Name}");
                    }

                    Compare.States(cpu, gpu, scenario.Specs);
                }
            }
        }

        [GpuFact]
        public void Gpt2SmallStep()
        {
            var specs = Gpt2Small.Parameters();
            var groups = new[] { new FusedGroupOptions { LearningRate = 6e-4, WeightDecay = 0.1 }, new FusedGroupOptions { LearningRate = 6e-4 } };
            using var gpu = new OptimizerEngine(FusedAlgorithm.AdamW, groups, specs, "gpt2", null, () => CudaBackend.Create(0));
            var device = new CudaDriverDevice(0);
            try
            {
                var buffers = specs.Select(s => (Param: device.Allocate(s.Length * 4), Grad: device.Allocate(s.Length * 4))).ToArray();
                for (var p = 0; p < specs.Length; p++)
                {
                    gpu.SetBuffers(p, (IntPtr)(long)buffers[p].Param, (IntPtr)(long)buffers[p].Grad);
                }

                gpu.Step();
                device.Synchronize();
                const int steps = 20;
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < steps; i++)
                {
                    gpu.Step();
                }

                device.Synchronize();
                var seconds = clock.Elapsed.TotalSeconds / steps;
                var elements = specs.Sum(s => s.Length);
                _output.WriteLine($"{gpu.Backend.Name}: GPT-2 small AdamW step {seconds * 1e3:F3} ms, {elements * 28 / seconds / 1e9:F1} GB/s at 28 B/param, {((CudaBackend)gpu.Backend).LastLaunchCount} launch(es) for {specs.Length} tensors");
                Assert.Equal((specs.Length + CudaBackend.TensorsPerLaunch - 1) / CudaBackend.TensorsPerLaunch, ((CudaBackend)gpu.Backend).LastLaunchCount);
                foreach (var (param, grad) in buffers)
                {
                    device.Free(param);
                    device.Free(grad);
                }
            }
            finally
            {
                device.Dispose();
            }
        }
    }

    /// <summary>GPT-2 small's parameter shapes (124M parameters, 148 tensors; tied embeddings listed once).</summary>
    internal static class Gpt2Small
    {
        public static FusedParameterSpec[] Parameters()
        {
            const int d = 768;
            var list = new System.Collections.Generic.List<FusedParameterSpec>
            {
                new("wte.weight", 0, 50257L * d),
                new("wpe.weight", 0, 1024L * d),
            };
            for (var layer = 0; layer < 12; layer++)
            {
                var h = $"h.{layer}.";
                list.Add(new(h + "ln_1.weight", 1, d));
                list.Add(new(h + "ln_1.bias", 1, d));
                list.Add(new(h + "attn.c_attn.weight", 0, d * 3L * d));
                list.Add(new(h + "attn.c_attn.bias", 1, 3 * d));
                list.Add(new(h + "attn.c_proj.weight", 0, (long)d * d));
                list.Add(new(h + "attn.c_proj.bias", 1, d));
                list.Add(new(h + "ln_2.weight", 1, d));
                list.Add(new(h + "ln_2.bias", 1, d));
                list.Add(new(h + "mlp.c_fc.weight", 0, d * 4L * d));
                list.Add(new(h + "mlp.c_fc.bias", 1, 4 * d));
                list.Add(new(h + "mlp.c_proj.weight", 0, 4L * d * d));
                list.Add(new(h + "mlp.c_proj.bias", 1, d));
            }

            list.Add(new("ln_f.weight", 1, d));
            list.Add(new("ln_f.bias", 1, d));
            return list.ToArray();
        }
    }
}

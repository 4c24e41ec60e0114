using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization;
using WdGen.Optimization.Engine;
using WdGen.Optimization.Formats;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Cuda;
using Xunit;

namespace WdGen.Cuda.Tests
{
    /// <summary>
    /// The kernel text compiled for the CPU (<see cref="EmulatedKernel"/>) behind the real <see cref="CudaBackend"/>,
    /// compared element by element with the CPU backend over random work lists. The bound is exact equality of the
    /// float bits: both sides perform the same IEEE round-to-nearest operations in the same order.
    /// </summary>
    public sealed unsafe class EmulatedKernelTests
    {
        public static IEnumerable<object[]> Seeds() =>
            from algorithm in OptimizerAlgorithm.All.Select(a => a.Kind)
            from seed in Enumerable.Range(1, 8)
            select new object[] { algorithm, seed };

        [EmulationTheory]
        [MemberData(nameof(Seeds))]
        public void RandomWorkListsMatchTheCpuEngineBitForBit(FusedAlgorithm algorithm, int seed)
        {
            var scenario = Scenario.Random(algorithm, seed);
            using var device = new EmulatedDevice();
            using var cpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", new FusedEngineOptions { ChunkElements = scenario.Chunk, ThreadCount = 3, CheckNonFinite = scenario.Check });
            using var gpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", new FusedEngineOptions { ChunkElements = scenario.Chunk, CheckNonFinite = scenario.Check }, () => new CudaBackend(device, ownsDevice: false));
            var cpuParams = scenario.Initial();
            var gpuParams = scenario.Initial();
            for (var step = 0; step < scenario.Steps; step++)
            {
                scenario.Schedule(cpu.Groups, step);
                scenario.Schedule(gpu.Groups, step);
                var grads = scenario.Gradients(step);
                var a = cpu.Step(cpuParams, grads);
                var b = gpu.Step(gpuParams, grads);
                Assert.Equal(a.Applied, b.Applied);
                Assert.Equal(a.UpdatedParameters, b.UpdatedParameters);
                Assert.Equal(a.NonFiniteParameters, b.NonFiniteParameters);
                Compare.Parameters(cpuParams, gpuParams, $"{algorithm} seed {seed} step {step}");
            }

            Compare.States(cpu, gpu, scenario.Specs);
            Assert.True(device.StepLaunches > 0);
        }

        public static IEnumerable<object[]> SmallStateCases() =>
            from algorithm in OptimizerAlgorithm.All.Select(a => a.Kind)
            from format in new[] { StateFormat.BFloat16, StateFormat.Int8 }
            from hooks in new[] { false, true }
            select new object[] { algorithm, format, hooks };

        /// <summary>
        /// bfloat16 and int8 state, with and without clipping and an EMA: the kernels' decoding, rounding and block
        /// scales are the CPU engine's, bit for bit (the update is the same float32 rule).
        /// </summary>
        [EmulationTheory]
        [MemberData(nameof(SmallStateCases))]
        public void SmallStateMatchesTheCpuEngineBitForBit(FusedAlgorithm algorithm, StateFormat format, bool hooks)
        {
            // A scenario with tensors large enough for int8 blocks (4,096 elements and more) and chunks on block boundaries.
            var scenario = Enumerable.Range(1, 50).Select(seed => Scenario.Random(algorithm, seed))
                .First(s => s.Chunk >= 1000 && s.Specs.Count(spec => spec.Length >= 4096) >= 2);
            var options = new FusedEngineOptions { ChunkElements = 4096, ThreadCount = 2 };
            using var device = new EmulatedDevice();
            using var cpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", options, null, format);
            using var gpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", options, () => new CudaBackend(device, ownsDevice: false), format);
            if (hooks)
            {
                foreach (var engine in new[] { cpu, gpu })
                {
                    engine.MaxGradNorm = 0.5;
                    engine.EnableEma(0.9);
                }
            }

            Assert.Contains(Enumerable.Range(0, scenario.Specs.Length), p => gpu.SlotFormat(p) == format);
            var cpuParams = scenario.Initial();
            var gpuParams = scenario.Initial();
            for (var step = 0; step < 4; step++)
            {
                var grads = scenario.Gradients(step);
                cpu.Step(cpuParams, grads);
                gpu.Step(gpuParams, grads);
                Compare.Parameters(cpuParams, gpuParams, $"{algorithm} {format} state, step {step}");
            }

            Compare.States(cpu, gpu, scenario.Specs);
            Assert.Equal(cpu.StateBytes, gpu.StateBytes);
        }

        public static IEnumerable<object[]> BFloat16ParameterCases() =>
            from algorithm in OptimizerAlgorithm.All.Select(a => a.Kind)
            from storage in new[] { "BFloat16Master", "BFloat16Stochastic" }
            from format in new[] { StateFormat.Float32, StateFormat.Int8 }
            select new object[] { algorithm, storage, format };

        /// <summary>
        /// bfloat16 parameters and gradients, with a float32 master copy or stochastic rounding, with clipping and an
        /// EMA: the kernels' parameters, states and averages are the CPU engine's, bit for bit.
        /// </summary>
        [EmulationTheory]
        [MemberData(nameof(BFloat16ParameterCases))]
        public void BFloat16ParametersMatchTheCpuEngineBitForBit(FusedAlgorithm algorithm, string storageName, StateFormat format)
        {
            var storage = Enum.Parse<ParameterStorage>(storageName);
            var scenario = Enumerable.Range(1, 50).Select(seed => Scenario.Random(algorithm, seed))
                .First(s => s.Chunk >= 1000 && s.Specs.Count(spec => spec.Length >= 4096) >= 2);
            var options = new FusedEngineOptions { ChunkElements = 4096, ThreadCount = 2 };
            using var device = new EmulatedDevice();
            using var cpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", options, null, format, storage);
            using var gpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", options, () => new CudaBackend(device, ownsDevice: false), format, storage);
            foreach (var engine in new[] { cpu, gpu })
            {
                engine.MaxGradNorm = 0.5;
                engine.EnableEma(0.9);
            }

            var cpuParams = scenario.Initial().Select(a => a.Select(BFloat16.Round).ToArray()).ToArray();
            var n = cpuParams.Length;
            var gpuParams = new nint[n];
            var gpuGrads = new nint[n];
            try
            {
                for (var p = 0; p < n; p++)
                {
                    gpuParams[p] = gpu.Backend.Allocate(Math.Max(1, cpuParams[p].Length) * sizeof(ushort));
                    gpuGrads[p] = gpu.Backend.Allocate(Math.Max(1, cpuParams[p].Length) * sizeof(ushort));
                    fixed (ushort* v = cpuParams[p])
                    {
                        gpu.Backend.Upload(gpuParams[p], v, cpuParams[p].Length * sizeof(ushort));
                    }
                }

                for (var step = 0; step < 4; step++)
                {
                    var grads = scenario.Gradients(step).Select(g => g?.Select(BFloat16.Round).ToArray()).ToArray();
                    var handles = cpuParams.Concat(grads).Select(a => a == null ? default : GCHandle.Alloc(a, GCHandleType.Pinned)).ToArray();
                    try
                    {
                        for (var p = 0; p < n; p++)
                        {
                            cpu.SetBuffers(p, handles[p].AddrOfPinnedObject(), grads[p] == null ? 0 : handles[n + p].AddrOfPinnedObject());
                            if (grads[p] is { } g)
                            {
                                fixed (ushort* gs = g)
                                {
                                    gpu.Backend.Upload(gpuGrads[p], gs, g.Length * sizeof(ushort));
                                }
                            }

                            gpu.SetBuffers(p, gpuParams[p], grads[p] == null ? 0 : gpuGrads[p]);
                        }

                        cpu.Step();
                        gpu.Step();
                    }
                    finally
                    {
                        foreach (var handle in handles.Where(h => h.IsAllocated))
                        {
                            handle.Free();
                        }
                    }

                    Assert.Equal(cpu.LastGradNorm, gpu.LastGradNorm);
                    for (var p = 0; p < n; p++)
                    {
                        var downloaded = new ushort[cpuParams[p].Length];
                        fixed (ushort* d = downloaded)
                        {
                            gpu.Backend.Download(d, gpuParams[p], downloaded.Length * sizeof(ushort));
                        }

                        Assert.True(cpuParams[p].AsSpan().SequenceEqual(downloaded), $"{algorithm} {storage} {format}, step {step}: '{scenario.Specs[p].Name}' differs");
                    }
                }

                Compare.States(cpu, gpu, scenario.Specs);
            }
            finally
            {
                foreach (var address in gpuParams.Concat(gpuGrads))
                {
                    gpu.Backend.Free(address);
                }
            }
        }

        public static IEnumerable<object[]> HookSeeds() =>
            from algorithm in OptimizerAlgorithm.All.Select(a => a.Kind)
            from seed in Enumerable.Range(1, 3)
            select new object[] { algorithm, seed };

        /// <summary>
        /// Clipping inside the step (norm kernels, gradient scale), the weights' moving average and a schedule: the
        /// emulated kernels give the CPU engine's norm, parameters, states and averages bit for bit.
        /// </summary>
        [EmulationTheory]
        [MemberData(nameof(HookSeeds))]
        public void ClippingAndTheMovingAverageMatchTheCpuEngineBitForBit(FusedAlgorithm algorithm, int seed)
        {
            var scenario = Scenario.Random(algorithm, seed);
            using var device = new EmulatedDevice();
            using var cpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", new FusedEngineOptions { ChunkElements = scenario.Chunk, ThreadCount = 3 });
            using var gpu = new OptimizerEngine(algorithm, scenario.Groups(), scenario.Specs, "fp", new FusedEngineOptions { ChunkElements = scenario.Chunk }, () => new CudaBackend(device, ownsDevice: false));
            foreach (var engine in new[] { cpu, gpu })
            {
                engine.MaxGradNorm = seed == 3 ? double.PositiveInfinity : 2.0;
                engine.Schedule = WdGen.LearningRateSchedule.WarmupCosine(2, 5, 0.1);
                engine.EnableEma(0.9);
            }

            var cpuParams = scenario.Initial();
            var gpuParams = scenario.Initial();
            for (var step = 0; step < scenario.Steps; step++)
            {
                var grads = scenario.Gradients(step);
                cpu.Step(cpuParams, grads);
                gpu.Step(gpuParams, grads);
                Assert.Equal(cpu.LastGradNorm, gpu.LastGradNorm);
                Compare.Parameters(cpuParams, gpuParams, $"{algorithm} seed {seed} step {step}");
            }

            Compare.States(cpu, gpu, scenario.Specs);
            for (var p = 0; p < scenario.Specs.Length; p++)
            {
                var a = new float[scenario.Specs[p].Length];
                var b = new float[scenario.Specs[p].Length];
                Assert.Equal(cpu.ReadEma(p, a), gpu.ReadEma(p, b));
                Compare.Floats(a, b, $"{scenario.Specs[p].Name} ema");
                if (a.Length == 0 || !gpu.ReadEma(p, b))
                {
                    continue;
                }

                // Copying and swapping the average happen on the device: a device buffer gets the average, and a swap
                // leaves the buffer's values as the average and the average in the buffer.
                var bytes = a.Length * sizeof(float);
                var buffer = device.Allocate(bytes);
                try
                {
                    var copied = new float[a.Length];
                    var marker = Enumerable.Range(0, a.Length).Select(i => (float)i).ToArray();
                    fixed (float* c = copied, m = marker)
                    {
                        Assert.True(gpu.CopyEma(p, (nint)buffer));
                        device.Download(c, buffer, bytes);
                        Compare.Floats(a, copied, $"{scenario.Specs[p].Name} ema copied");
                        device.Upload(buffer, m, bytes);
                        Assert.True(gpu.SwapEma(p, (nint)buffer));
                        device.Download(c, buffer, bytes);
                        Compare.Floats(a, copied, $"{scenario.Specs[p].Name} ema swapped out");
                        Assert.True(gpu.ReadEma(p, b));
                        Compare.Floats(marker, b, $"{scenario.Specs[p].Name} values swapped in");
                    }
                }
                finally
                {
                    device.Free(buffer);
                }
            }
        }

        [EmulationFact]
        public void KernelStructLayoutsComeFromTheHostsStructsAndCompile()
        {
            // One static_assert per size and field of every struct the host fills; the emulation build checks them all.
            var prelude = CudaLayout.Prelude(OptimizerAlgorithm.All);
            foreach (var type in new[] { typeof(TensorSlot), typeof(BlockEntry) }.Concat(OptimizerAlgorithm.All.Select(a => a.CoefficientType)).Distinct())
            {
                var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
                Assert.Equal(fields.Length + 1, prelude.Split('\n').Count(l => l.StartsWith("static_assert", StringComparison.Ordinal) && l.Contains("host's " + type.Name, StringComparison.Ordinal)));
            }

            Assert.Contains("#define WDG_SGD_FIRST_MOMENTUM 16", prelude);
            Assert.Contains("float* state3;", prelude);
            EmulatedKernel.EnsureBuilt();
        }

        [EmulationFact]
        public void EachAlgorithmLaunchesItsOwnKernel()
        {
            foreach (var algorithm in OptimizerAlgorithm.All)
            {
                var specs = new[] { new FusedParameterSpec("w", 0, 100) };
                var groups = new[] { new FusedGroupOptions { Momentum = 0.9 } };
                RunBoth(algorithm.Kind, groups, specs, 1, out var device);
                Assert.Equal(new[] { algorithm.CudaKernel }, device.Kernels);
            }
        }

        [Fact]
        public void TheComposedSourceHoldsEveryRepositoryKernelFileAndCachesByItsHash()
        {
            foreach (var file in KernelFiles.Sources)
            {
                Assert.Contains(File.ReadAllText(file).ReplaceLineEndings("\n").Trim(), CudaKernelSource.Text.ReplaceLineEndings("\n"));
            }

            Assert.Equal(OptimizerAlgorithm.All.Select(a => a.CudaKernel).Distinct().Count(), CudaKernelSource.Text.Split("WDG_STEP_KERNEL(wdgen_").Length - 1);
            Assert.Matches("^[0-9a-f]{16}$", CudaKernelSource.Hash);
            var path = CudaKernelSource.CachePath("compute_80", "nvrtc 12.4");
            Assert.EndsWith("-compute_80.ptx", path);
            Assert.NotEqual(path, CudaKernelSource.CachePath("compute_90", "nvrtc 12.4"));
            Assert.NotEqual(path, CudaKernelSource.CachePath("compute_80", "nvrtc 12.6"));
        }

        [EmulationFact]
        public void ManySmallTensorsTakeOneLaunchPerTableAndManyCoefficientRowsSplitLaunches()
        {
            // 5,000 tiny tensors in 2 groups: ceil(5000 / TensorsPerLaunch) launches.
            var specs = Enumerable.Range(0, 5000).Select(i => new FusedParameterSpec("p" + i, i % 2, 1 + (i % 7), i % 3 == 0 ? Enumerable.Repeat(0.5f, 1 + (i % 7)).ToArray() : null)).ToArray();
            var groups = new[] { new FusedGroupOptions { LearningRate = 0.01, WeightDecay = 0.1 }, new FusedGroupOptions { LearningRate = 0.02 } };
            RunBoth(FusedAlgorithm.AdamW, groups, specs, 3, out var device);
            Assert.Equal(3 * ((5000 + CudaBackend.TensorsPerLaunch - 1) / CudaBackend.TensorsPerLaunch), device.StepLaunches);

            // 40 groups (more distinct coefficient rows than a table holds): two launches per step.
            var many = Enumerable.Range(0, 40).Select(g => new FusedGroupOptions { LearningRate = 0.001 * (g + 1), WeightDecay = 0.01 * g, Amsgrad = g % 5 == 0 }).ToArray();
            var specs40 = Enumerable.Range(0, 80).Select(i => new FusedParameterSpec("q" + i, i / 2, 100 + (37 * i))).ToArray();
            RunBoth(FusedAlgorithm.Adam, many, specs40, 2, out var device40);
            Assert.Equal(2 * 2, device40.StepLaunches);
        }

        [EmulationFact]
        public void UnalignedBuffersTakeTheScalarPathWithTheSameNumbers()
        {
            // Parameters and gradients 4 bytes past a 16-byte boundary: the kernel must not use float4 loads there.
            var lengths = new long[] { 1, 3, 4, 5, 8, 1000, 4099, 70_001 };
            var specs = lengths.Select((n, i) => new FusedParameterSpec("u" + i, i % 2, n, i % 3 == 1 ? Masks.Random(n, i) : null)).ToArray();
            foreach (var algorithm in new[] { FusedAlgorithm.AdamW, FusedAlgorithm.Sgd, FusedAlgorithm.Lion })
            {
                FusedGroupOptions[] Groups() => new[]
                {
                    new FusedGroupOptions { LearningRate = 0.01, WeightDecay = 0.05, Momentum = 0.9, Amsgrad = true },
                    new FusedGroupOptions { LearningRate = 0.003, Momentum = 0.8, Nesterov = true, Maximize = true },
                };
                using var device = new EmulatedDevice();
                using var cpu = new OptimizerEngine(algorithm, Groups(), specs, "fp");
                using var gpu = new OptimizerEngine(algorithm, Groups(), specs, "fp", null, () => new CudaBackend(device, ownsDevice: false));
                var rng = new Random(5);
                var cpuParams = specs.Select(s => Masks.Normal(rng, s.Length)).ToArray();
                var gpuParams = cpuParams.Select(p => (float[])p.Clone()).ToArray();
                var deviceParams = specs.Select(s => device.Allocate((s.Length + 4) * sizeof(float)) + 4).ToArray();
                var deviceGrads = specs.Select(s => device.Allocate((s.Length + 4) * sizeof(float)) + 4).ToArray();
                for (var p = 0; p < specs.Length; p++)
                {
                    fixed (float* source = gpuParams[p])
                    {
                        device.Upload(deviceParams[p], source, gpuParams[p].LongLength * sizeof(float));
                    }
                }

                for (var step = 0; step < 4; step++)
                {
                    var grads = specs.Select(s => Masks.Normal(rng, s.Length)).ToArray();
                    for (var p = 0; p < specs.Length; p++)
                    {
                        fixed (float* source = grads[p])
                        {
                            device.Upload(deviceGrads[p], source, grads[p].LongLength * sizeof(float));
                        }

                        gpu.SetBuffers(p, (IntPtr)(long)deviceParams[p], specs[p].Length, (IntPtr)(long)deviceGrads[p], specs[p].Length);
                    }

                    cpu.Step(cpuParams, grads);
                    gpu.Step();
                }

                for (var p = 0; p < specs.Length; p++)
                {
                    fixed (float* destination = gpuParams[p])
                    {
                        device.Download(destination, deviceParams[p], gpuParams[p].LongLength * sizeof(float));
                    }
                }

                Compare.Parameters(cpuParams, gpuParams, algorithm + " unaligned");
                Compare.States(cpu, gpu, specs);
            }
        }

        [EmulationFact]
        public void StateFilesMoveBetweenTheCpuAndTheGpuEngine()
        {
            var scenario = Scenario.Random(FusedAlgorithm.AdamW, 42);
            var directory = Directory.CreateTempSubdirectory("wdgen-cuda-state-").FullName;
            try
            {
                var options = new FusedEngineOptions { ChunkElements = scenario.Chunk };
                using var device = new EmulatedDevice();
                using var cpu = new OptimizerEngine(FusedAlgorithm.AdamW, scenario.Groups(), scenario.Specs, "fp", options);
                var cpuParams = scenario.Initial();
                for (var step = 0; step < 3; step++)
                {
                    cpu.Step(cpuParams, scenario.Gradients(step));
                }

                // CPU → GPU: the GPU engine continues from the CPU's state exactly as the CPU engine does.
                cpu.SaveState(Path.Combine(directory, "cpu.state"));
                using var gpu = new OptimizerEngine(FusedAlgorithm.AdamW, scenario.Groups(), scenario.Specs, "fp", options, () => new CudaBackend(device, ownsDevice: false));
                gpu.LoadState(Path.Combine(directory, "cpu.state"));
                Compare.States(cpu, gpu, scenario.Specs);
                var gpuParams = cpuParams.Select(p => (float[])p.Clone()).ToArray();
                for (var step = 3; step < 6; step++)
                {
                    cpu.Step(cpuParams, scenario.Gradients(step));
                    gpu.Step(gpuParams, scenario.Gradients(step));
                }

                Compare.Parameters(cpuParams, gpuParams, "after CPU→GPU resume");

                // GPU → CPU: byte-identical files from both engines.
                gpu.SaveState(Path.Combine(directory, "gpu.state"));
                cpu.SaveState(Path.Combine(directory, "cpu2.state"));
                Assert.Equal(File.ReadAllBytes(Path.Combine(directory, "cpu2.state")), File.ReadAllBytes(Path.Combine(directory, "gpu.state")));
                using var cpu2 = new OptimizerEngine(FusedAlgorithm.AdamW, scenario.Groups(), scenario.Specs, "fp", options);
                cpu2.LoadState(Path.Combine(directory, "gpu.state"));
                Compare.States(cpu2, gpu, scenario.Specs);

                // The same checks as the CPU engine: a wrong fingerprint changes nothing.
                using var other = new OptimizerEngine(FusedAlgorithm.AdamW, scenario.Groups(), scenario.Specs, "other", options, () => new CudaBackend(device, ownsDevice: false));
                var error = Assert.Throws<InvalidDataException>(() => other.LoadState(Path.Combine(directory, "gpu.state")));
                Assert.Contains("fingerprint", error.Message);
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        [EmulationFact]
        public void DisposeFreesEveryDeviceAllocation()
        {
            var scenario = Scenario.Random(FusedAlgorithm.Sgd, 3);
            using var device = new EmulatedDevice();
            using (var gpu = new OptimizerEngine(FusedAlgorithm.Sgd, scenario.Groups(), scenario.Specs, "fp", null, () => new CudaBackend(device, ownsDevice: false)))
            {
                gpu.Step(scenario.Initial(), scenario.Gradients(0));
                Assert.True(device.LiveAllocations > 0);
            }

            Assert.Equal(0, device.LiveAllocations);
        }

        private static void RunBoth(FusedAlgorithm algorithm, FusedGroupOptions[] groups, FusedParameterSpec[] specs, int steps, out EmulatedDevice device)
        {
            var emulated = device = new EmulatedDevice();
            using var cpu = new OptimizerEngine(algorithm, groups.Select(g => g.Clone()).ToArray(), specs, "fp");
            using var gpu = new OptimizerEngine(algorithm, groups.Select(g => g.Clone()).ToArray(), specs, "fp", null, () => new CudaBackend(emulated, ownsDevice: false));
            var rng = new Random(11);
            var cpuParams = specs.Select(s => Masks.Normal(rng, s.Length)).ToArray();
            var gpuParams = cpuParams.Select(p => (float[])p.Clone()).ToArray();
            for (var step = 0; step < steps; step++)
            {
                var grads = specs.Select(s => Masks.Normal(rng, s.Length)).ToArray();
                cpu.Step(cpuParams, grads);
                gpu.Step(gpuParams, grads);
            }

            Compare.Parameters(cpuParams, gpuParams, algorithm.ToString());
            Compare.States(cpu, gpu, specs);
        }
    }

    /// <summary>A theory that needs the CPU emulation (see <see cref="EmulationFactAttribute"/>).</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class EmulationTheoryAttribute : TheoryAttribute
    {
        public EmulationTheoryAttribute()
        {
            if (EmulatedKernel.Unavailable is { } reason)
            {
                Skip = reason;
            }
        }
    }

    internal static class Masks
    {
        public static float[] Random(long n, int seed)
        {
            var rng = new Random(seed);
            return Enumerable.Range(0, (int)n).Select(_ => rng.Next(4) switch { 0 => 0f, 1 => 1f, _ => (float)rng.NextDouble() }).ToArray();
        }

        public static float[] Normal(Random rng, long n, double scale = 1)
        {
            var x = new float[n];
            for (var i = 0; i < n; i++)
            {
                x[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
            }

            return x;
        }
    }

    /// <summary>A random optimizer scenario: groups with every option, odd sizes, tails, tiny tensors, masks, missing gradients.</summary>
    internal sealed class Scenario
    {
        private readonly List<Func<FusedGroupOptions>> _groups = new();
        private readonly List<float[]?[]> _grads = new();
        private readonly List<double[]> _lr = new();
        private float[][] _initial = Array.Empty<float[]>();

        public FusedParameterSpec[] Specs { get; private set; } = Array.Empty<FusedParameterSpec>();

        public int Chunk { get; private set; }

        public int Steps { get; private set; }

        public bool Check { get; private set; }

        public static Scenario Random(FusedAlgorithm algorithm, int seed)
        {
            var rng = new Random(seed * 7919 + (int)algorithm);
            var s = new Scenario
            {
                Chunk = new[] { FusedEngineOptions.DefaultChunkElements, 4096, 1000, 7, 64 }[rng.Next(5)],
                Steps = 6,
                Check = rng.Next(2) == 0,
            };
            var groupCount = rng.Next(1, 5);
            for (var g = 0; g < groupCount; g++)
            {
                var momentum = rng.NextDouble() < 0.25 ? 0 : 0.5 + 0.45 * rng.NextDouble();
                var dampening = momentum == 0 || rng.NextDouble() < 0.5 ? 0 : 0.3 * rng.NextDouble();
                var options = new FusedGroupOptions
                {
                    LearningRate = Math.Exp(Math.Log(1e-4) + rng.NextDouble() * (Math.Log(0.1) - Math.Log(1e-4))),
                    WeightDecay = rng.NextDouble() < 0.25 ? 0 : rng.NextDouble() * 0.5,
                    Beta1 = 0.5 + 0.45 * rng.NextDouble(),
                    Beta2 = 0.9 + 0.0999 * rng.NextDouble(),
                    Eps = new[] { 1e-8, 1e-6, 1e-3 }[rng.Next(3)],
                    Momentum = momentum,
                    Dampening = dampening,
                    Nesterov = momentum > 0 && dampening == 0 && rng.NextDouble() < 0.5,
                    Amsgrad = rng.NextDouble() < 0.4,
                    Maximize = rng.NextDouble() < 0.25,
                };
                s._groups.Add(options.Clone);
            }

            var count = rng.Next(3, 40);
            var specs = new List<FusedParameterSpec>();
            for (var p = 0; p < count; p++)
            {
                long n = rng.Next(8) switch
                {
                    0 => 1,
                    1 => 0,
                    2 => (2 * rng.Next(0, 50)) + 1,
                    3 => rng.Next(1, 9) * 4,
                    4 => 65536 + rng.Next(-3, 4),
                    5 => rng.Next(65536, 200_000),
                    _ => rng.Next(1, 5000),
                };
                if (s.Chunk < 1000)
                {
                    // The emulation runs every thread of every block in turn: keep tiny-chunk scenarios small.
                    n = Math.Min(n, 3000);
                }

                var mask = rng.NextDouble() < 0.35 ? Masks.Random(n, seed * 100 + p) : null;
                specs.Add(new FusedParameterSpec($"layer{p}.w", rng.Next(groupCount), n, mask));
            }

            s.Specs = specs.ToArray();
            s._initial = s.Specs.Select(spec => Masks.Normal(rng, spec.Length)).ToArray();
            for (var step = 0; step < 12; step++)
            {
                s._lr.Add(Enumerable.Range(0, groupCount).Select(_ => 0.5 + rng.NextDouble()).ToArray());
                var grads = s.Specs.Select(spec => rng.NextDouble() < 0.15 ? null : Masks.Normal(rng, spec.Length, Math.Pow(10, rng.Next(-3, 2)))).ToArray();
                if (s.Check && step == 2 && grads.FirstOrDefault(g => g is { Length: > 0 }) is { } victim)
                {
                    victim[victim.Length / 2] = rng.Next(2) == 0 ? float.NaN : float.PositiveInfinity;
                }

                s._grads.Add(grads);
            }

            return s;
        }

        public FusedGroupOptions[] Groups() => _groups.Select(g => g()).ToArray();

        public float[][] Initial() => _initial.Select(p => (float[])p.Clone()).ToArray();

        public float[]?[] Gradients(int step) => _grads[step].Select(g => (float[]?)g?.Clone()).ToArray();

        public void Schedule(IReadOnlyList<FusedGroupOptions> groups, int step)
        {
            var fresh = Groups();
            for (var g = 0; g < groups.Count; g++)
            {
                groups[g].LearningRate = fresh[g].LearningRate * _lr[step][g];
            }
        }
    }

    internal static class Compare
    {
        /// <summary>Exact equality of the float bits; the message reports the first difference and its relative size.</summary>
        public static void Parameters(float[][] expected, float[][] actual, string what)
        {
            for (var p = 0; p < expected.Length; p++)
            {
                Floats(expected[p], actual[p], $"{what}, parameter {p}");
            }
        }

        public static void States(OptimizerEngine cpu, OptimizerEngine gpu, FusedParameterSpec[] specs)
        {
            for (var p = 0; p < specs.Length; p++)
            {
                Assert.Equal(cpu.StepCount(p), gpu.StepCount(p));
                foreach (var kind in cpu.Algorithm.States.Select(state => state.Name))
                {
                    var a = new float[specs[p].Length];
                    var b = new float[specs[p].Length];
                    var hasA = cpu.ReadState(p, kind, a);
                    var hasB = gpu.ReadState(p, kind, b);
                    Assert.True(hasA == hasB, $"{specs[p].Name} {kind}: the CPU engine {(hasA ? "has" : "lacks")} it, the CUDA engine {(hasB ? "has" : "lacks")} it");
                    Floats(a, b, $"{specs[p].Name} {kind}", anyNaN: cpu.SlotFormat(p) == StateFormat.Float32); // stored small, a NaN is one value
                }
            }
        }

        /// <summary>
        /// Bit for bit; with <paramref name="anyNaN"/>, a NaN matches any NaN. That is for float32 values computed with
        /// NaN operands: when two are NaN, x86 returns the first one's, and the JIT may put a commutative operation's
        /// operands in either order (the CPU engine's gradient times a NaN clipping scale returned the scale's NaN, the
        /// compiled kernel the gradient's); a GPU writes NaNs of its own. Stored bfloat16 or int8 values have one NaN
        /// (0x7FC0, and int8's 0x7FC00000 scale), compared bit for bit.
        /// </summary>
        public static void Floats(float[] expected, float[] actual, string what, bool anyNaN = true)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i])
                    && !(anyNaN && float.IsNaN(expected[i]) && float.IsNaN(actual[i])))
                {
                    var relative = Math.Abs(expected[i] - actual[i]) / Math.Max(Math.Abs(expected[i]), float.Epsilon);
                    Assert.Fail($"{what}: element {i} differs: CPU engine {expected[i]:R} (0x{BitConverter.SingleToUInt32Bits(expected[i]):X8}), CUDA kernel {actual[i]:R} (0x{BitConverter.SingleToUInt32Bits(actual[i]):X8}; relative {relative:E2}).");
                }
            }
        }
    }
}

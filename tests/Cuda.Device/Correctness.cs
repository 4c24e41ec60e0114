using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using WdGen.Optimization;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Engine;

namespace WdGen.Cuda.Device
{
    /// <summary>
    /// The CUDA engine against the CPU engine, bit for bit, after every step: parameters, step counts and every state
    /// buffer (<see cref="OptimizerEngine.ReadState"/> over the algorithm's states). Both engines are the real
    /// <see cref="OptimizerEngine"/>; only the backend differs (the CPU's default, and <c>CudaBackend.Create(0)</c>).
    /// </summary>
    internal sealed unsafe class Correctness
    {
        private static readonly FusedAlgorithm[] Algorithms = { FusedAlgorithm.AdamW, FusedAlgorithm.Adam, FusedAlgorithm.Sgd, FusedAlgorithm.Lion };
        private readonly Target _target;
        private readonly bool _quick;
        private readonly Action<CheckResult> _done;

        public Correctness(Target target, bool quick, Action<CheckResult> done)
        {
            _target = target;
            _quick = quick;
            _done = done;
        }

        public List<CheckResult> Results { get; } = new();

        public void RunAll()
        {
            var seeds = _quick ? 4 : 8;
            foreach (var algorithm in Algorithms)
            {
                for (var seed = 1; seed <= seeds; seed++)
                {
                    var scenario = Scenario.Random(algorithm, seed, small: _target.Emulated);
                    Run($"{Name(algorithm)} random scenario {seed}", check => RandomScenario(check, scenario));
                }
            }

            foreach (var algorithm in Algorithms)
            {
                foreach (var format in new[] { StateFormat.BFloat16, StateFormat.Int8 })
                {
                    Run($"{Name(algorithm)} {format} state", check => SmallState(check, algorithm, format));
                }
            }

            foreach (var algorithm in Algorithms)
            {
                Run($"{Name(algorithm)} unaligned device buffers (SetBuffers)", check => Unaligned(check, algorithm));
            }

            Run($"AdamW, 5,000 tensors (> {CudaBackend.TensorsPerLaunch} per launch)", ManyTensors);
            Run($"Adam, 40 groups (> {CudaLayout.TableRows} coefficient rows per launch)", ManyGroups);
            foreach (var algorithm in Algorithms)
            {
                Run($"{Name(algorithm)} state files CPU -> GPU -> CPU", check => StateFiles(check, algorithm));
            }
        }

        private static string Name(FusedAlgorithm algorithm) => algorithm == FusedAlgorithm.Sgd ? "SGD" : algorithm.ToString();

        private void Run(string name, Action<CheckResult> body)
        {
            var check = new CheckResult(name);
            var clock = Stopwatch.StartNew();
            try
            {
                body(check);
            }
            catch (Exception e)
            {
                check.Error = e.GetType().Name + ": " + e.Message;
            }

            check.Seconds = clock.Elapsed.TotalSeconds;
            Results.Add(check);
            _done(check);
        }

        private OptimizerEngine Gpu(FusedAlgorithm algorithm, FusedGroupOptions[] groups, FusedParameterSpec[] specs, FusedEngineOptions? options, string fingerprint = "fp", StateFormat state = StateFormat.Float32)
            => new(algorithm, groups, specs, fingerprint, options, _target.NewBackend, state);

        private static OptimizerEngine Cpu(FusedAlgorithm algorithm, FusedGroupOptions[] groups, FusedParameterSpec[] specs, FusedEngineOptions? options, string fingerprint = "fp", StateFormat state = StateFormat.Float32)
            => new(algorithm, groups, specs, fingerprint, options, null, state);

        /// <summary>bfloat16 or int8 state: the kernels' codes and block scales are the CPU engine's, bit for bit.</summary>
        private void SmallState(CheckResult check, FusedAlgorithm algorithm, StateFormat format)
        {
            var scenario = Enumerable.Range(1, 50).Select(seed => Scenario.Random(algorithm, seed, small: _target.Emulated))
                .First(s => s.Specs.Count(spec => spec.Length >= 4096) >= 2);
            check.Description = scenario.Describe + ", chunks of 4,096";
            var options = new FusedEngineOptions { ChunkElements = 4096 };
            using var cpu = Cpu(algorithm, scenario.Groups(), scenario.Specs, options, state: format);
            using var gpu = Gpu(algorithm, scenario.Groups(), scenario.Specs, options, state: format);
            var cpuParams = scenario.Initial();
            var gpuParams = scenario.Initial();
            for (var step = 0; step < 4; step++)
            {
                var grads = scenario.Gradients(step);
                check.Results(cpu.Step(cpuParams, grads), gpu.Step(gpuParams, grads), $"step {step}");
                check.Parameters(cpuParams, gpuParams, scenario.Specs, $"step {step}");
                check.States(cpu, gpu, $"step {step}");
            }
        }

        private void RandomScenario(CheckResult check, Scenario scenario)
        {
            check.Description = scenario.Describe;
            using var cpu = Cpu(scenario.Algorithm, scenario.Groups(), scenario.Specs, scenario.Options());
            using var gpu = Gpu(scenario.Algorithm, scenario.Groups(), scenario.Specs, scenario.Options());
            var cpuParams = scenario.Initial();
            var gpuParams = scenario.Initial();
            var skipped = 0;
            for (var step = 0; step < scenario.Steps; step++)
            {
                scenario.Schedule(cpu.Groups, step);
                scenario.Schedule(gpu.Groups, step);
                var grads = scenario.Gradients(step);
                var a = cpu.Step(cpuParams, grads);
                var b = gpu.Step(gpuParams, grads);
                skipped += a.Applied ? 0 : 1;
                check.Results(a, b, $"step {step}");
                check.Parameters(cpuParams, gpuParams, scenario.Specs, $"step {step}");
                check.States(cpu, gpu, $"step {step}");
            }

            check.Expect(!scenario.Check || skipped == 2, $"the CPU engine skipped {skipped} steps; the scenario injected non-finite gradients into 2");
        }

        /// <summary>Parameters and gradients 4 bytes past an aligned address: the kernel must take its scalar path, with the same numbers.</summary>
        private void Unaligned(CheckResult check, FusedAlgorithm algorithm)
        {
            var lengths = new long[] { 1, 3, 4, 5, 8, 1000, 2047, 4099, 70_001 };
            var specs = lengths.Select((n, i) => new FusedParameterSpec("u" + i, i % 2, n, i % 3 == 1 ? Masks.Random(n, i) : null)).ToArray();
            FusedGroupOptions[] Groups() => new[]
            {
                new FusedGroupOptions { LearningRate = 0.01, WeightDecay = 0.05, Momentum = 0.9, Amsgrad = true },
                new FusedGroupOptions { LearningRate = 0.003, Momentum = 0.8, Nesterov = true, Maximize = true },
            };
            check.Description = $"{specs.Length} tensors of {string.Join(", ", lengths)} elements at 4-byte offsets";
            using var cpu = Cpu(algorithm, Groups(), specs, null);
            using var gpu = Gpu(algorithm, Groups(), specs, null);
            var backend = gpu.Backend;
            var rng = new Random(5);
            var cpuParams = specs.Select(s => Masks.Normal(rng, s.Length)).ToArray();
            var gpuParams = cpuParams.Select(p => (float[])p.Clone()).ToArray();
            var deviceParams = specs.Select(s => backend.Allocate((s.Length + 4) * sizeof(float)) + 4).ToArray();
            var deviceGrads = specs.Select(s => backend.Allocate((s.Length + 4) * sizeof(float)) + 4).ToArray();
            for (var p = 0; p < specs.Length; p++)
            {
                fixed (float* source = gpuParams[p])
                {
                    backend.Upload(deviceParams[p], source, gpuParams[p].LongLength * sizeof(float));
                }
            }

            for (var step = 0; step < 4; step++)
            {
                var grads = specs.Select(s => Masks.Normal(rng, s.Length)).ToArray();
                for (var p = 0; p < specs.Length; p++)
                {
                    fixed (float* source = grads[p])
                    {
                        backend.Upload(deviceGrads[p], source, grads[p].LongLength * sizeof(float));
                    }

                    gpu.SetBuffers(p, deviceParams[p], specs[p].Length, deviceGrads[p], specs[p].Length);
                }

                check.Results(cpu.Step(cpuParams, grads), gpu.Step(), $"step {step}");
                for (var p = 0; p < specs.Length; p++)
                {
                    fixed (float* destination = gpuParams[p])
                    {
                        backend.Download(destination, deviceParams[p], gpuParams[p].LongLength * sizeof(float));
                    }
                }

                check.Parameters(cpuParams, gpuParams, specs, $"step {step}");
                check.States(cpu, gpu, $"step {step}");
            }
        }

        /// <summary>5,000 tensors: two launches per step; with 1,000 gradients missing, one.</summary>
        private void ManyTensors(CheckResult check)
        {
            const int count = 5000;
            var specs = Enumerable.Range(0, count)
                .Select(i => new FusedParameterSpec("p" + i, i % 2, 1 + ((i * 37) % 700), i % 3 == 0 ? Masks.Random(1 + ((i * 37) % 700), i) : null))
                .ToArray();
            FusedGroupOptions[] Groups() => new[] { new FusedGroupOptions { LearningRate = 0.01, WeightDecay = 0.1, Amsgrad = true }, new FusedGroupOptions { LearningRate = 0.02 } };
            check.Description = $"{count:N0} tensors ({specs.Sum(s => s.Length):N0} elements), 2 groups, a third masked; step 2 without 1,000 gradients";
            using var cpu = Cpu(FusedAlgorithm.AdamW, Groups(), specs, null);
            using var gpu = Gpu(FusedAlgorithm.AdamW, Groups(), specs, null);
            var rng = new Random(17);
            var cpuParams = specs.Select(s => Masks.Normal(rng, s.Length)).ToArray();
            var gpuParams = cpuParams.Select(p => (float[])p.Clone()).ToArray();
            for (var step = 0; step < 3; step++)
            {
                var grads = specs.Select((s, i) => step == 2 && i % 5 == 0 ? null : Masks.Normal(rng, s.Length, 0.1)).ToArray();
                check.Results(cpu.Step(cpuParams, grads), gpu.Step(gpuParams, grads), $"step {step}");
                var withGradient = grads.Count(g => g != null);
                var expected = (withGradient + CudaBackend.TensorsPerLaunch - 1) / CudaBackend.TensorsPerLaunch;
                var launches = ((CudaBackend)gpu.Backend).LastLaunchCount;
                check.Expect(launches == expected, $"step {step}: {launches} kernel launches for {withGradient} tensors with gradients; expected {expected}");
                check.Parameters(cpuParams, gpuParams, specs, $"step {step}");
                check.States(cpu, gpu, $"step {step}");
            }
        }

        /// <summary>40 groups: more distinct coefficient rows than one launch's table holds, so two launches per step.</summary>
        private void ManyGroups(CheckResult check)
        {
            FusedGroupOptions[] Groups() => Enumerable.Range(0, 40).Select(g => new FusedGroupOptions { LearningRate = 0.001 * (g + 1), WeightDecay = 0.01 * g, Amsgrad = g % 5 == 0, Maximize = g % 7 == 0 }).ToArray();
            var specs = Enumerable.Range(0, 80).Select(i => new FusedParameterSpec("q" + i, i / 2, 100 + (37 * i), i % 4 == 1 ? Masks.Random(100 + (37 * i), i) : null)).ToArray();
            check.Description = "80 tensors in 40 groups";
            using var cpu = Cpu(FusedAlgorithm.Adam, Groups(), specs, null);
            using var gpu = Gpu(FusedAlgorithm.Adam, Groups(), specs, null);
            var rng = new Random(23);
            var cpuParams = specs.Select(s => Masks.Normal(rng, s.Length)).ToArray();
            var gpuParams = cpuParams.Select(p => (float[])p.Clone()).ToArray();
            for (var step = 0; step < 3; step++)
            {
                var grads = specs.Select(s => Masks.Normal(rng, s.Length)).ToArray();
                check.Results(cpu.Step(cpuParams, grads), gpu.Step(gpuParams, grads), $"step {step}");
                var launches = ((CudaBackend)gpu.Backend).LastLaunchCount;
                check.Expect(launches == 2, $"step {step}: {launches} kernel launches for 40 distinct coefficient rows; expected 2");
                check.Parameters(cpuParams, gpuParams, specs, $"step {step}");
                check.States(cpu, gpu, $"step {step}");
            }
        }

        /// <summary>
        /// CPU 3 steps → file → the GPU engine loads it; both continue (bit-equal); both save (byte-identical files); a fresh
        /// CPU engine loads the GPU's file and both continue again; a GPU engine with another fingerprint refuses the file.
        /// </summary>
        private void StateFiles(CheckResult check, FusedAlgorithm algorithm)
        {
            var scenario = Scenario.Random(algorithm, 40 + (int)algorithm * 2, small: _target.Emulated); // even seed: no injected NaN
            check.Description = scenario.Describe;
            var directory = Directory.CreateTempSubdirectory("wdgen-cuda-device-state-").FullName;
            try
            {
                string File1(string name) => Path.Combine(directory, name);
                using var cpu = Cpu(algorithm, scenario.Groups(), scenario.Specs, scenario.Options());
                var cpuParams = scenario.Initial();
                for (var step = 0; step < 3; step++)
                {
                    scenario.Schedule(cpu.Groups, step);
                    cpu.Step(cpuParams, scenario.Gradients(step));
                }

                cpu.SaveState(File1("cpu.state"));
                using var gpu = Gpu(algorithm, scenario.Groups(), scenario.Specs, scenario.Options());
                gpu.LoadState(File1("cpu.state"));
                check.States(cpu, gpu, "after the GPU engine loaded the CPU's file");
                var gpuParams = cpuParams.Select(p => (float[])p.Clone()).ToArray();
                for (var step = 3; step < 6; step++)
                {
                    scenario.Schedule(cpu.Groups, step);
                    scenario.Schedule(gpu.Groups, step);
                    var grads = scenario.Gradients(step);
                    check.Results(cpu.Step(cpuParams, grads), gpu.Step(gpuParams, grads), $"resumed step {step}");
                    check.Parameters(cpuParams, gpuParams, scenario.Specs, $"resumed step {step}");
                    check.States(cpu, gpu, $"resumed step {step}");
                }

                gpu.SaveState(File1("gpu.state"));
                cpu.SaveState(File1("cpu2.state"));
                check.Bytes(File.ReadAllBytes(File1("cpu2.state")), File.ReadAllBytes(File1("gpu.state")), "the CPU's and the GPU's state files");

                using var cpu2 = Cpu(algorithm, scenario.Groups(), scenario.Specs, scenario.Options());
                cpu2.LoadState(File1("gpu.state"));
                check.States(cpu2, gpu, "after a CPU engine loaded the GPU's file");
                var cpu2Params = gpuParams.Select(p => (float[])p.Clone()).ToArray();
                for (var step = 6; step < scenario.Steps; step++)
                {
                    scenario.Schedule(cpu2.Groups, step);
                    scenario.Schedule(gpu.Groups, step);
                    var grads = scenario.Gradients(step);
                    check.Results(cpu2.Step(cpu2Params, grads), gpu.Step(gpuParams, grads), $"step {step} after GPU -> CPU");
                    check.Parameters(cpu2Params, gpuParams, scenario.Specs, $"step {step} after GPU -> CPU");
                    check.States(cpu2, gpu, $"step {step} after GPU -> CPU");
                }

                using var other = Gpu(algorithm, scenario.Groups(), scenario.Specs, scenario.Options(), fingerprint: "another grouping");
                try
                {
                    other.LoadState(File1("gpu.state"));
                    check.Expect(false, "a GPU engine with another fingerprint loaded the file");
                }
                catch (InvalidDataException e)
                {
                    check.Expect(e.Message.Contains("fingerprint", StringComparison.Ordinal), "the refusal does not mention the fingerprint: " + e.Message);
                }
            }
            finally
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}

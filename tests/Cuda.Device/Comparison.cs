using System;
using System.Collections.Generic;
using System.Linq;
using WdGen.Optimization;
using WdGen.Optimization.Engine;

namespace WdGen.Cuda.Device
{
    /// <summary>
    /// One named check: counts every float compared (exact equality of the bits) and every mismatch, and keeps the first
    /// few mismatches in words. A check never stops at the first difference, so the report says how much differs.
    /// </summary>
    internal sealed class CheckResult
    {
        private const int KeptDetails = 8;

        public CheckResult(string name) => Name = name;

        public string Name { get; }

        public string Description { get; set; } = string.Empty;

        public long Elements { get; private set; }

        public long Mismatches { get; private set; }

        public string? Error { get; set; }

        public double Seconds { get; set; }

        public List<string> Details { get; } = new();

        public bool Passed => Mismatches == 0 && Error is null;

        /// <summary>Exact equality of the float bits, element by element.</summary>
        public void Floats(ReadOnlySpan<float> cpu, ReadOnlySpan<float> gpu, string what)
        {
            if (cpu.Length != gpu.Length)
            {
                Fail($"{what}: {cpu.Length} elements on the CPU, {gpu.Length} on the GPU");
                return;
            }

            Elements += cpu.Length;
            for (var i = 0; i < cpu.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(cpu[i]) != BitConverter.SingleToInt32Bits(gpu[i]))
                {
                    var relative = Math.Abs((double)cpu[i] - gpu[i]) / Math.Max(Math.Abs((double)cpu[i]), float.Epsilon);
                    Fail($"{what}[{i}]: CPU engine {cpu[i]:R} (0x{BitConverter.SingleToInt32Bits(cpu[i]):x8}), CUDA engine {gpu[i]:R} (0x{BitConverter.SingleToInt32Bits(gpu[i]):x8}), relative {relative:E2}");
                }
            }
        }

        public void Parameters(float[][] cpu, float[][] gpu, IReadOnlyList<FusedParameterSpec> specs, string when)
        {
            for (var p = 0; p < cpu.Length; p++)
            {
                Floats(cpu[p], gpu[p], $"{when}: {specs[p].Name}");
            }
        }

        /// <summary>Step counts, which states exist, and every state buffer of every parameter.</summary>
        public void States(OptimizerEngine cpu, OptimizerEngine gpu, string when)
        {
            var specs = cpu.Parameters;
            for (var p = 0; p < specs.Count; p++)
            {
                Expect(cpu.StepCount(p) == gpu.StepCount(p), $"{when}: {specs[p].Name} step count: CPU {cpu.StepCount(p)}, GPU {gpu.StepCount(p)}");
                var a = new float[specs[p].Length];
                var b = new float[specs[p].Length];
                foreach (var state in cpu.Algorithm.States)
                {
                    var hasA = cpu.ReadState(p, state.Name, a);
                    var hasB = gpu.ReadState(p, state.Name, b);
                    Expect(hasA == hasB, $"{when}: {specs[p].Name} {state.Name}: the CPU engine {(hasA ? "has" : "lacks")} it, the CUDA engine {(hasB ? "has" : "lacks")} it");
                    Floats(a, b, $"{when}: {specs[p].Name} {state.Name}");
                }
            }
        }

        public void Results(FusedStepResult cpu, FusedStepResult gpu, string when)
        {
            Expect(cpu.Applied == gpu.Applied, $"{when}: step applied on the CPU {cpu.Applied}, on the GPU {gpu.Applied}");
            Expect(cpu.UpdatedParameters == gpu.UpdatedParameters, $"{when}: updated parameters CPU {cpu.UpdatedParameters}, GPU {gpu.UpdatedParameters}");
            Expect(
                cpu.NonFiniteParameters.SequenceEqual(gpu.NonFiniteParameters),
                $"{when}: non-finite gradients CPU [{string.Join(", ", cpu.NonFiniteParameters)}], GPU [{string.Join(", ", gpu.NonFiniteParameters)}]");
        }

        /// <summary>A condition that is not a float comparison (counted as one mismatch when false).</summary>
        public void Expect(bool condition, string what)
        {
            if (!condition)
            {
                Fail(what);
            }
        }

        public void Bytes(byte[] a, byte[] b, string what)
        {
            if (!a.AsSpan().SequenceEqual(b))
            {
                var first = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
                Fail($"{what}: the files differ ({a.Length} and {b.Length} bytes, first difference at byte {first})");
            }
        }

        private void Fail(string what)
        {
            Mismatches++;
            if (Details.Count < KeptDetails)
            {
                Details.Add(what);
            }
        }
    }
}

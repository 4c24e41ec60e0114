using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using WdGen.Optimization;
using WdGen.Optimization.Engine;
using Xunit;
using Xunit.Abstractions;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>
    /// The engine's Lion against a numpy float32 reference written from the paper (Oracle/lion_reference.py; PyTorch has
    /// no Lion). Six steps over tensors of odd lengths in three groups (different learning rates on a schedule, decay with
    /// and without per-element masks, no decay, maximize, zero gradients, a missing gradient). Each step is compared from
    /// a common point: the reference takes the engine's parameters and moment from before the step, so differences cannot
    /// accumulate across steps.
    /// </summary>
    /// <remarks>
    /// The tolerance, and why. The paper writes <c>β·m + (1−β)·g</c>; numpy rounds each product and the sum (three
    /// roundings), the engine computes it as torch's <c>m.mul(β).add_(g, alpha=1−β)</c>, <c>fma(g, 1−β, m·β)</c> (two).
    /// With a = β·m and b = (1−β)·g exact, each result is within 2u(|a| + |b|) of a + b (u = 2⁻²⁴), so they differ by at
    /// most 4u(|a| + |b|) = 2⁻²²(|a| + |b|). That is the bound on the moment (about one ulp where there is no cancellation).
    /// The parameter update has identical operations on both sides (the decay multiply; <c>p − lr·sign(c)</c>, one
    /// rounding since lr·sign(c) is exact), so the parameter must match bit for bit, except where the two c's can have
    /// different signs: |c| within 2⁻²²(|a| + |b|) of zero. There the engine's value must still be one of
    /// <c>decayed − lr·s</c>, s ∈ {−1, 0, 1}; the test reports how many such elements it met (none, on these data).
    /// Where a and b are both exactly 0 (a zero gradient on a zero moment), c is exactly 0 on both sides and sign(0) = 0
    /// is checked bit for bit.
    /// </remarks>
    public sealed class LionOracleTests
    {
        private const int Steps = 6;
        private static readonly double TwoToMinus22 = Math.ScaleB(1.0, -22) * (1 + Math.ScaleB(1.0, -20));
        private static readonly double Subnormal = 3 * Math.ScaleB(1.0, -149);

        private readonly ITestOutputHelper _output;

        public LionOracleTests(ITestOutputHelper output) => _output = output;

        [NumpyFact]
        public void Lion_matches_a_numpy_reference_of_the_paper_step_by_step()
        {
            var groups = new[]
            {
                new FusedGroupOptions { LearningRate = 1e-3, WeightDecay = 0.1, Beta1 = 0.9, Beta2 = 0.99 },
                new FusedGroupOptions { LearningRate = 3e-3, WeightDecay = 0.05, Beta1 = 0.95, Beta2 = 0.98, Maximize = true },
                new FusedGroupOptions { LearningRate = 2e-4, WeightDecay = 0, Beta1 = 0.8, Beta2 = 0.999 },
            };
            var rng = new Random(2023);
            var specs = new[]
            {
                new FusedParameterSpec("emb.weight", 0, 4099),
                new FusedParameterSpec("fc1.weight", 0, 1000, Mask(rng, 1000)),
                new FusedParameterSpec("fc1.bias", 0, 13, Mask(rng, 13)),
                new FusedParameterSpec("zero_grad.weight", 0, 33),
                new FusedParameterSpec("head.weight", 1, 64, Mask(rng, 64)),
                new FusedParameterSpec("head.bias", 1, 7),
                new FusedParameterSpec("scalar", 1, 1),
                new FusedParameterSpec("norm.weight", 2, 8, Mask(rng, 8)), // a mask without decay: no effect
                new FusedParameterSpec("norm.bias", 2, 15),
                new FusedParameterSpec("empty", 2, 0),
            };
            var baseLr = groups.Select(g => g.LearningRate).ToArray();
            using var engine = new OptimizerEngine(FusedAlgorithm.Lion, groups, specs, "lion", new FusedEngineOptions { ThreadCount = 2, ChunkElements = 37 });
            var values = specs.Select(s => Normal(rng, s.Length, 1)).ToArray();
            var records = new List<Record>();
            var where = new List<(int Step, int Index, float[] Param, float[] ExpAvg)>();
            for (var step = 0; step < Steps; step++)
            {
                for (var g = 0; g < groups.Length; g++)
                {
                    engine.Groups[g].LearningRate = baseLr[g] * (1 - 0.1 * step);
                }

                var grads = specs.Select((s, p) =>
                    s.Name == "zero_grad.weight" || (step == 2 && s.Name == "head.bias") ? new float[s.Length] // zero gradients
                    : step == 3 && s.Name == "fc1.bias" ? null // no gradient: skipped
                    : Normal(rng, s.Length, Math.Pow(10, rng.Next(-3, 2)))).ToArray();
                var before = values.Select(v => (float[])v.Clone()).ToArray();
                var momentBefore = specs.Select((_, p) => State(engine, p)).ToArray();
                var stepsBefore = specs.Select((_, p) => engine.StepCount(p)).ToArray();

                engine.Step(values, grads);

                for (var p = 0; p < specs.Length; p++)
                {
                    if (grads[p] is not { } grad)
                    {
                        Assert.Equal(before[p], values[p]);
                        Assert.Equal(momentBefore[p], State(engine, p));
                        Assert.Equal(stepsBefore[p], engine.StepCount(p));
                        continue;
                    }

                    var group = engine.Groups[specs[p].GroupIndex];
                    records.Add(new Record
                    {
                        Lr = group.LearningRate,
                        WeightDecay = group.WeightDecay,
                        Beta1 = group.Beta1,
                        Beta2 = group.Beta2,
                        Maximize = group.Maximize,
                        Param = before[p].Select(v => (double)v).ToArray(),
                        ExpAvg = momentBefore[p].Select(v => (double)v).ToArray(),
                        Grad = grad.Select(v => (double)v).ToArray(),
                        Mask = specs[p].DecayMask?.Select(v => (double)v).ToArray(),
                    });
                    where.Add((step, p, (float[])values[p].Clone(), State(engine, p)));
                }
            }

            var results = RunReference(records);
            long elements = 0, paramExact = 0, momentExact = 0, ambiguous = 0;
            double worstMoment = 0;
            for (var k = 0; k < records.Count; k++)
            {
                var (step, p, actualParam, actualMoment) = where[k];
                var r = records[k];
                var e = results[k];
                var what = $"step {step + 1}, '{specs[p].Name}'";
                float b1 = (float)r.Beta1, omb1 = (float)(1 - r.Beta1), b2 = (float)r.Beta2, omb2 = (float)(1 - r.Beta2), lr = (float)r.Lr;
                for (var i = 0; i < actualParam.Length; i++)
                {
                    elements++;
                    double m = (float)r.ExpAvg[i], g = (float)r.Grad[i];

                    // The moment: within 2^-22 (|b2*m| + |(1-b2)*g|) of numpy's.
                    var momentBound = (TwoToMinus22 * (Math.Abs(b2 * m) + Math.Abs(omb2 * g))) + Subnormal;
                    var momentDifference = Math.Abs(actualMoment[i] - e.ExpAvg[i]);
                    Assert.True(momentDifference <= momentBound, $"{what}: exp_avg[{i}] engine {actualMoment[i]:R}, numpy {e.ExpAvg[i]:R}, bound {momentBound:G3}");
                    momentExact += actualMoment[i] == (float)e.ExpAvg[i] ? 1 : 0;
                    if (momentDifference > 0)
                    {
                        worstMoment = Math.Max(worstMoment, momentDifference / Math.Max(Math.Abs(e.ExpAvg[i]), 1e-30));
                    }

                    // The parameter: bit for bit unless sign(c) is ambiguous at float32.
                    var signBound = TwoToMinus22 * (Math.Abs(b1 * m) + Math.Abs(omb1 * g));
                    if (signBound > 0 && Math.Abs(e.C[i]) <= signBound + Subnormal)
                    {
                        ambiguous++;
                        var decayed = (float)e.Decayed[i];
                        Assert.True(
                            new[] { -1f, 0f, 1f }.Any(s => actualParam[i] == decayed - (lr * s)),
                            $"{what}: param[{i}] engine {actualParam[i]:R} is no decayed − lr·sign (decayed {decayed:R}, lr {lr:R})");
                        continue;
                    }

                    Assert.True(
                        actualParam[i] == (float)e.Param[i],
                        $"{what}: param[{i}] engine {actualParam[i]:R}, numpy {e.Param[i]:R} (c {e.C[i]:R}, m {m:R}, g {g:R})");
                    paramExact++;
                }
            }

            _output.WriteLine(
                $"{elements} elements over {Steps} steps: parameters {paramExact} bit-identical, {ambiguous} with an ambiguous sign; " +
                $"exp_avg {momentExact} bit-identical, largest relative difference {worstMoment:G3}");
            Assert.Equal(0, ambiguous); // not required by the rule, but these data have none: a change here deserves a look
            Assert.Equal(elements, paramExact);
        }

        private static float[] State(OptimizerEngine engine, int p)
        {
            var buffer = new float[engine.Parameters[p].Length];
            Assert.True(engine.ReadState(p, "exp_avg", buffer));
            return buffer;
        }

        private static float[] Mask(Random rng, int n) =>
            Enumerable.Range(0, n).Select(_ => rng.Next(4) switch { 0 => 0f, 1 => 1f, _ => (float)rng.NextDouble() }).ToArray();

        private static float[] Normal(Random rng, long n, double scale)
        {
            var values = new float[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
            }

            return values;
        }

        private static List<Result> RunReference(List<Record> records)
        {
            var directory = Directory.CreateTempSubdirectory("wdgen-lion-");
            try
            {
                var input = Path.Combine(directory.FullName, "records.json");
                var output = Path.Combine(directory.FullName, "results.json");
                File.WriteAllText(input, JsonSerializer.Serialize(records, OracleCase.Json));
                Numpy.Run("step", input, output);
                var results = JsonSerializer.Deserialize<List<Result>>(File.ReadAllText(output), OracleCase.Json)!;
                Assert.Equal(records.Count, results.Count);
                return results;
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        private sealed class Record
        {
            [JsonPropertyName("lr")] public double Lr { get; set; }
            [JsonPropertyName("weight_decay")] public double WeightDecay { get; set; }
            [JsonPropertyName("beta1")] public double Beta1 { get; set; }
            [JsonPropertyName("beta2")] public double Beta2 { get; set; }
            [JsonPropertyName("maximize")] public bool Maximize { get; set; }
            [JsonPropertyName("param")] public double[] Param { get; set; } = Array.Empty<double>();
            [JsonPropertyName("exp_avg")] public double[] ExpAvg { get; set; } = Array.Empty<double>();
            [JsonPropertyName("grad")] public double[] Grad { get; set; } = Array.Empty<double>();
            [JsonPropertyName("mask")] public double[]? Mask { get; set; }
        }

        private sealed class Result
        {
            [JsonPropertyName("param")] public double[] Param { get; set; } = Array.Empty<double>();
            [JsonPropertyName("exp_avg")] public double[] ExpAvg { get; set; } = Array.Empty<double>();
            [JsonPropertyName("c")] public double[] C { get; set; } = Array.Empty<double>();
            [JsonPropertyName("decayed")] public double[] Decayed { get; set; } = Array.Empty<double>();
        }
    }

    /// <summary>Oracle/lion_reference.py with the oracle's interpreter (/usr/bin/python3 or WDGEN_ORACLE_PYTHON); needs numpy only.</summary>
    internal static class Numpy
    {
        private static readonly Lazy<string?> Probe = new(() =>
        {
            try
            {
                Run("probe");
                return null;
            }
            catch (Exception e)
            {
                return e.Message.Trim().Split('\n')[^1].Trim();
            }
        });

        /// <summary>Null when the reference runs; otherwise why not.</summary>
        public static string? Unavailable => File.Exists(PythonOracle.Python) ? Probe.Value : PythonOracle.Python + " does not exist";

        public static string Script => Path.Combine(PythonOracle.OptimizationDirectory, "Oracle", "lion_reference.py");

        public static void Run(params string[] arguments)
        {
            var start = new ProcessStartInfo(PythonOracle.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Script);
            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + PythonOracle.Python);
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000))
            {
                process.Kill();
                throw new TimeoutException("lion_reference.py did not finish in 2 minutes.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"lion_reference.py {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{stderr.Result}");
            }
        }
    }

    /// <summary>A fact that needs numpy for /usr/bin/python3; reported as Skipped with the reason where it is missing.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class NumpyFactAttribute : FactAttribute
    {
        public NumpyFactAttribute()
        {
            if (Numpy.Unavailable is { } reason)
            {
                Skip = "numpy for the Lion reference unavailable (apt-get install python3-numpy): " + reason;
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using WdGen.Optimization;
using WdGen.Optimization.Engine;
using Xunit;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>One optimizer scenario, in the JSON shape oracle.py reads (values are float32 held in doubles).</summary>
    public sealed class OracleCase
    {
        [JsonPropertyName("algorithm")] public string Algorithm { get; set; } = "adamw";
        [JsonPropertyName("steps")] public int Steps { get; set; }
        [JsonPropertyName("groups")] public List<OracleGroup> Groups { get; set; } = new();
        [JsonPropertyName("lr_schedule")] public List<double[]> LrSchedule { get; set; } = new();
        [JsonPropertyName("params")] public List<OracleParam> Params { get; set; } = new();
        [JsonPropertyName("grads")] public List<double[]?[]> Grads { get; set; } = new();
        [JsonPropertyName("expected")] public OracleResult? Expected { get; set; }

        public FusedAlgorithm Kind => Algorithm switch
        {
            "adamw" => global::WdGen.Optimization.FusedAlgorithm.AdamW,
            "adam" => global::WdGen.Optimization.FusedAlgorithm.Adam,
            "sgd" => global::WdGen.Optimization.FusedAlgorithm.Sgd,
            _ => throw new InvalidDataException(Algorithm),
        };

        public static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.Strict };

        /// <summary>Runs the case in the fused engine and returns the same fields torch reports.</summary>
        public OracleResult RunFused(int threads = 2, int chunk = 64)
        {
            var groups = Groups.Select(g => new FusedGroupOptions
            {
                LearningRate = g.Lr, WeightDecay = g.WeightDecay, Beta1 = g.Beta1, Beta2 = g.Beta2, Eps = g.Eps,
                Momentum = g.Momentum, Dampening = g.Dampening, Nesterov = g.Nesterov, Amsgrad = g.Amsgrad, Maximize = g.Maximize,
            }).ToArray();
            var specs = Params.Select(p => new FusedParameterSpec(p.Name, p.Group, p.Init.Length, p.Mask == null ? null : ToFloat(p.Mask))).ToArray();
            using var opt = new OptimizerEngine(Kind, groups, specs, "oracle", new FusedEngineOptions { ThreadCount = threads, ChunkElements = chunk });
            var values = Params.Select(p => ToFloat(p.Init)).ToArray();
            for (var s = 0; s < Steps; s++)
            {
                for (var g = 0; g < groups.Length; g++)
                {
                    groups[g].LearningRate = LrSchedule[s][g];
                }

                opt.Step(values, Grads[s].Select(g => g == null ? null : ToFloat(g)).ToArray());
            }

            var result = new OracleResult();
            for (var p = 0; p < Params.Count; p++)
            {
                result.Params.Add(values[p].Select(v => (double)v).ToArray());
                result.ExpAvg.Add(Read(opt, p, "exp_avg"));
                result.ExpAvgSq.Add(Read(opt, p, "exp_avg_sq"));
                result.MaxExpAvgSq.Add(Read(opt, p, "max_exp_avg_sq"));
                result.MomentumBuffer.Add(Read(opt, p, "momentum_buffer"));
                result.Step.Add(opt.StepCount(p));
            }

            return result;
        }

        public static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();

        private static double[]? Read(OptimizerEngine opt, int p, string kind)
        {
            var buffer = new float[opt.Parameters[p].Length];
            return opt.Algorithm.StateIndex(kind) >= 0 && opt.ReadState(p, kind, buffer) ? buffer.Select(v => (double)v).ToArray() : null;
        }

        /// <summary>Runs cases through torch (one python process for all).</summary>
        public static List<OracleResult> RunTorch(IReadOnlyList<OracleCase> cases)
        {
            var dir = Directory.CreateTempSubdirectory("wdgen-oracle-");
            try
            {
                var input = Path.Combine(dir.FullName, "cases.json");
                var output = Path.Combine(dir.FullName, "results.json");
                File.WriteAllText(input, JsonSerializer.Serialize(cases, Json));
                PythonOracle.Run("run", input, output);
                return JsonSerializer.Deserialize<List<OracleResult>>(File.ReadAllText(output), Json)!;
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        }
    }

    public sealed class OracleGroup
    {
        [JsonPropertyName("lr")] public double Lr { get; set; }
        [JsonPropertyName("weight_decay")] public double WeightDecay { get; set; }
        [JsonPropertyName("beta1")] public double Beta1 { get; set; } = 0.9;
        [JsonPropertyName("beta2")] public double Beta2 { get; set; } = 0.999;
        [JsonPropertyName("eps")] public double Eps { get; set; } = 1e-8;
        [JsonPropertyName("momentum")] public double Momentum { get; set; }
        [JsonPropertyName("dampening")] public double Dampening { get; set; }
        [JsonPropertyName("nesterov")] public bool Nesterov { get; set; }
        [JsonPropertyName("amsgrad")] public bool Amsgrad { get; set; }
        [JsonPropertyName("maximize")] public bool Maximize { get; set; }
    }

    public sealed class OracleParam
    {
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("group")] public int Group { get; set; }
        [JsonPropertyName("shape")] public int[] Shape { get; set; } = Array.Empty<int>();
        [JsonPropertyName("init")] public double[] Init { get; set; } = Array.Empty<double>();
        [JsonPropertyName("mask")] public double[]? Mask { get; set; }
    }

    public sealed class OracleResult
    {
        [JsonPropertyName("params")] public List<double[]> Params { get; set; } = new();
        [JsonPropertyName("exp_avg")] public List<double[]?> ExpAvg { get; set; } = new();
        [JsonPropertyName("exp_avg_sq")] public List<double[]?> ExpAvgSq { get; set; } = new();
        [JsonPropertyName("max_exp_avg_sq")] public List<double[]?> MaxExpAvgSq { get; set; } = new();
        [JsonPropertyName("momentum_buffer")] public List<double[]?> MomentumBuffer { get; set; } = new();
        [JsonPropertyName("step")] public List<long> Step { get; set; } = new();
    }

    /// <summary>Element-wise comparison of engine and torch results.</summary>
    public static class OracleCompare
    {
        /// <summary>
        /// The bound. The engine reproduces ATen's float operations one for one (including where ATen's AVX2 kernels
        /// use FMA: add_ with alpha and addcmul_; addcdiv_ and the scalar division do not), so we expect — and observe —
        /// bit-identical results. The bound is nevertheless the 1e-6 relative error, with relative measured
        /// against max(|torch|, 1e-30) so that exact zeros must match exactly.
        /// </summary>
        public const double MaxRelativeError = 1e-6;

        public sealed record Summary(long Elements, long Different, double MaxRelative, string Worst);

        public static Summary Compare(OracleCase c, OracleResult expected, OracleResult actual)
        {
            long elements = 0, different = 0;
            double worst = 0;
            var where = "";
            void Field(string field, int p, double[]? e, double[]? a, bool absentMeansZero)
            {
                var name = c.Params[p].Name;
                if (e == null)
                {
                    Assert.True(a == null || absentMeansZero && a.All(v => v == 0), $"{name}.{field}: torch has no state but the engine does");
                    return;
                }

                Assert.True(a != null, $"{name}.{field}: torch has state but the engine has none");
                Assert.Equal(e.Length, a!.Length);
                for (var i = 0; i < e.Length; i++)
                {
                    elements++;
                    if (BitConverter.SingleToInt32Bits((float)e[i]) != BitConverter.SingleToInt32Bits((float)a[i]) && e[i] != a[i])
                    {
                        different++;
                    }

                    var rel = e[i] == a[i] ? 0 : Math.Abs(e[i] - a[i]) / Math.Max(Math.Abs(e[i]), 1e-30);
                    if (double.IsNaN(rel) || rel > worst)
                    {
                        worst = double.IsNaN(rel) ? double.PositiveInfinity : rel;
                        where = $"{name}.{field}[{i}]: torch {e[i]:R} engine {a[i]:R}";
                    }
                }
            }

            for (var p = 0; p < c.Params.Count; p++)
            {
                Field("param", p, expected.Params[p], actual.Params[p], false);
                Field("exp_avg", p, expected.ExpAvg[p], actual.ExpAvg[p], true);
                Field("exp_avg_sq", p, expected.ExpAvgSq[p], actual.ExpAvgSq[p], true);
                Field("max_exp_avg_sq", p, expected.MaxExpAvgSq[p], actual.MaxExpAvgSq[p], true);
                Field("momentum_buffer", p, expected.MomentumBuffer[p], actual.MomentumBuffer[p], true);
                if (c.Algorithm != "sgd")
                {
                    Assert.True(expected.Step[p] == actual.Step[p], $"{c.Params[p].Name}: torch step {expected.Step[p]}, engine {actual.Step[p]}");
                }
            }

            return new Summary(elements, different, worst, where);
        }
    }
}

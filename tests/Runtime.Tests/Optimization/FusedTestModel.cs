using System;
using System.Linq;
using WdGen.Optimization;
using WdGen.Optimization.Engine;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>A deterministic synthetic model for engine tests that need no oracle.</summary>
    internal sealed class FusedTestModel
    {
        public FusedTestModel(FusedAlgorithm algorithm, int seed = 7, int scale = 1)
        {
            Algorithm = algorithm;
            var lengths = new long[] { 0, 1, 7, 33, 1000 * scale, 4099 * scale, 65537 * scale, 12, 300 };
            Specs = lengths.Select((n, i) => new FusedParameterSpec(
                $"p{i}", i % 3, n, i % 4 == 1 ? Enumerable.Range(0, (int)n).Select(j => (j % 5) / 4f).ToArray() : null)).ToArray();
            var rng = new Random(seed);
            Initial = Specs.Select(s => Enumerable.Range(0, (int)s.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
            Gradients = Enumerable.Range(0, 12).Select(step => Specs.Select((s, i) => (step + i) % 5 == 4 ? null :
                Enumerable.Range(0, (int)s.Length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()).ToArray()).ToArray();
        }

        public FusedAlgorithm Algorithm { get; }

        public FusedParameterSpec[] Specs { get; }

        public float[][] Initial { get; }

        public float[]?[][] Gradients { get; }

        public static FusedGroupOptions[] Groups() => new[]
        {
            new FusedGroupOptions { LearningRate = 1e-2, WeightDecay = 0.1, Momentum = 0.9, Amsgrad = true },
            new FusedGroupOptions { LearningRate = 3e-3, WeightDecay = 0, Momentum = 0.8, Nesterov = true, Maximize = true },
            new FusedGroupOptions { LearningRate = 5e-2, WeightDecay = 0.05, Beta1 = 0.8, Beta2 = 0.99, Momentum = 0.5, Dampening = 0.1 },
        };

        public float[][] Clone() => Initial.Select(a => (float[])a.Clone()).ToArray();

        public OptimizerEngine Create(
            int? threads = null, int chunk = FusedEngineOptions.DefaultChunkElements, bool check = false, FusedParameterSpec[]? specs = null, string fingerprint = "fp", StateFormat state = StateFormat.Float32) =>
            new(Algorithm, Groups(), specs ?? Specs, fingerprint, new FusedEngineOptions { ThreadCount = threads, ChunkElements = chunk, CheckNonFinite = check }, state: state);

        /// <summary>Runs steps [from, to) with a changing learning rate.</summary>
        public void Run(OptimizerEngine opt, float[][] values, int from, int to)
        {
            for (var s = from; s < to; s++)
            {
                opt.Groups[0].LearningRate = 1e-2 * (1 + s % 3);
                opt.Step(values, Gradients[s]);
            }
        }

        public static float[] State(OptimizerEngine opt, int p, string kind)
        {
            var buffer = new float[opt.Parameters[p].Length];
            opt.ReadState(p, kind, buffer);
            return buffer;
        }

        /// <summary>Every parameter, every state buffer and every step count, as raw bits.</summary>
        public static int[] Snapshot(OptimizerEngine opt, float[][] values)
        {
            var bits = new System.Collections.Generic.List<int>();
            for (var p = 0; p < opt.Parameters.Count; p++)
            {
                bits.AddRange(values[p].Select(BitConverter.SingleToInt32Bits));
                foreach (var kind in opt.Algorithm.States.Select(s => s.Name))
                {
                    bits.AddRange(State(opt, p, kind).Select(BitConverter.SingleToInt32Bits));
                }

                bits.Add((int)opt.StepCount(p));
            }

            return bits.ToArray();
        }
    }
}

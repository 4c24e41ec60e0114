using System;
using System.Collections.Generic;
using System.Linq;
using WdGen.Optimization;

namespace WdGen.Cuda.Device
{
    /// <summary>
    /// A random optimizer run: groups covering every option (AMSGrad, maximize, momentum, dampening, Nesterov, weight
    /// decay or none), tensors of odd sizes (0, 1, vector tails, ILP tails, just over one 64 Ki chunk, several chunks),
    /// per-element decay masks, missing gradients, a learning-rate schedule and, when <see cref="Check"/>, a NaN and an
    /// infinity injected into gradients (the step must be skipped on both devices, naming the same parameters).
    /// </summary>
    internal sealed class Scenario
    {
        private readonly List<FusedGroupOptions> _groups = new();
        private readonly List<float[]?[]> _grads = new();
        private readonly List<double[]> _lr = new();
        private float[][] _initial = Array.Empty<float[]>();

        public FusedAlgorithm Algorithm { get; private init; }

        public FusedParameterSpec[] Specs { get; private set; } = Array.Empty<FusedParameterSpec>();

        public int Chunk { get; private init; }

        public int Steps { get; private init; }

        public bool Check { get; private init; }

        public int GroupCount => _groups.Count;

        public long Elements => Specs.Sum(s => s.Length);

        public string Describe =>
            $"{Specs.Length} tensors, {Elements:N0} elements, {GroupCount} group(s) [{string.Join("; ", _groups.Select(Describe1))}], chunk {Chunk}, {Steps} steps"
            + (Check ? ", non-finite check with NaN and Inf injected" : string.Empty);

        public FusedEngineOptions Options(int? threads = null) => new() { ChunkElements = Chunk, CheckNonFinite = Check, ThreadCount = threads };

        /// <param name="algorithm">The update rule.</param>
        /// <param name="seed">Selects sizes, options and data; every option appears within four consecutive seeds.</param>
        /// <param name="small">Smaller tensors (for the CPU emulation of the kernels, which runs every GPU thread in turn).</param>
        public static Scenario Random(FusedAlgorithm algorithm, int seed, bool small)
        {
            var rng = new Random((seed * 7919) + (int)algorithm);
            var chunks = new[] { FusedEngineOptions.DefaultChunkElements, 4096, 1000, 7, 64, 2051, FusedEngineOptions.DefaultChunkElements };
            var s = new Scenario
            {
                Algorithm = algorithm,
                Chunk = chunks[(seed + rng.Next(2)) % chunks.Length],
                Steps = 8,
                Check = seed % 2 == 1,
            };
            var groupCount = 1 + ((seed + rng.Next(4)) % 4);
            for (var g = 0; g < groupCount; g++)
            {
                // The option combination cycles with seed and group, so every combination is reached, not just likely.
                var combo = (seed * 5) + g;
                var momentum = combo % 3 == 0 ? 0 : 0.5 + (0.45 * rng.NextDouble());
                var nesterov = momentum > 0 && (combo & 4) != 0;
                s._groups.Add(new FusedGroupOptions
                {
                    LearningRate = Math.Exp(Math.Log(1e-4) + (rng.NextDouble() * (Math.Log(0.1) - Math.Log(1e-4)))),
                    WeightDecay = combo % 4 == 3 ? 0 : rng.NextDouble() * 0.5,
                    Beta1 = 0.5 + (0.45 * rng.NextDouble()),
                    Beta2 = 0.9 + (0.0999 * rng.NextDouble()),
                    Eps = new[] { 1e-8, 1e-6, 1e-3 }[rng.Next(3)],
                    Momentum = momentum,
                    Dampening = momentum == 0 || nesterov || (combo & 8) == 0 ? 0 : 0.3 * rng.NextDouble(),
                    Nesterov = nesterov,
                    Amsgrad = (combo & 1) != 0,
                    Maximize = (combo & 2) != 0,
                });
            }

            var cap = small ? (s.Chunk < 1000 ? 3000 : 70_000) : int.MaxValue;
            var lengths = new List<long> { 0, 1, 65536 + 1, 3 }; // always: empty, one element, one element past a chunk, a tail
            var count = rng.Next(6, small ? 16 : 40);
            for (var p = 0; p < count; p++)
            {
                long n = rng.Next(9) switch
                {
                    0 => 1,
                    1 => 0,
                    2 => (2 * rng.Next(0, 50)) + 1,
                    3 => rng.Next(1, 9) * 4,
                    4 => 65536 + rng.Next(-3, 4),
                    5 => rng.Next(65536, 300_000),
                    6 => 2048 + rng.Next(-2, 3), // one block iteration (512 threads x ILP 4) and its neighbours
                    _ => rng.Next(1, 5000),
                };
                lengths.Add(Math.Min(n, cap));
            }

            var specs = new List<FusedParameterSpec>();
            for (var p = 0; p < lengths.Count; p++)
            {
                var n = Math.Min(lengths[p], cap);
                var mask = rng.NextDouble() < 0.35 ? Masks.Random(n, (seed * 1000) + p) : null;
                specs.Add(new FusedParameterSpec($"block{p}.weight", rng.Next(groupCount), n, mask));
            }

            s.Specs = specs.ToArray();
            s._initial = s.Specs.Select(spec => Masks.Normal(rng, spec.Length)).ToArray();
            for (var step = 0; step < s.Steps; step++)
            {
                s._lr.Add(Enumerable.Range(0, groupCount).Select(_ => 0.25 + (1.5 * rng.NextDouble())).ToArray());
                var grads = s.Specs.Select((spec, p) =>
                    (step == 0 && p == 2) || rng.NextDouble() < 0.15 ? null : Masks.Normal(rng, spec.Length, Math.Pow(10, rng.Next(-3, 2)))).ToArray();
                if (s.Check && step == 2)
                {
                    Inject(grads, rng, float.NaN, last: false);
                }

                if (s.Check && step == 5)
                {
                    Inject(grads, rng, rng.Next(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity, last: true);
                }

                s._grads.Add(grads);
            }

            return s;
        }

        public FusedGroupOptions[] Groups() => _groups.Select(g => g.Clone()).ToArray();

        public float[][] Initial() => _initial.Select(p => (float[])p.Clone()).ToArray();

        public float[]?[] Gradients(int step) => _grads[step].Select(g => (float[]?)g?.Clone()).ToArray();

        /// <summary>The learning-rate schedule: every group's rate scaled by a factor drawn per step and group.</summary>
        public void Schedule(IReadOnlyList<FusedGroupOptions> groups, int step)
        {
            for (var g = 0; g < groups.Count; g++)
            {
                groups[g].LearningRate = _groups[g].LearningRate * _lr[step][g];
            }
        }

        /// <summary>A non-finite value in the largest gradient (its last element when <paramref name="last"/>, so in the last chunk's tail).</summary>
        private static void Inject(float[]?[] grads, Random rng, float value, bool last)
        {
            var victim = grads.Where(g => g is { Length: > 0 }).OrderByDescending(g => g!.Length).FirstOrDefault();
            if (victim != null)
            {
                victim[last ? victim.Length - 1 : rng.Next(victim.Length)] = value;
            }
        }

        private static string Describe1(FusedGroupOptions g) =>
            $"lr {g.LearningRate:G3} wd {g.WeightDecay:G2}"
            + (g.Amsgrad ? " amsgrad" : string.Empty) + (g.Maximize ? " maximize" : string.Empty)
            + (g.Momentum != 0 ? $" momentum {g.Momentum:G2}" : string.Empty) + (g.Dampening != 0 ? $" dampening {g.Dampening:G2}" : string.Empty)
            + (g.Nesterov ? " nesterov" : string.Empty);
    }

    internal static class Masks
    {
        /// <summary>A decay mask of zeros, ones and fractions.</summary>
        public static float[] Random(long n, int seed)
        {
            var rng = new Random(seed);
            var mask = new float[n];
            for (var i = 0; i < n; i++)
            {
                mask[i] = rng.Next(4) switch { 0 => 0f, 1 => 1f, _ => (float)rng.NextDouble() };
            }

            return mask;
        }

        /// <summary>Normal(0, scale²) samples (Box–Muller).</summary>
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
}

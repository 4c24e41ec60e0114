using System;
using System.Collections.Generic;
using System.Linq;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>Random optimizer scenarios: odd shapes, several groups, masks, missing gradients, an lr schedule.</summary>
    public static class RandomCases
    {
        public static OracleCase Make(string algorithm, int seed, int steps = 10, int maxElements = 3000)
        {
            var rng = new Random(seed);
            var groupCount = rng.Next(1, 4);
            var groups = new List<OracleGroup>();
            for (var g = 0; g < groupCount; g++)
            {
                var momentum = rng.NextDouble() < 0.25 ? 0 : 0.5 + 0.45 * rng.NextDouble();
                var dampening = momentum == 0 || rng.NextDouble() < 0.5 ? 0 : 0.3 * rng.NextDouble();
                groups.Add(new OracleGroup
                {
                    Lr = Math.Exp(Math.Log(1e-4) + rng.NextDouble() * (Math.Log(0.1) - Math.Log(1e-4))),
                    WeightDecay = rng.NextDouble() < 0.25 ? 0 : rng.NextDouble() * 0.5,
                    Beta1 = 0.5 + 0.45 * rng.NextDouble(),
                    Beta2 = 0.9 + 0.0999 * rng.NextDouble(),
                    Eps = new[] { 1e-8, 1e-6, 1e-3 }[rng.Next(3)],
                    Momentum = momentum,
                    Dampening = dampening,
                    Nesterov = momentum > 0 && dampening == 0 && rng.NextDouble() < 0.5,
                    Amsgrad = rng.NextDouble() < 0.4,
                    Maximize = rng.NextDouble() < 0.25,
                });
            }

            var c = new OracleCase { Algorithm = algorithm, Steps = steps, Groups = groups };
            var count = rng.Next(4, 10);
            for (var p = 0; p < count; p++)
            {
                int[] shape = rng.Next(8) switch
                {
                    0 => Array.Empty<int>(),                 // 0-dim
                    1 => new[] { 1 },
                    2 => new[] { 0 },
                    3 => new[] { 2 * rng.Next(0, 20) + 1 }, // odd
                    4 => new[] { rng.Next(1, 9), rng.Next(1, 9) },
                    5 => new[] { rng.Next(1, 40), rng.Next(1, 40), 3 },
                    _ => new[] { rng.Next(1, maxElements) },
                };
                var n = shape.Aggregate(1, (a, b) => a * b);
                double[]? mask = null;
                if (rng.NextDouble() < 0.4)
                {
                    mask = Enumerable.Range(0, n).Select(_ => rng.Next(4) switch
                    {
                        0 => 0.0,
                        1 => 1.0,
                        _ => (double)(float)rng.NextDouble(),
                    }).ToArray();
                }

                c.Params.Add(new OracleParam
                {
                    Name = $"layer{p}.{(shape.Length >= 2 ? "weight" : "bias")}",
                    Group = rng.Next(groupCount),
                    Shape = shape,
                    Init = Normal(rng, n, 1),
                    Mask = mask,
                });
            }

            for (var s = 0; s < steps; s++)
            {
                c.LrSchedule.Add(groups.Select(g => g.Lr * (0.5 + 0.5 * Math.Cos(Math.PI * s / steps))).ToArray());
                c.Grads.Add(c.Params.Select(p => rng.NextDouble() < 0.15 ? null : Normal(rng, p.Init.Length, Math.Pow(10, rng.Next(-3, 2)))).ToArray());
            }

            return c;
        }

        private static double[] Normal(Random rng, int n, double scale)
        {
            var values = new double[n];
            for (var i = 0; i < n; i++)
            {
                var u1 = 1.0 - rng.NextDouble();
                var u2 = rng.NextDouble();
                values[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }

            return values;
        }
    }
}

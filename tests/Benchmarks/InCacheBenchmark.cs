using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using WdGen.Optimization;
using WdGen.Optimization.Engine;

namespace WdGen.Benchmarks
{
    /// <summary>
    /// The arithmetic of a step without the memory: AdamW on one 16,384-element tensor (its parameter, gradient and state
    /// fit in L2) on one thread, each state format, best of 15 rounds of 1,000 steps, the formats taking turns round by
    /// round. On a machine with few cores this, not bandwidth, is what separates the formats.
    /// </summary>
    internal static unsafe class InCacheBenchmark
    {
        public const int Elements = 16384;

        public static string Header => "| state | best ns per element | x Float32 |\n|---|---:|---:|";

        public static List<string> Run()
        {
            var specs = new[] { new FusedParameterSpec("w", 0, Elements) };
            var p = (float*)NativeMemory.AlignedAlloc(Elements * sizeof(float), 64);
            var g = (float*)NativeMemory.AlignedAlloc(Elements * sizeof(float), 64);
            var formats = Enum.GetValues<StateFormat>();
            var engines = formats.Select(f => new OptimizerEngine(
                FusedAlgorithm.AdamW, new[] { new FusedGroupOptions { LearningRate = 1e-4, WeightDecay = 0.1 } }, specs, "in-cache",
                new FusedEngineOptions { ThreadCount = 1 }, state: f)).ToArray();
            try
            {
                for (var i = 0; i < Elements; i++)
                {
                    p[i] = 0.01f * (i % 13);
                    g[i] = 0.001f * ((i % 7) - 3);
                }

                foreach (var engine in engines)
                {
                    engine.SetBuffers(0, (nint)p, (nint)g);
                }

                const int Steps = 1000;
                var best = formats.Select(_ => double.MaxValue).ToArray();
                for (var round = 0; round < 15; round++)
                {
                    for (var k = 0; k < engines.Length; k++)
                    {
                        var watch = Stopwatch.StartNew();
                        for (var s = 0; s < Steps; s++)
                        {
                            engines[k].Step();
                        }

                        best[k] = Math.Min(best[k], watch.Elapsed.TotalMilliseconds * 1e6 / ((double)Steps * Elements));
                    }
                }

                return formats.Select((f, k) => $"| {f} | {best[k]:F3} | {best[k] / best[0]:F2} |").ToList();
            }
            finally
            {
                foreach (var engine in engines)
                {
                    engine.Dispose();
                }

                NativeMemory.AlignedFree(p);
                NativeMemory.AlignedFree(g);
            }
        }
    }
}

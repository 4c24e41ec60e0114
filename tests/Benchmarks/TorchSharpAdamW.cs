using System;
using System.Diagnostics;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace WdGen.Benchmarks
{
    /// <summary>TorchSharp 0.107's own <c>torch.optim.AdamW</c> on real TorchSharp tensors, gradients set, two param groups.</summary>
    internal static class TorchSharpAdamW
    {
        public static double MedianMs(ParameterSet set, bool[] decay, int warmup, int iters)
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(0);
            var parameters = set.Tensors.Select(t => new Parameter(torch.empty(t.Shape).uniform_(-1, 1))).ToArray();
            foreach (var p in parameters)
            {
                p.grad = torch.empty_like(p).uniform_(-1e-2, 1e-2);
            }

            var groups = new[]
            {
                new AdamW.ParamGroup(parameters.Where((_, i) => decay[i]).ToArray(), new AdamW.Options { weight_decay = 0.1 }),
                new AdamW.ParamGroup(parameters.Where((_, i) => !decay[i]).ToArray(), new AdamW.Options { weight_decay = 0.0 }),
            }.Where(g => g.Parameters.Any()).ToArray();
            using var optimizer = torch.optim.AdamW(groups, lr: 1e-3, weight_decay: 0.1);
            for (var w = 0; w < warmup; w++)
            {
                optimizer.step();
            }

            var times = new double[iters];
            for (var k = 0; k < iters; k++)
            {
                var t0 = Stopwatch.GetTimestamp();
                optimizer.step();
                times[k] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }

            return Stats.Median(times);
        }
    }
}

using System;
using System.Linq;
using TorchSharp;
using WdGen.TorchSharp.Tests.Models;
using Xunit;

namespace WdGen.TorchSharp.Tests.Optimizers
{
    /// <summary>What a fused step costs the caller besides the update.</summary>
    public sealed class StepTests
    {
        [Theory]
        [InlineData("adamw", StateFormat.Float32, false)]
        [InlineData("sgd", StateFormat.Float32, false)]
        [InlineData("adamw", StateFormat.BFloat16, false)]
        [InlineData("adamw", StateFormat.Int8, false)]
        [InlineData("sgd", StateFormat.Int8, false)]
        [InlineData("adamw", StateFormat.Int8, true)]
        public void A_steady_fused_step_and_zero_grad_allocate_nothing_on_the_calling_thread(string algorithm, StateFormat state, bool bfloat16)
        {
            var model = new Wide();
            if (bfloat16)
            {
                model.to(torch.ScalarType.BFloat16);
            }

            var groups = model.GetDecayGroups();
            var optimizer = algorithm == "adamw"
                ? groups.ToFusedAdamW(0.01, 0.1, amsgrad: true, state: state)
                : (torch.optim.Optimizer)groups.ToFusedSgd(0.01, 0.1, momentum: 0.9, state: state);
            foreach (var entry in groups.Entries)
            {
                entry.Parameter.grad = torch.ones_like(entry.Parameter);
            }

            optimizer.step(); // the first step creates the on-demand state
            optimizer.step();
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10; i++)
            {
                optimizer.step();
                optimizer.zero_grad();
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            GC.KeepAlive(model);
        }
    }
}

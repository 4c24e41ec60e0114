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
        [InlineData("adamw")]
        [InlineData("sgd")]
        public void A_steady_fused_step_and_zero_grad_allocate_nothing_on_the_calling_thread(string algorithm)
        {
            var model = new Net(tie: true);
            var groups = model.GetDecayGroups();
            var optimizer = algorithm == "adamw" ? groups.ToFusedAdamW(0.01, 0.1, amsgrad: true) : (torch.optim.Optimizer)groups.ToFusedSgd(0.01, 0.1, momentum: 0.9);
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

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

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Copying_and_swapping_the_average_allocate_no_model_sized_arrays(bool bfloat16)
        {
            // The moving average goes through a float32 tensor on the optimizer's device: the managed heap sees the
            // tensors' wrappers, not their elements (it used to see one or two arrays of every parameter's size).
            var model = new Wide();
            var evaluation = new Wide();
            if (bfloat16)
            {
                model.to(torch.ScalarType.BFloat16);
            }

            var groups = model.GetDecayGroups();
            var optimizer = groups.ToFusedAdamW(0.01, 0.1, ema: 0.9);
            foreach (var entry in groups.Entries)
            {
                entry.Parameter.grad = torch.ones_like(entry.Parameter);
            }

            optimizer.step();
            optimizer.step();
            void Use()
            {
                optimizer.CopyEmaTo(evaluation);
                optimizer.CopyEmaTo();
                if (!bfloat16)
                {
                    optimizer.SwapEma();
                    optimizer.SwapEma();
                }
            }

            Use(); // first calls: TorchSharp's own one-time allocations
            var elementBytes = groups.Entries.Sum(e => e.Parameter.numel()) * sizeof(float);
            var before = GC.GetAllocatedBytesForCurrentThread();
            Use();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < elementBytes / 4, $"{allocated:N0} bytes allocated for {elementBytes:N0} bytes of parameters");
            GC.KeepAlive(model);
        }
    }
}

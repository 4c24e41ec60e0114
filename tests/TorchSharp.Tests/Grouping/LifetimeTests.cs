using System;
using System.Runtime.CompilerServices;
using TorchSharp;
using WdGen.TorchSharp.Tests.Models;
using Xunit;

namespace WdGen.TorchSharp.Tests.Grouping
{
    /// <summary>
    /// TorchSharp 0.107's LayerNorm disposes its parameters in its finalizer: an optimizer built from decay groups must
    /// keep training after the caller has dropped every reference to the model.
    /// </summary>
    public sealed class LifetimeTests
    {
        [Theory]
        [InlineData("fused")]
        [InlineData("torchsharp")]
        public void An_optimizer_keeps_training_after_the_model_itself_is_unreachable(string kind)
        {
            var (optimizer, parameters) = FromModelNobodyKeeps(kind);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            foreach (var parameter in parameters)
            {
                Assert.False(parameter.IsInvalid, "a parameter was disposed with its unreachable model");
                parameter.grad = torch.ones_like(parameter);
            }

            optimizer.step();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static (torch.optim.Optimizer Optimizer, global::TorchSharp.Modules.Parameter[] Parameters) FromModelNobodyKeeps(string kind)
        {
            var groups = new Net().GetDecayGroups();
            var parameters = System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(groups.Entries, e => e.Parameter));
            return (kind == "fused" ? groups.ToFusedAdamW(0.01, 0.1) : groups.ToAdamW(0.01, 0.1), parameters);
        }
    }
}

using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace WdGen.Samples
{
    /// <summary>
    /// Scalars that live as long as the process. TorchSharp 0.107's tensor operators turn a number, and <c>a + b</c>'s
    /// implicit alpha of 1, into a temporary Scalar that nothing references while libtorch runs: a garbage collection in
    /// between can free it as it is read (c10 then reports "Expected false to be true" from Scalar::toFloat; this
    /// project's CI met it in samples/Vision). The samples' forward passes pass Scalars held in fields instead.
    /// </summary>
    internal static class KeptScalars
    {
        public static readonly Scalar One = 1;

        /// <summary>
        /// TorchSharp's own <c>BatchNorm.forward</c> counts batches with <c>num_batches_tracked.add_(1)</c>: the same
        /// temporary Scalar, in library code (CI met it too, as Scalar::toLong in samples/Vision). With a momentum set
        /// (0.1 by default) the count changes nothing the module computes, so the samples drop the counter.
        /// </summary>
        public static void WithoutBatchCounters(torch.nn.Module model)
        {
            foreach (var module in model.modules().Prepend(model)) // modules() is the descendants only
            {
                if (module is BatchNorm norm && norm.momentum is not null)
                {
                    norm.num_batches_tracked = null;
                }
            }
        }
    }
}

using TorchSharp;

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
    }
}

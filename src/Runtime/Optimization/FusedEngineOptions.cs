using System;

namespace WdGen.Optimization
{
    /// <summary>How a fused optimizer runs (none of these change the numbers it produces).</summary>
    public sealed class FusedEngineOptions
    {
        /// <summary>The default chunk size in elements (64 Ki floats = 256 KiB per stream).</summary>
        public const int DefaultChunkElements = 65536;

        private int? _threadCount;

        /// <summary>
        /// Threads that process chunks, including the caller's; null means one per logical core for an engine made
        /// directly, and TorchSharp's <c>torch.get_num_threads()</c> for WdGen's TorchSharp optimizers (so the engine and
        /// libtorch agree on how many cores a training step uses). A step whose work fits one batch (a small model) runs
        /// on the calling thread alone whatever this says.
        /// </summary>
        public int? ThreadCount { get => _threadCount; init => _threadCount = value; }

        /// <summary>Elements per work-list chunk (a multiple of 8 not required; must be ≥ 1).</summary>
        public int ChunkElements { get; init; } = DefaultChunkElements;

        /// <summary>
        /// Scan every gradient for NaN/Inf before updating; when one is found the whole step is skipped (no state
        /// changes) and <see cref="FusedStepResult"/> names the offending parameters, as a grad scaler does.
        /// </summary>
        public bool CheckNonFinite { get; init; }

        /// <summary>These options, or a copy of them with <see cref="ThreadCount"/> = <paramref name="threads"/> when it is null.</summary>
        /// <param name="threads">The thread count to use when none is set.</param>
        /// <returns>This instance when <see cref="ThreadCount"/> is set, else a copy (this instance is never changed).</returns>
        internal FusedEngineOptions WithDefaultThreadCount(int threads)
        {
            if (_threadCount is not null)
            {
                return this;
            }

            var copy = (FusedEngineOptions)MemberwiseClone();
            copy._threadCount = Math.Max(1, threads);
            return copy;
        }
    }
}

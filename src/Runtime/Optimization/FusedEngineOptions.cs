namespace WdGen.Optimization
{
    /// <summary>How a fused optimizer runs (none of these change the numbers it produces).</summary>
    public sealed class FusedEngineOptions
    {
        /// <summary>The default chunk size in elements (64 Ki floats = 256 KiB per stream).</summary>
        public const int DefaultChunkElements = 65536;

        /// <summary>Threads that process chunks, including the caller's; null means one per logical core.</summary>
        public int? ThreadCount { get; init; }

        /// <summary>Elements per work-list chunk (a multiple of 8 not required; must be ≥ 1).</summary>
        public int ChunkElements { get; init; } = DefaultChunkElements;

        /// <summary>
        /// Scan every gradient for NaN/Inf before updating; when one is found the whole step is skipped (no state
        /// changes) and <see cref="FusedStepResult"/> names the offending parameters, as a grad scaler does.
        /// </summary>
        public bool CheckNonFinite { get; init; }
    }
}

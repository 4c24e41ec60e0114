namespace WdGen
{
    /// <summary>
    /// How a fused optimizer stores its per-parameter state (Adam's moments, SGD's momentum, Lion's exp_avg). The update
    /// itself always runs in float32: each chunk of state is decoded, updated and encoded again in one pass, so a smaller
    /// format moves fewer bytes per step at the price of rounding the state between steps.
    /// </summary>
    public enum StateFormat
    {
        /// <summary>4 bytes per element: the reference, bit-identical to PyTorch's update.</summary>
        Float32,

        /// <summary>2 bytes per element: bfloat16 (float32's range, 8 significant bits), rounded to nearest even.</summary>
        BFloat16,

        /// <summary>
        /// About 1 byte per element: block-wise quantized state (blocks of <see cref="Optimization.Formats.Int8Blocks.BlockSize"/>
        /// elements, one float32 scale each; each value a tiny float relative to its block's scale, with 3 significant
        /// bits over 16 binades for momenta and 32 for second moments). Tensors under
        /// <see cref="Optimization.Formats.Int8Blocks.MinimumElements"/> elements keep float32 state.
        /// </summary>
        Int8,
    }
}

namespace WdGen.Optimization.Engine
{
    /// <summary>How the parameters and gradients an engine updates are stored.</summary>
    internal enum ParameterStorage
    {
        /// <summary>float32 parameters and gradients, updated in place.</summary>
        Float32,

        /// <summary>
        /// bfloat16 parameters and gradients; the engine keeps a float32 master copy of every parameter (created from the
        /// bfloat16 values at its first update), updates the master and writes it back rounded to nearest even.
        /// </summary>
        BFloat16Master,

        /// <summary>bfloat16 parameters and gradients, updated in place with stochastic rounding (no master copy).</summary>
        BFloat16Stochastic,
    }
}

namespace WdGen.Optimization
{
    /// <summary>One parameter the engine optimizes.</summary>
    /// <param name="Name">A unique, stable name (state files are keyed by it).</param>
    /// <param name="GroupIndex">The index of the parameter's group in the optimizer's group list.</param>
    /// <param name="Length">The number of float elements.</param>
    /// <param name="DecayMask">
    /// Optional per-element multipliers of the weight decay (same length as the parameter; finite); null means 1
    /// everywhere. The engine copies it at construction.
    /// </param>
    public sealed record FusedParameterSpec(string Name, int GroupIndex, long Length, float[]? DecayMask = null);
}

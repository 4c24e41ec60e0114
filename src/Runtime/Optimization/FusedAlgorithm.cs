namespace WdGen.Optimization
{
    /// <summary>
    /// The update rule a fused optimizer applies; AdamW, Adam and Sgd match their <c>torch.optim</c> namesakes, Lion the
    /// paper's algorithm (PyTorch has none).
    /// </summary>
    public enum FusedAlgorithm
    {
        /// <summary>Adam with decoupled weight decay: <c>p ← p·(1 − lr·wd·mask)</c>, then the Adam update.</summary>
        AdamW,

        /// <summary>Adam with L2 weight decay folded into the gradient: <c>g ← g + wd·mask·p</c>.</summary>
        Adam,

        /// <summary>Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay.</summary>
        Sgd,

        /// <summary>
        /// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), with decoupled weight decay:
        /// <c>c = β1·m + (1−β1)·g;  p ← p·(1 − lr·wd·mask) − lr·sign(c);  m ← β2·m + (1−β2)·g</c>. One state,
        /// <c>exp_avg</c>: 12 bytes per parameter with float32 state.
        /// </summary>
        Lion,
    }
}

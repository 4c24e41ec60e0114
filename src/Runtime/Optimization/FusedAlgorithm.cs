namespace WdGen.Optimization
{
    /// <summary>The update rule a fused optimizer applies; each matches its <c>torch.optim</c> namesake.</summary>
    public enum FusedAlgorithm
    {
        /// <summary>Adam with decoupled weight decay: <c>p ← p·(1 − lr·wd·mask)</c>, then the Adam update.</summary>
        AdamW,

        /// <summary>Adam with L2 weight decay folded into the gradient: <c>g ← g + wd·mask·p</c>.</summary>
        Adam,

        /// <summary>Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay.</summary>
        Sgd,
    }
}

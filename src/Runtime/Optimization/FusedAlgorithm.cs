namespace WdGen.Optimization
{
    /// <summary>The update rule a <see cref="FusedOptimizer"/> applies; each matches its <c>torch.optim</c> namesake.</summary>
    public enum FusedAlgorithm
    {
        /// <summary>Adam with decoupled weight decay: <c>p ← p·(1 − lr·wd·mask)</c>, then the Adam update.</summary>
        AdamW,

        /// <summary>Adam with L2 weight decay folded into the gradient: <c>g ← g + wd·mask·p</c>.</summary>
        Adam,

        /// <summary>Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay.</summary>
        Sgd,
    }

    /// <summary>A per-parameter state buffer the engine owns.</summary>
    public enum FusedStateKind
    {
        /// <summary>Adam's first moment (<c>exp_avg</c>).</summary>
        ExpAvg,

        /// <summary>Adam's second moment (<c>exp_avg_sq</c>).</summary>
        ExpAvgSq,

        /// <summary>The running maximum of the second moment (<c>max_exp_avg_sq</c>, amsgrad only).</summary>
        MaxExpAvgSq,

        /// <summary>SGD's momentum buffer (<c>momentum_buffer</c>).</summary>
        MomentumBuffer,
    }
}

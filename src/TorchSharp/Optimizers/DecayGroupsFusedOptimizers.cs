using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.Optimization;

namespace WdGen
{
    /// <summary>
    /// WdGen's fused optimizers over decay groups: one pass over all parameters per step, PyTorch's update rules,
    /// optional per-element decay masks, and name-keyed state files. Contiguous float32 tensors, all on the CPU (the
    /// multi-threaded CPU engine) or all on one CUDA device (the CUDA engine, picked from the tensors' device).
    /// </summary>
    public static class DecayGroupsFusedOptimizers
    {
        /// <summary>
        /// A fused AdamW (decoupled decay: <c>p ← p·(1 − lr·wd·mask)</c>, then the Adam update) over <paramref name="groups"/>;
        /// decaying parameters get <paramref name="weightDecay"/> times their scale. <paramref name="decayMasks"/> (by
        /// parameter name, same shape, float32) weight the decay of each element.
        /// </summary>
        public static FusedTorchSharpOptimizer ToFusedAdamW(
            this DecayGroups<Parameter> groups,
            double lr,
            double weightDecay,
            double beta1 = 0.9,
            double beta2 = 0.999,
            double eps = 1e-8,
            bool amsgrad = false,
            bool maximize = false,
            IReadOnlyDictionary<string, torch.Tensor>? decayMasks = null,
            FusedEngineOptions? engineOptions = null)
            => new(groups, FusedAlgorithm.AdamW, weightDecay, Adaptive(lr, beta1, beta2, eps, amsgrad, maximize), decayMasks, engineOptions);

        /// <summary>A fused Adam (L2: <c>g ← g + wd·mask·p</c>, then the Adam update) over <paramref name="groups"/>.</summary>
        public static FusedTorchSharpOptimizer ToFusedAdam(
            this DecayGroups<Parameter> groups,
            double lr,
            double weightDecay,
            double beta1 = 0.9,
            double beta2 = 0.999,
            double eps = 1e-8,
            bool amsgrad = false,
            bool maximize = false,
            IReadOnlyDictionary<string, torch.Tensor>? decayMasks = null,
            FusedEngineOptions? engineOptions = null)
            => new(groups, FusedAlgorithm.Adam, weightDecay, Adaptive(lr, beta1, beta2, eps, amsgrad, maximize), decayMasks, engineOptions);

        /// <summary>A fused SGD (momentum, dampening, Nesterov, L2 weight decay) over <paramref name="groups"/>.</summary>
        public static FusedTorchSharpOptimizer ToFusedSgd(
            this DecayGroups<Parameter> groups,
            double learningRate,
            double weightDecay,
            double momentum = 0,
            double dampening = 0,
            bool nesterov = false,
            bool maximize = false,
            IReadOnlyDictionary<string, torch.Tensor>? decayMasks = null,
            FusedEngineOptions? engineOptions = null)
            => new(
                groups,
                FusedAlgorithm.Sgd,
                weightDecay,
                new FusedGroupOptions { LearningRate = learningRate, Momentum = momentum, Dampening = dampening, Nesterov = nesterov, Maximize = maximize },
                decayMasks,
                engineOptions);

        private static FusedGroupOptions Adaptive(double lr, double beta1, double beta2, double eps, bool amsgrad, bool maximize)
            => new() { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, Amsgrad = amsgrad, Maximize = maximize };
    }
}

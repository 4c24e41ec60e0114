using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.Optimization;

namespace WdGen
{
    /// <summary>
    /// WdGen's fused optimizers over decay groups: one pass over all parameters per step, PyTorch's update rules,
    /// optional per-element decay masks, and name-keyed state files. Contiguous float32 or bfloat16 tensors, all on the CPU (the
    /// multi-threaded CPU engine) or all on one CUDA device (the CUDA engine, picked from the tensors' device).
    /// Each scaled group trains at the learning rate times its learning-rate scale (<c>[LearningRate]</c>,
    /// <c>ScaleLearningRate</c>, <c>WithLayerwiseDecay</c>), which is also its param group's initial learning rate.
    /// <c>state</c> picks how the optimizer state is stored (<see cref="StateFormat"/>: float32, bfloat16 or block-wise int8).
    /// A bfloat16 model trains too: with <c>masterWeights</c> true (the default for bfloat16) the optimizer keeps a float32
    /// master copy of every parameter and writes it back rounded to nearest even after each step; with false it updates
    /// the bfloat16 parameters in place with stochastic rounding, keeping no copy.
    /// Every one of them also takes the training-loop options: <c>maxGradNorm</c> clips inside the step (the total L2
    /// norm over the groups' tensors, each once, computed in a first pass, then the update reads every gradient times
    /// <c>min(1, maxGradNorm / (norm + 1e-6))</c>, as <c>clip_grad_norm_</c>; see
    /// <see cref="FusedTorchSharpOptimizer.LastGradNorm"/>); <c>schedule</c> multiplies every group's learning rate by a
    /// <see cref="LearningRateSchedule"/>'s factor for the optimizer's step counter, which the state files save; <c>ema</c>
    /// keeps a moving average of the weights updated in the same pass (<see cref="FusedTorchSharpOptimizer.SwapEma"/>,
    /// <see cref="FusedTorchSharpOptimizer.CopyEmaTo()"/>), saved with the state.
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
            FusedEngineOptions? engineOptions = null,
            StateFormat state = StateFormat.Float32,
            bool? masterWeights = null,
            double? maxGradNorm = null,
            LearningRateSchedule? schedule = null,
            double? ema = null)
            => new(groups, FusedAlgorithm.AdamW, weightDecay, Adaptive(lr, beta1, beta2, eps, amsgrad, maximize), decayMasks, engineOptions, new FusedSettings(state, masterWeights, maxGradNorm, schedule, ema));

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
            FusedEngineOptions? engineOptions = null,
            StateFormat state = StateFormat.Float32,
            bool? masterWeights = null,
            double? maxGradNorm = null,
            LearningRateSchedule? schedule = null,
            double? ema = null)
            => new(groups, FusedAlgorithm.Adam, weightDecay, Adaptive(lr, beta1, beta2, eps, amsgrad, maximize), decayMasks, engineOptions, new FusedSettings(state, masterWeights, maxGradNorm, schedule, ema));

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
            FusedEngineOptions? engineOptions = null,
            StateFormat state = StateFormat.Float32,
            bool? masterWeights = null,
            double? maxGradNorm = null,
            LearningRateSchedule? schedule = null,
            double? ema = null)
            => new(
                groups,
                FusedAlgorithm.Sgd,
                weightDecay,
                new FusedGroupOptions { LearningRate = learningRate, Momentum = momentum, Dampening = dampening, Nesterov = nesterov, Maximize = maximize },
                decayMasks,
                engineOptions,
                new FusedSettings(state, masterWeights, maxGradNorm, schedule, ema));

        /// <summary>
        /// A fused Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", with decoupled decay:
        /// <c>c = β1·m + (1−β1)·g;  p ← p·(1 − lr·wd·mask) − lr·sign(c);  m ← β2·m + (1−β2)·g</c>) over
        /// <paramref name="groups"/>; decaying parameters get <paramref name="weightDecay"/> times their scale. One moment
        /// (state <c>exp_avg</c>), 12 bytes per parameter with float32 state. Lion's steps have the size of the learning
        /// rate in every coordinate: the paper uses a learning rate 3–10× smaller and a weight decay 3–10× larger than AdamW's.
        /// </summary>
        public static FusedTorchSharpOptimizer ToFusedLion(
            this DecayGroups<Parameter> groups,
            double lr,
            double weightDecay,
            double beta1 = 0.9,
            double beta2 = 0.99,
            bool maximize = false,
            IReadOnlyDictionary<string, torch.Tensor>? decayMasks = null,
            FusedEngineOptions? engineOptions = null,
            StateFormat state = StateFormat.Float32,
            bool? masterWeights = null,
            double? maxGradNorm = null,
            LearningRateSchedule? schedule = null,
            double? ema = null)
            => new(
                groups,
                FusedAlgorithm.Lion,
                weightDecay,
                new FusedGroupOptions { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Maximize = maximize },
                decayMasks,
                engineOptions,
                new FusedSettings(state, masterWeights, maxGradNorm, schedule, ema));

        private static FusedGroupOptions Adaptive(double lr, double beta1, double beta2, double eps, bool amsgrad, bool maximize)
            => new() { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, Amsgrad = amsgrad, Maximize = maximize };
    }
}

using WdGen.Optimization.Engine;

namespace WdGen
{
    /// <summary>
    /// What a fused optimizer's factory methods pass on besides the update rule's hyper-parameters: the numerics of the
    /// state and of the parameters, and the training-loop options (clipping, schedule, moving average). One record, so a
    /// new setting touches the factories and the constructor only.
    /// </summary>
    internal sealed record FusedSettings(StateFormat State, bool? MasterWeights, double? MaxGradNorm, LearningRateSchedule? Schedule, double? Ema)
    {
        /// <summary>The engine's parameter storage for parameters of <paramref name="type"/>, or why it cannot be had.</summary>
        public ParameterStorage StorageFor(TorchSharp.torch.ScalarType type)
        {
            if (type == TorchSharp.torch.ScalarType.BFloat16)
            {
                return MasterWeights == false ? ParameterStorage.BFloat16Stochastic : ParameterStorage.BFloat16Master;
            }

            if (MasterWeights == false)
            {
                throw new System.ArgumentException(
                    "masterWeights: false updates bfloat16 parameters in place with stochastic rounding; these parameters are float32, which are their own master weights. Leave masterWeights unset.",
                    "masterWeights");
            }

            return ParameterStorage.Float32;
        }
    }
}

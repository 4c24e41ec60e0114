using System;

namespace WdGen
{
    /// <summary>
    /// Every parameter under this member trains at <see cref="Scale"/> times the optimizer group's learning rate,
    /// whatever its decay: <c>[LearningRate(0.1)]</c> on a pretrained backbone fine-tunes it ten times slower. The
    /// decay attributes (<see cref="DecayAttribute"/>, <see cref="NoDecayAttribute"/>) still decide its weight decay;
    /// the groups split by (decay scale, learning-rate scale). Nested attributes multiply: <c>[LearningRate(0.5)]</c>
    /// on a member inside one marked <c>[LearningRate(0.1)]</c> trains at 0.05 times the learning rate.
    /// </summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
    public sealed class LearningRateAttribute : Attribute
    {
        /// <summary>Train at <paramref name="scale"/> times the group's learning rate (positive and finite).</summary>
        public LearningRateAttribute(double scale)
        {
            Scale = scale;
        }

        /// <summary>The multiplier on the optimizer group's learning rate.</summary>
        public double Scale { get; }
    }
}

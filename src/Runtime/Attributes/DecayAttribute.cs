using System;

namespace WdGen
{
    /// <summary>
    /// Everything under this member decays, at <see cref="Scale"/> times the optimizer group's weight decay.
    /// Biases stay out unless <see cref="IncludeBiases"/> is set.
    /// </summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
    public sealed class DecayAttribute : Attribute
    {
        /// <summary>Decay at the group's full weight decay.</summary>
        public DecayAttribute()
            : this(1.0)
        {
        }

        /// <summary>Decay at <paramref name="scale"/> times the group's weight decay (positive and finite).</summary>
        public DecayAttribute(double scale)
        {
            Scale = scale;
        }

        /// <summary>The multiplier on the optimizer group's weight decay.</summary>
        public double Scale { get; }

        /// <summary>Whether biases under this member decay too (default <see langword="false"/>).</summary>
        public bool IncludeBiases { get; set; }
    }
}

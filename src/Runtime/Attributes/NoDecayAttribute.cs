using System;

namespace WdGen
{
    /// <summary>Nothing under this member decays, whatever its layers are.</summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
    public sealed class NoDecayAttribute : Attribute
    {
    }
}

using System;

namespace WdGen
{
    /// <summary>
    /// Asks the WdGen generator to emit <c>DecayPlan</c> and <c>GetDecayGroups()</c> on this partial
    /// TorchSharp module. Optional when any member of the class carries a WdGen attribute.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class DecayGroupsAttribute : Attribute
    {
    }
}

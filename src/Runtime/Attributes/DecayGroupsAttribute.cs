using System;

namespace WdGen
{
    /// <summary>
    /// Asks the WdGen generator to record this partial TorchSharp module's member order and walk, which
    /// <c>model.GetDecayGroups()</c> and <c>DecayPlan.Of&lt;TModel&gt;()</c> use. Optional when any member of the
    /// class carries a WdGen attribute.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class DecayGroupsAttribute : Attribute
    {
    }
}

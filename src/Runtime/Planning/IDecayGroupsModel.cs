using System.ComponentModel;

namespace WdGen
{
    /// <summary>
    /// Added by the generated code of every <c>[DecayGroups]</c> model, next to its <see cref="WalkOrderAttribute"/>:
    /// it marks the classes that <c>GetDecayGroups()</c> accepts and that a parent model walks by their own plan. It
    /// has no members on purpose: the compiler binds the generated code of every model on every build, and a method
    /// per model cost more than the rest of WdGen's generated code together. The walk reads the members' values
    /// through the fields of the model's <see cref="DecayPlan"/>, in the order the generator recorded.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public interface IDecayGroupsModel
    {
    }
}

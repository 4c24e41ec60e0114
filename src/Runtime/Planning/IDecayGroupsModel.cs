using System.ComponentModel;

namespace WdGen
{
    /// <summary>
    /// Implemented by the generated code of every <c>[DecayGroups]</c> model, so that a walk reaches a model's members
    /// (private ones too) through generated code and a parent model walks a nested one through its own. The order and
    /// the rules live in the model's <see cref="DecayPlan"/>; this only reads the values.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public interface IDecayGroupsModel
    {
        /// <summary>
        /// The values of the members that the implementing class declares, in its <see cref="WalkOrderAttribute"/>
        /// order. A derived model implements the interface again, for its own members; its base classes' members are
        /// read from their fields (see <see cref="DecayPlan.OfModel"/>).
        /// </summary>
        object?[] ReadMembers();
    }
}

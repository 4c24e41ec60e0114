using System;
using System.ComponentModel;

namespace WdGen
{
    /// <summary>
    /// Written by the WdGen generator on each model it extends: the model's own fields and auto-properties that can
    /// hold a module or a parameter, in declaration order (partial declarations ordered by file path). The run-time
    /// walk and <see cref="DecayPlan.Of"/> read it, so that the order never depends on reflection; a base class
    /// without it is read in metadata order. Not meant to be written by hand.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class WalkOrderAttribute : Attribute
    {
        /// <summary>
        /// Records <paramref name="members"/>, C# member names separated by single spaces (a name cannot contain one), as
        /// the model's walk order. One string rather than a <c>params</c> array: the compiler binds this attribute on
        /// every model in every build, and one constant costs it less than a list of them.
        /// </summary>
        public WalkOrderAttribute(string members)
        {
            Members = string.IsNullOrEmpty(members) ? Array.Empty<string>() : members.Split(' ');
        }

        /// <summary>The member names, in walk order.</summary>
        public string[] Members { get; }
    }
}

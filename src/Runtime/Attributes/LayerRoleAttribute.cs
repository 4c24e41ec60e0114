using System;

namespace WdGen
{
    /// <summary>
    /// Gives every parameter of a custom layer (and of the modules inside it) a role, wherever the layer is
    /// used: <c>[LayerRole(ParameterRole.Norm)]</c> on an RMSNorm keeps its weight out of weight decay.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = true)]
    public sealed class LayerRoleAttribute : Attribute
    {
        /// <summary>Assigns <paramref name="role"/> to the layer's parameters.</summary>
        public LayerRoleAttribute(ParameterRole role)
        {
            Role = role;
        }

        /// <summary>The role the layer's parameters take.</summary>
        public ParameterRole Role { get; }
    }
}

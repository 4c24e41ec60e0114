using System;

namespace WdGen
{
    /// <summary>Type names as people read them in plans, tables and errors.</summary>
    internal static class TypeNames
    {
        /// <summary><c>ModuleList`1</c> → <c>ModuleList</c>; nested types keep only their own name.</summary>
        public static string Display(Type type)
        {
            var name = type.Name;
            var tick = name.IndexOf('`');
            return tick < 0 ? name : name.Substring(0, tick);
        }

        /// <summary>The key of <see cref="TorchSharpLayers"/>: namespace and name, generic arity kept.</summary>
        public static string Metadata(Type type)
            => type.DeclaringType is { } outer ? Metadata(outer) + "+" + type.Name : type.Namespace + "." + type.Name;
    }
}

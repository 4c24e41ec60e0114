using System;

namespace WdGen
{
    /// <summary>Type names as people read them in plans, tables and errors.</summary>
    internal static class TypeNames
    {
        /// <summary><c>ModuleList`1</c> → <c>ModuleList</c>; nested types keep only their own name.</summary>
        public static string Display(Type type) => Display(type.Name);

        /// <summary>The simple name in a metadata name: <c>TorchSharp.Modules.ModuleList`1</c> → <c>ModuleList</c>.</summary>
        public static string Display(string metadataName)
        {
            var tick = metadataName.IndexOf('`');
            var name = tick < 0 ? metadataName : metadataName.Substring(0, tick);
            return name.Substring(Math.Max(name.LastIndexOf('.'), name.LastIndexOf('+')) + 1);
        }

        /// <summary>The key of <see cref="TorchSharpLayers"/>: namespace and name, generic arity kept.</summary>
        public static string Metadata(Type type)
            => type.DeclaringType is { } outer ? Metadata(outer) + "+" + type.Name : type.Namespace + "." + type.Name;
    }
}

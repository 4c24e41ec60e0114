// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;

namespace TorchSharp.Utils
{
    /// <summary>Overrides the name under which a module field is registered (TorchSharp 0.101.1 and later).</summary>
    public class ComponentNameAttribute : Attribute
    {
        public string Name { get; set; }
    }
}

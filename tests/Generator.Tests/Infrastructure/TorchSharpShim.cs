using System;
using System.Runtime.InteropServices;

namespace WdGen.Generator.Tests.Infrastructure
{
    /// <summary>The fixture's LibTorchSharp shim, for tests that write tensor data directly.</summary>
    internal static class TorchSharpShim
    {
        [DllImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
        public static extern IntPtr Data(IntPtr tensor);
    }
}

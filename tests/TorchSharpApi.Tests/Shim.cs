using System;
using System.Runtime.InteropServices;

namespace TorchSharpApi.Tests
{
    /// <summary>The shim's exports, declared as generated code declares LibTorchSharp's.</summary>
    internal static class Shim
    {
        [DllImport("LibTorchSharp")]
        internal static extern IntPtr THSTensor_data(IntPtr handle);

        [DllImport("LibTorchSharp")]
        internal static extern IntPtr THSTensor_grad(IntPtr handle);

        [DllImport("LibTorchSharp")]
        internal static extern long THSTensor_numel(IntPtr handle);

        [DllImport("LibTorchSharp")]
        internal static extern long THSTensor_element_size(IntPtr handle);

        [DllImport("LibTorchSharp")]
        internal static extern sbyte THSTensor_type(IntPtr handle);

        [DllImport("LibTorchSharp")]
        internal static extern int THSTensor_device_type(IntPtr handle);

        [DllImport("LibTorchSharp")]
        internal static extern int THSTensor_is_contiguous(IntPtr handle);

        [DllImport("LibTorchSharp")]
        internal static extern void THSTensor_dispose(IntPtr handle);
    }
}

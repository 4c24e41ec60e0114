using System;
using System.Runtime.InteropServices;
using TorchSharp;

namespace WdGen.Native
{
    /// <summary>
    /// The LibTorchSharp exports the fused step reads on every step, declared exactly as LibTorchSharp's
    /// <c>THSTensor.h</c> declares them (TorchSharp 0.107). TorchSharp's public API gives the same facts, but its
    /// <c>Tensor.grad</c> allocates a wrapper per read; a step reads every gradient, and allocates nothing.
    /// Everything read once (identity, construction-time checks) goes through TorchSharp's public API instead.
    /// </summary>
    internal static unsafe class LibTorchSharp
    {
        // void* THSTensor_data(const Tensor)
        private static readonly delegate* unmanaged<IntPtr, IntPtr> DataExport = (delegate* unmanaged<IntPtr, IntPtr>)Export("THSTensor_data");

        // Tensor THSTensor_grad(const Tensor): a new handle, or null
        private static readonly delegate* unmanaged<IntPtr, IntPtr> GradExport = (delegate* unmanaged<IntPtr, IntPtr>)Export("THSTensor_grad");

        // int64_t THSTensor_numel(const Tensor)
        private static readonly delegate* unmanaged<IntPtr, long> NumelExport = (delegate* unmanaged<IntPtr, long>)Export("THSTensor_numel");

        // int8_t THSTensor_type(const Tensor)
        private static readonly delegate* unmanaged<IntPtr, sbyte> TypeExport = (delegate* unmanaged<IntPtr, sbyte>)Export("THSTensor_type");

        // int32_t THSTensor_device_type(const Tensor)
        private static readonly delegate* unmanaged<IntPtr, int> DeviceTypeExport = (delegate* unmanaged<IntPtr, int>)Export("THSTensor_device_type");

        // int32_t THSTensor_device_index(const Tensor)
        private static readonly delegate* unmanaged<IntPtr, int> DeviceIndexExport = (delegate* unmanaged<IntPtr, int>)Export("THSTensor_device_index");

        // bool THSTensor_is_contiguous(const Tensor): a one-byte C++ bool; the upper bytes of the return register are
        // not part of it (read as an int they are garbage: 257 for true, 256 for false were seen).
        private static readonly delegate* unmanaged<IntPtr, byte> IsContiguousExport = (delegate* unmanaged<IntPtr, byte>)Export("THSTensor_is_contiguous");

        // void THSTensor_dispose(const Tensor)
        private static readonly delegate* unmanaged<IntPtr, void> DisposeExport = (delegate* unmanaged<IntPtr, void>)Export("THSTensor_dispose");

        /// <summary>The address of the tensor's first element (its storage offset included).</summary>
        public static IntPtr Data(IntPtr tensor) => DataExport(tensor);

        /// <summary>A new handle for the tensor's gradient (the caller disposes it), or zero when it has none.</summary>
        public static IntPtr Grad(IntPtr tensor) => GradExport(tensor);

        public static long ElementCount(IntPtr tensor) => NumelExport(tensor);

        public static torch.ScalarType ElementType(IntPtr tensor) => (torch.ScalarType)TypeExport(tensor);

        public static DeviceType DeviceType(IntPtr tensor) => (DeviceType)DeviceTypeExport(tensor);

        public static int DeviceIndex(IntPtr tensor) => DeviceIndexExport(tensor);

        public static bool IsContiguous(IntPtr tensor) => IsContiguousExport(tensor) != 0;

        public static void Dispose(IntPtr tensor) => DisposeExport(tensor);

        private static IntPtr Export(string name)
        {
            // TorchSharp has loaded LibTorchSharp by the time a tensor exists; resolving it the way TorchSharp's own
            // assembly does finds the same library (next to TorchSharp.dll or in its runtimes/ folder).
            var torchSharp = typeof(torch).Assembly;
            if (!NativeLibrary.TryLoad("LibTorchSharp", torchSharp, null, out var library))
            {
                throw new DllNotFoundException(
                    "WdGen could not load LibTorchSharp the way TorchSharp (" + torchSharp.Location + ") does. "
                    + "Reference a libtorch package (TorchSharp-cpu, or libtorch-cpu-<platform>) so its native libraries are deployed.");
            }

            return NativeLibrary.TryGetExport(library, name, out var address)
                ? address
                : throw new EntryPointNotFoundException(
                    "The loaded LibTorchSharp has no export '" + name + "'. WdGen " + typeof(LibTorchSharp).Assembly.GetName().Version
                    + " is built for TorchSharp " + TensorFacts.TorchSharpVersion + "; use that version or a later one.");
        }
    }
}

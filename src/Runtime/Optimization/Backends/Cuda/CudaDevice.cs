using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization.Cuda;

namespace WdGen.Optimization.Backends.Cuda
{
    /// <summary>
    /// What the CUDA backend needs from a device: memory, copies and kernel launches. The driver implements it
    /// (<see cref="CudaDriverDevice"/>); the test suite implements it with host memory and the same kernel source
    /// compiled for the CPU, so every line of the engine above this interface is exercised without a GPU.
    /// </summary>
    internal unsafe interface ICudaDevice : IDisposable
    {
        string Name { get; }

        /// <summary>Allocates zeroed device memory (at least 256-byte aligned).</summary>
        ulong Allocate(long bytes);

        void Free(ulong pointer);

        void Upload(ulong destination, void* source, long bytes);

        void Download(void* destination, ulong source, long bytes);

        /// <summary>Copies between two device buffers.</summary>
        void Copy(ulong destination, ulong source, long bytes);

        void Zero(ulong destination, long bytes);

        /// <summary>Launches an algorithm's step kernel; <paramref name="table"/> is its coefficient table, passed by value.</summary>
        void LaunchStep(string kernel, int blocks, int threads, ulong tensors, ulong blockTable, void* table, int tableBytes, int chunkSize);

        void LaunchNonFinite(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong found);

        /// <summary>
        /// Clipping's norm: <c>wdgen_sum_squares</c> (one block per entry of <paramref name="blockTable"/>, each thread's
        /// lane sum into <paramref name="partials"/>), then <c>wdgen_sum_lanes</c> (each chunk's lanes, in order, into
        /// <paramref name="sums"/>[block]).
        /// </summary>
        void LaunchSumOfSquares(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong partials, ulong sums);

        /// <summary>Waits for all launched work (copies to the host already wait).</summary>
        void Synchronize();
    }

    /// <summary>
    /// A CUDA device through the driver API: the device's primary context (the one libtorch uses) is retained and
    /// pushed around every call; the kernel is compiled by NVRTC for the device's compute capability (cached on disk)
    /// and launched on the legacy default stream.
    /// </summary>
    internal sealed unsafe class CudaDriverDevice : ICudaDevice
    {
        private static readonly Lazy<CudaDriverApi> SharedDriver = new(() => CudaDriverApi.Load());
        private static readonly Lazy<NvrtcApi> SharedNvrtc = new(() => NvrtcApi.Load());
        private readonly CudaDriverApi _cu;
        private readonly int _device;
        private readonly Dictionary<string, IntPtr> _functions = new(StringComparer.Ordinal);
        private IntPtr _context;
        private IntPtr _module;

        public CudaDriverDevice(int ordinal)
        {
            _cu = SharedDriver.Value;
            var result = _cu.cuInit(0);
            if (result == CudaDriverApi.ErrorNoDevice)
            {
                throw new CudaUnavailableException("The NVIDIA driver is installed but reports no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE).");
            }

            _cu.Check(result, "cuInit");
            int count;
            _cu.Check(_cu.cuDeviceGetCount(&count), "cuDeviceGetCount");
            if (ordinal < 0 || ordinal >= count)
            {
                throw new CudaUnavailableException($"CUDA device {ordinal} does not exist; the driver reports {count} device(s).");
            }

            int device, major, minor;
            _cu.Check(_cu.cuDeviceGet(&device, ordinal), "cuDeviceGet");
            _device = device;
            _cu.Check(_cu.cuDeviceGetAttribute(&major, CudaDriverApi.ComputeCapabilityMajor, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
            _cu.Check(_cu.cuDeviceGetAttribute(&minor, CudaDriverApi.ComputeCapabilityMinor, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
            var name = stackalloc byte[256];
            _cu.Check(_cu.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
            Name = $"{Marshal.PtrToStringUTF8((IntPtr)name)} (sm_{major}{minor})";
            ComputeCapability = major * 10 + minor;
            IntPtr context;
            _cu.Check(_cu.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
            _context = context;
            try
            {
                var ptx = CompilePtx(ComputeCapability);
                using (Enter())
                {
                    var bytes = Encoding.UTF8.GetBytes(ptx + "\0");
                    IntPtr module;
                    fixed (byte* image = bytes)
                    {
                        _cu.Check(_cu.cuModuleLoadData(&module, image), "cuModuleLoadData");
                    }

                    _module = module;

                    // Every entry point now, so a module without one fails here rather than at a step.
                    Function(CudaKernelSource.NonFiniteKernel);
                    foreach (var algorithm in OptimizerAlgorithm.All)
                    {
                        Function(algorithm.CudaKernel);
                    }
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public string Name { get; }

        /// <summary>major*10 + minor.</summary>
        public int ComputeCapability { get; }

        /// <summary>Whether the driver loads and reports at least one device; otherwise why not.</summary>
        public static string? Unavailable()
        {
            try
            {
                var cu = SharedDriver.Value;
                var result = cu.cuInit(0);
                if (result != 0)
                {
                    return $"cuInit returned CUDA error {result}" + (result == CudaDriverApi.ErrorNoDevice ? " (no CUDA device)" : string.Empty);
                }

                int count;
                cu.Check(cu.cuDeviceGetCount(&count), "cuDeviceGetCount");
                return count > 0 ? null : "the NVIDIA driver reports no CUDA device";
            }
            catch (Exception e) when (e is CudaUnavailableException or CudaException)
            {
                return e.Message;
            }
        }

        public ulong Allocate(long bytes)
        {
            using var scope = Enter();
            ulong pointer;
            _cu.Check(_cu.cuMemAlloc(&pointer, (nuint)Math.Max(16, bytes)), $"cuMemAlloc({bytes} bytes)");
            _cu.Check(_cu.cuMemsetD8(pointer, 0, (nuint)Math.Max(16, bytes)), "cuMemsetD8");
            return pointer;
        }

        public void Free(ulong pointer)
        {
            if (pointer == 0)
            {
                return;
            }

            using var scope = Enter();
            _cu.Check(_cu.cuMemFree(pointer), "cuMemFree");
        }

        public void Upload(ulong destination, void* source, long bytes)
        {
            if (bytes <= 0)
            {
                return;
            }

            using var scope = Enter();
            _cu.Check(_cu.cuMemcpyHtoD(destination, source, (nuint)bytes), "cuMemcpyHtoD");
        }

        public void Download(void* destination, ulong source, long bytes)
        {
            if (bytes <= 0)
            {
                return;
            }

            using var scope = Enter();
            _cu.Check(_cu.cuMemcpyDtoH(destination, source, (nuint)bytes), "cuMemcpyDtoH");
        }

        /// <summary>A device-to-device copy, on the same stream as the steps (the moving average's copies and swaps; the benchmark's bandwidth reference).</summary>
        public void Copy(ulong destination, ulong source, long bytes)
        {
            if (bytes <= 0)
            {
                return;
            }

            using var scope = Enter();
            _cu.Check(_cu.cuMemcpyDtoD(destination, source, (nuint)bytes), "cuMemcpyDtoD");
        }

        public void Zero(ulong destination, long bytes)
        {
            if (bytes <= 0)
            {
                return;
            }

            using var scope = Enter();
            _cu.Check(_cu.cuMemsetD8(destination, 0, (nuint)bytes), "cuMemsetD8");
        }

        public void LaunchStep(string kernel, int blocks, int threads, ulong tensors, ulong blockTable, void* table, int tableBytes, int chunkSize)
        {
            // The coefficient table is a by-value struct parameter: the driver copies tableBytes from the pointer.
            var t = tensors;
            var b = blockTable;
            var chunk = chunkSize;
            var args = stackalloc void*[] { &t, &b, table, &chunk };
            using var scope = Enter();
            _cu.Check(_cu.cuLaunchKernel(Function(kernel), (uint)blocks, 1, 1, (uint)threads, 1, 1, 0, IntPtr.Zero, args, null), "cuLaunchKernel(" + kernel + ")");
        }

        public void LaunchNonFinite(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong found)
        {
            var t = tensors;
            var b = blockTable;
            var chunk = chunkSize;
            var f = found;
            var args = stackalloc void*[] { &t, &b, &chunk, &f };
            using var scope = Enter();
            _cu.Check(_cu.cuLaunchKernel(Function(CudaKernelSource.NonFiniteKernel), (uint)blocks, 1, 1, (uint)threads, 1, 1, 0, IntPtr.Zero, args, null), "cuLaunchKernel(" + CudaKernelSource.NonFiniteKernel + ")");
        }

        public void LaunchSumOfSquares(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong partials, ulong sums)
        {
            var t = tensors;
            var b = blockTable;
            var chunk = chunkSize;
            var p = partials;
            var count = blocks;
            var lanes = threads;
            var s = sums;
            var first = stackalloc void*[] { &t, &b, &chunk, &p };
            var second = stackalloc void*[] { &p, &count, &lanes, &s };
            using var scope = Enter();
            _cu.Check(_cu.cuLaunchKernel(Function(CudaKernelSource.SumSquaresKernel), (uint)blocks, 1, 1, (uint)threads, 1, 1, 0, IntPtr.Zero, first, null), "cuLaunchKernel(" + CudaKernelSource.SumSquaresKernel + ")");
            _cu.Check(_cu.cuLaunchKernel(Function(CudaKernelSource.SumLanesKernel), (uint)((blocks + threads - 1) / threads), 1, 1, (uint)threads, 1, 1, 0, IntPtr.Zero, second, null), "cuLaunchKernel(" + CudaKernelSource.SumLanesKernel + ")");
        }

        /// <summary>A kernel of the module by entry point, looked up once (call with the context current).</summary>
        private IntPtr Function(string name)
        {
            if (!_functions.TryGetValue(name, out var function))
            {
                var bytes = Encoding.ASCII.GetBytes(name + "\0");
                fixed (byte* n = bytes)
                {
                    _cu.Check(_cu.cuModuleGetFunction(&function, _module, n), "cuModuleGetFunction(" + name + ")");
                }

                _functions.Add(name, function);
            }

            return function;
        }

        public void Synchronize()
        {
            using var scope = Enter();
            _cu.Check(_cu.cuCtxSynchronize(), "cuCtxSynchronize");
        }

        public void Dispose()
        {
            if (_context == IntPtr.Zero)
            {
                return;
            }

            if (_module != IntPtr.Zero)
            {
                using (Enter())
                {
                    _cu.cuModuleUnload(_module);
                }

                _module = IntPtr.Zero;
            }

            _cu.cuDevicePrimaryCtxRelease(_device);
            _context = IntPtr.Zero;
        }

        private static string CompilePtx(int computeCapability)
        {
            var nvrtc = SharedNvrtc.Value;
            int major, minor;
            nvrtc.Check(nvrtc.nvrtcVersion(&major, &minor), "nvrtcVersion");
            var compilerKey = $"nvrtc {major}.{minor}";
            var architecture = $"compute_{computeCapability}";
            try
            {
                return CudaKernelSource.GetOrCompile(architecture, compilerKey, () => nvrtc.CompileToPtx(CudaKernelSource.Text, "wdgen_kernels.cu", architecture, out _));
            }
            catch (CudaException e) when (e.Code == 5 /* NVRTC_ERROR_INVALID_OPTION: this NVRTC predates the device */)
            {
                // PTX for an older virtual architecture is JIT-compiled by the driver for any newer device.
                return CudaKernelSource.GetOrCompile("compute_70", compilerKey, () => nvrtc.CompileToPtx(CudaKernelSource.Text, "wdgen_kernels.cu", "compute_70", out _));
            }
        }

        private ContextScope Enter()
        {
            _cu.Check(_cu.cuCtxPushCurrent(_context), "cuCtxPushCurrent");
            return new ContextScope(this);
        }

        private readonly struct ContextScope : IDisposable
        {
            private readonly CudaDriverDevice _owner;

            public ContextScope(CudaDriverDevice owner) => _owner = owner;

            public void Dispose()
            {
                IntPtr popped;
                _owner._cu.cuCtxPopCurrent(&popped);
            }
        }
    }
}

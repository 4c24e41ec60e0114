using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace WdGen.Optimization.Cuda
{
    /// <summary>One row of the kernel's tensor table (<c>wdg_tensor</c> in fused_optimizer.cu; 64 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CudaTensorEntry : IEquatable<CudaTensorEntry>
    {
        public ulong Param;
        public ulong Grad;
        public ulong ExpAvg;
        public ulong ExpAvgSq;
        public ulong Aux;     // max_exp_avg_sq (amsgrad) or momentum_buffer (SGD)
        public ulong Mask;
        public long Numel;
        public int Coefficients; // row of the launch's coefficient table
        public int Reserved;

        public readonly bool Equals(CudaTensorEntry other) =>
            Param == other.Param && Grad == other.Grad && ExpAvg == other.ExpAvg && ExpAvgSq == other.ExpAvgSq && Aux == other.Aux
            && Mask == other.Mask && Numel == other.Numel && Coefficients == other.Coefficients;

        public override readonly bool Equals(object? obj) => obj is CudaTensorEntry other && Equals(other);

        public override readonly int GetHashCode() => HashCode.Combine(Param, Grad, Numel, Coefficients);
    }

    /// <summary>One row of the kernel's block table (<c>wdg_block</c>): block i processes chunk Chunk of tensor Tensor.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CudaBlockEntry
    {
        public int Tensor;
        public int Chunk;
    }

    /// <summary>
    /// The per-launch hyper-parameter table passed by value (<c>wdg_coefficient_table</c>: WDG_TABLE_ROWS rows of
    /// <see cref="FusedCoefficients"/>, 1,792 bytes of kernel parameters, which the GPU keeps in its constant bank).
    /// </summary>
    [InlineArray(CudaFusedOptimizer.CoefficientRows)]
    internal struct CudaCoefficientTable
    {
        private FusedCoefficients _row0;
    }

    /// <summary>
    /// What the CUDA engine needs from a device: memory, copies and the two kernel launches. The driver implements it
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

        void Zero(ulong destination, long bytes);

        void LaunchStep(int blocks, int threads, ulong tensors, ulong blockTable, in CudaCoefficientTable table, int chunkSize, int algorithm);

        void LaunchNonFinite(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong found);

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
        private IntPtr _context;
        private IntPtr _module;
        private IntPtr _step;
        private IntPtr _nonFinite;

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
                    IntPtr module, step, check;
                    fixed (byte* image = bytes)
                    {
                        _cu.Check(_cu.cuModuleLoadData(&module, image), "cuModuleLoadData");
                    }

                    _module = module;
                    var stepName = Encoding.ASCII.GetBytes(CudaKernelSource.StepKernel + "\0");
                    var checkName = Encoding.ASCII.GetBytes(CudaKernelSource.NonFiniteKernel + "\0");
                    fixed (byte* s = stepName, c = checkName)
                    {
                        _cu.Check(_cu.cuModuleGetFunction(&step, module, s), "cuModuleGetFunction(" + CudaKernelSource.StepKernel + ")");
                        _cu.Check(_cu.cuModuleGetFunction(&check, module, c), "cuModuleGetFunction(" + CudaKernelSource.NonFiniteKernel + ")");
                    }

                    _step = step;
                    _nonFinite = check;
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

        /// <summary>A device-to-device copy (the benchmark's bandwidth reference).</summary>
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

        public void LaunchStep(int blocks, int threads, ulong tensors, ulong blockTable, in CudaCoefficientTable table, int chunkSize, int algorithm)
        {
            var t = tensors;
            var b = blockTable;
            var c = table;
            var chunk = chunkSize;
            var a = algorithm;
            var args = stackalloc void*[] { &t, &b, &c, &chunk, &a };
            using var scope = Enter();
            _cu.Check(_cu.cuLaunchKernel(_step, (uint)blocks, 1, 1, (uint)threads, 1, 1, 0, IntPtr.Zero, args, null), "cuLaunchKernel(" + CudaKernelSource.StepKernel + ")");
        }

        public void LaunchNonFinite(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong found)
        {
            var t = tensors;
            var b = blockTable;
            var chunk = chunkSize;
            var f = found;
            var args = stackalloc void*[] { &t, &b, &chunk, &f };
            using var scope = Enter();
            _cu.Check(_cu.cuLaunchKernel(_nonFinite, (uint)blocks, 1, 1, (uint)threads, 1, 1, 0, IntPtr.Zero, args, null), "cuLaunchKernel(" + CudaKernelSource.NonFiniteKernel + ")");
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
                return CudaKernelSource.GetOrCompile(architecture, compilerKey, () => nvrtc.CompileToPtx(CudaKernelSource.Text, "fused_optimizer.cu", architecture, out _));
            }
            catch (CudaException e) when (e.Code == 5 /* NVRTC_ERROR_INVALID_OPTION: this NVRTC predates the device */)
            {
                // PTX for an older virtual architecture is JIT-compiled by the driver for any newer device.
                return CudaKernelSource.GetOrCompile("compute_70", compilerKey, () => nvrtc.CompileToPtx(CudaKernelSource.Text, "fused_optimizer.cu", "compute_70", out _));
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

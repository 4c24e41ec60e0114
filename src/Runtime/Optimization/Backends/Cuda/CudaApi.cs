using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using WdGen.Optimization.Cuda;

namespace WdGen.Optimization.Backends.Cuda
{
    /// <summary>
    /// Finds a native library by probing candidate names in order (<see cref="NativeLibrary.TryLoad(string, out IntPtr)"/>,
    /// so a missing library is a clear <see cref="CudaUnavailableException"/>, never a <see cref="DllNotFoundException"/>).
    /// </summary>
    internal static class CudaLibraryProbe
    {
        /// <summary>Loads the first candidate that loads; null and the list of what was tried otherwise.</summary>
        public static IntPtr TryLoad(IEnumerable<string> candidates, out List<string> tried)
        {
            tried = new List<string>();
            foreach (var candidate in candidates)
            {
                tried.Add(candidate);
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    return handle;
                }
            }

            return IntPtr.Zero;
        }

        /// <summary>Reads every export in <paramref name="names"/> (first existing alias wins); throws naming the missing ones.</summary>
        public static IntPtr Export(IntPtr library, string libraryName, List<string> missing, params string[] names)
        {
            foreach (var name in names)
            {
                if (NativeLibrary.TryGetExport(library, name, out var address))
                {
                    return address;
                }
            }

            missing.Add(names[0]);
            return IntPtr.Zero;
        }

        /// <summary>Files matching <paramref name="pattern"/> in <paramref name="directory"/> and its runtimes/*/native folders.</summary>
        public static IEnumerable<string> FilesNear(string directory, string pattern)
        {
            var found = new List<string>();
            try
            {
                if (Directory.Exists(directory))
                {
                    found.AddRange(Directory.GetFiles(directory, pattern));
                    var runtimes = Path.Combine(directory, "runtimes");
                    if (Directory.Exists(runtimes))
                    {
                        foreach (var rid in Directory.GetDirectories(runtimes))
                        {
                            var native = Path.Combine(rid, "native");
                            if (Directory.Exists(native))
                            {
                                found.AddRange(Directory.GetFiles(native, pattern));
                            }
                        }
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            found.Sort(StringComparer.Ordinal);
            found.Reverse(); // newest version suffix first
            return found;
        }

        public static string Utf8(IntPtr text) => text == IntPtr.Zero ? "(null)" : Marshal.PtrToStringUTF8(text) ?? "(null)";
    }

    /// <summary>
    /// The CUDA driver API functions the backend uses, as unmanaged function pointers read from libcuda.so.1 /
    /// nvcuda.dll. Each field is named after the C function and typed after its prototype in cuda.h (CUresult and
    /// CUdevice are int, CUcontext/CUmodule/CUfunction/CUstream are pointers, CUdeviceptr is unsigned long long,
    /// size_t is nuint); a test checks the signatures against the documented prototypes.
    /// </summary>
    /// <remarks>
    /// Library probe order: the file named by the <c>WDGEN_CUDA_DRIVER</c> environment variable, then
    /// Linux <c>libcuda.so.1</c>, <c>libcuda.so</c>; Windows <c>nvcuda.dll</c>. Where the ABI was revised the
    /// <c>_v2</c> export is used (as cuda.h's macros do); kernels go to the legacy default stream (stream 0 through the
    /// non-<c>_ptsz</c> exports), which orders them with libtorch's work on its default stream.
    /// </remarks>
    internal unsafe struct CudaDriverApi
    {
        public delegate* unmanaged<uint, int> cuInit;
        public delegate* unmanaged<int*, int> cuDriverGetVersion;
        public delegate* unmanaged<int*, int> cuDeviceGetCount;
        public delegate* unmanaged<int*, int, int> cuDeviceGet;
        public delegate* unmanaged<int*, int, int, int> cuDeviceGetAttribute;
        public delegate* unmanaged<byte*, int, int, int> cuDeviceGetName;
        public delegate* unmanaged<IntPtr*, int, int> cuDevicePrimaryCtxRetain;
        public delegate* unmanaged<int, int> cuDevicePrimaryCtxRelease;
        public delegate* unmanaged<IntPtr, int> cuCtxPushCurrent;
        public delegate* unmanaged<IntPtr*, int> cuCtxPopCurrent;
        public delegate* unmanaged<int> cuCtxSynchronize;
        public delegate* unmanaged<IntPtr*, void*, int> cuModuleLoadData;
        public delegate* unmanaged<IntPtr, int> cuModuleUnload;
        public delegate* unmanaged<IntPtr*, IntPtr, byte*, int> cuModuleGetFunction;
        public delegate* unmanaged<ulong*, nuint, int> cuMemAlloc;
        public delegate* unmanaged<ulong, int> cuMemFree;
        public delegate* unmanaged<ulong, void*, nuint, int> cuMemcpyHtoD;
        public delegate* unmanaged<void*, ulong, nuint, int> cuMemcpyDtoH;
        public delegate* unmanaged<ulong, ulong, nuint, int> cuMemcpyDtoD;
        public delegate* unmanaged<ulong, byte, nuint, int> cuMemsetD8;
        public delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int> cuLaunchKernel;
        public delegate* unmanaged<int, byte**, int> cuGetErrorString;

        /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR.</summary>
        public const int ComputeCapabilityMajor = 75;

        /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR.</summary>
        public const int ComputeCapabilityMinor = 76;

        /// <summary>CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT.</summary>
        public const int MultiprocessorCount = 16;

        /// <summary>CUDA_ERROR_NO_DEVICE.</summary>
        public const int ErrorNoDevice = 100;

        /// <summary>The documented library names, in probe order, for this operating system.</summary>
        public static IReadOnlyList<string> Candidates()
        {
            var list = new List<string>();
            if (Environment.GetEnvironmentVariable("WDGEN_CUDA_DRIVER") is { Length: > 0 } overridden)
            {
                list.Add(overridden);
            }

            if (OperatingSystem.IsWindows())
            {
                list.Add("nvcuda.dll");
            }
            else
            {
                list.Add("libcuda.so.1");
                list.Add("libcuda.so");
            }

            return list;
        }

        /// <summary>Loads the driver from the first candidate that loads, or throws the one clear error.</summary>
        public static CudaDriverApi Load(IReadOnlyList<string>? candidates = null)
        {
            candidates ??= Candidates();
            var library = CudaLibraryProbe.TryLoad(candidates, out var tried);
            if (library == IntPtr.Zero)
            {
                throw new CudaUnavailableException(
                    "The CUDA backend needs the NVIDIA driver's CUDA library (" + (OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1")
                    + "), which was not found; tried: " + string.Join(", ", tried) + ". Install the NVIDIA GPU driver (it provides libcuda; "
                    + "in a container, run it with the NVIDIA Container Toolkit, e.g. docker run --gpus all), or set WDGEN_CUDA_DRIVER to the library's path. "
                    + "Without a GPU, keep the tensors on the CPU: the same optimizers then run on the CPU backend.");
            }

            var missing = new List<string>();
            var name = tried[^1];
            var api = default(CudaDriverApi);
            api.cuInit = (delegate* unmanaged<uint, int>)CudaLibraryProbe.Export(library, name, missing, "cuInit");
            api.cuDriverGetVersion = (delegate* unmanaged<int*, int>)CudaLibraryProbe.Export(library, name, missing, "cuDriverGetVersion");
            api.cuDeviceGetCount = (delegate* unmanaged<int*, int>)CudaLibraryProbe.Export(library, name, missing, "cuDeviceGetCount");
            api.cuDeviceGet = (delegate* unmanaged<int*, int, int>)CudaLibraryProbe.Export(library, name, missing, "cuDeviceGet");
            api.cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)CudaLibraryProbe.Export(library, name, missing, "cuDeviceGetAttribute");
            api.cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)CudaLibraryProbe.Export(library, name, missing, "cuDeviceGetName");
            api.cuDevicePrimaryCtxRetain = (delegate* unmanaged<IntPtr*, int, int>)CudaLibraryProbe.Export(library, name, missing, "cuDevicePrimaryCtxRetain");
            api.cuDevicePrimaryCtxRelease = (delegate* unmanaged<int, int>)CudaLibraryProbe.Export(library, name, missing, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
            api.cuCtxPushCurrent = (delegate* unmanaged<IntPtr, int>)CudaLibraryProbe.Export(library, name, missing, "cuCtxPushCurrent_v2", "cuCtxPushCurrent");
            api.cuCtxPopCurrent = (delegate* unmanaged<IntPtr*, int>)CudaLibraryProbe.Export(library, name, missing, "cuCtxPopCurrent_v2", "cuCtxPopCurrent");
            api.cuCtxSynchronize = (delegate* unmanaged<int>)CudaLibraryProbe.Export(library, name, missing, "cuCtxSynchronize");
            api.cuModuleLoadData = (delegate* unmanaged<IntPtr*, void*, int>)CudaLibraryProbe.Export(library, name, missing, "cuModuleLoadData");
            api.cuModuleUnload = (delegate* unmanaged<IntPtr, int>)CudaLibraryProbe.Export(library, name, missing, "cuModuleUnload");
            api.cuModuleGetFunction = (delegate* unmanaged<IntPtr*, IntPtr, byte*, int>)CudaLibraryProbe.Export(library, name, missing, "cuModuleGetFunction");
            api.cuMemAlloc = (delegate* unmanaged<ulong*, nuint, int>)CudaLibraryProbe.Export(library, name, missing, "cuMemAlloc_v2");
            api.cuMemFree = (delegate* unmanaged<ulong, int>)CudaLibraryProbe.Export(library, name, missing, "cuMemFree_v2");
            api.cuMemcpyHtoD = (delegate* unmanaged<ulong, void*, nuint, int>)CudaLibraryProbe.Export(library, name, missing, "cuMemcpyHtoD_v2");
            api.cuMemcpyDtoH = (delegate* unmanaged<void*, ulong, nuint, int>)CudaLibraryProbe.Export(library, name, missing, "cuMemcpyDtoH_v2");
            api.cuMemcpyDtoD = (delegate* unmanaged<ulong, ulong, nuint, int>)CudaLibraryProbe.Export(library, name, missing, "cuMemcpyDtoD_v2");
            api.cuMemsetD8 = (delegate* unmanaged<ulong, byte, nuint, int>)CudaLibraryProbe.Export(library, name, missing, "cuMemsetD8_v2");
            api.cuLaunchKernel = (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)CudaLibraryProbe.Export(library, name, missing, "cuLaunchKernel");
            api.cuGetErrorString = (delegate* unmanaged<int, byte**, int>)CudaLibraryProbe.Export(library, name, missing, "cuGetErrorString");
            if (missing.Count > 0)
            {
                throw new CudaUnavailableException(
                    "The CUDA driver library '" + name + "' lacks " + string.Join(", ", missing)
                    + "; the CUDA backend needs a CUDA 11.0 or newer NVIDIA driver. Update the NVIDIA GPU driver.");
            }

            return api;
        }

        /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless <paramref name="result"/> is CUDA_SUCCESS.</summary>
        public readonly void Check(int result, string call)
        {
            if (result == 0)
            {
                return;
            }

            byte* text = null;
            var description = cuGetErrorString != null && cuGetErrorString(result, &text) == 0 ? CudaLibraryProbe.Utf8((IntPtr)text) : "unknown error";
            throw new CudaException($"{call} failed: CUDA error {result} ({description}).", result);
        }
    }

    /// <summary>
    /// The NVRTC functions the backend uses (nvrtc.h), as unmanaged function pointers. nvrtcResult is int,
    /// nvrtcProgram a pointer, size_t nuint, strings UTF-8 byte pointers.
    /// </summary>
    /// <remarks>
    /// Library probe order: the file named by <c>WDGEN_NVRTC</c>; then, on Linux, <c>libnvrtc.so.13</c>,
    /// <c>libnvrtc.so.12</c>, <c>libnvrtc.so.11.2</c>, <c>libnvrtc.so.11.1</c>, <c>libnvrtc.so.11.0</c>, <c>libnvrtc.so</c>,
    /// then <c>libnvrtc*.so*</c> next to the application (TorchSharp's CUDA packages ship a hash-suffixed copy beside
    /// libtorch); on Windows <c>nvrtc64_130_0.dll</c>, <c>nvrtc64_120_0.dll</c>, <c>nvrtc64_112_0.dll</c>,
    /// <c>nvrtc64_111_0.dll</c>, <c>nvrtc64_110_0.dll</c>, then <c>nvrtc64_*.dll</c> next to the application.
    /// </remarks>
    internal unsafe struct NvrtcApi
    {
        public delegate* unmanaged<int*, int*, int> nvrtcVersion;
        public delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int> nvrtcCreateProgram;
        public delegate* unmanaged<IntPtr, int, byte**, int> nvrtcCompileProgram;
        public delegate* unmanaged<IntPtr, nuint*, int> nvrtcGetPTXSize;
        public delegate* unmanaged<IntPtr, byte*, int> nvrtcGetPTX;
        public delegate* unmanaged<IntPtr, nuint*, int> nvrtcGetProgramLogSize;
        public delegate* unmanaged<IntPtr, byte*, int> nvrtcGetProgramLog;
        public delegate* unmanaged<IntPtr*, int> nvrtcDestroyProgram;
        public delegate* unmanaged<int, byte*> nvrtcGetErrorString;

        /// <summary>The documented library names, in probe order, for this operating system.</summary>
        public static IReadOnlyList<string> Candidates()
        {
            var list = new List<string>();
            if (Environment.GetEnvironmentVariable("WDGEN_NVRTC") is { Length: > 0 } overridden)
            {
                list.Add(overridden);
            }

            var baseDirectory = AppContext.BaseDirectory;
            if (OperatingSystem.IsWindows())
            {
                list.AddRange(new[] { "nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll", "nvrtc64_111_0.dll", "nvrtc64_110_0.dll" });
                list.AddRange(CudaLibraryProbe.FilesNear(baseDirectory, "nvrtc64_*.dll"));
            }
            else
            {
                list.AddRange(new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0", "libnvrtc.so" });
                foreach (var file in CudaLibraryProbe.FilesNear(baseDirectory, "libnvrtc*.so*"))
                {
                    if (!file.Contains("builtins", StringComparison.Ordinal))
                    {
                        list.Add(file);
                    }
                }
            }

            return list;
        }

        /// <summary>Loads NVRTC from the first candidate that loads, or throws the one clear error.</summary>
        public static NvrtcApi Load(IReadOnlyList<string>? candidates = null)
        {
            candidates ??= Candidates();
            var library = CudaLibraryProbe.TryLoad(candidates, out var tried);
            if (library == IntPtr.Zero)
            {
                throw new CudaUnavailableException(
                    "The CUDA backend compiles its kernel at first use with NVRTC, the CUDA runtime compiler, which was not found; tried: "
                    + string.Join(", ", tried) + ". Install the CUDA NVRTC library (TorchSharp's CUDA packages include it; "
                    + "otherwise the CUDA toolkit's nvrtc component, e.g. Debian/Ubuntu's libnvrtc12), or set WDGEN_NVRTC to the library's path.");
            }

            var missing = new List<string>();
            var name = tried[^1];
            var api = default(NvrtcApi);
            api.nvrtcVersion = (delegate* unmanaged<int*, int*, int>)CudaLibraryProbe.Export(library, name, missing, "nvrtcVersion");
            api.nvrtcCreateProgram = (delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int>)CudaLibraryProbe.Export(library, name, missing, "nvrtcCreateProgram");
            api.nvrtcCompileProgram = (delegate* unmanaged<IntPtr, int, byte**, int>)CudaLibraryProbe.Export(library, name, missing, "nvrtcCompileProgram");
            api.nvrtcGetPTXSize = (delegate* unmanaged<IntPtr, nuint*, int>)CudaLibraryProbe.Export(library, name, missing, "nvrtcGetPTXSize");
            api.nvrtcGetPTX = (delegate* unmanaged<IntPtr, byte*, int>)CudaLibraryProbe.Export(library, name, missing, "nvrtcGetPTX");
            api.nvrtcGetProgramLogSize = (delegate* unmanaged<IntPtr, nuint*, int>)CudaLibraryProbe.Export(library, name, missing, "nvrtcGetProgramLogSize");
            api.nvrtcGetProgramLog = (delegate* unmanaged<IntPtr, byte*, int>)CudaLibraryProbe.Export(library, name, missing, "nvrtcGetProgramLog");
            api.nvrtcDestroyProgram = (delegate* unmanaged<IntPtr*, int>)CudaLibraryProbe.Export(library, name, missing, "nvrtcDestroyProgram");
            api.nvrtcGetErrorString = (delegate* unmanaged<int, byte*>)CudaLibraryProbe.Export(library, name, missing, "nvrtcGetErrorString");
            if (missing.Count > 0)
            {
                throw new CudaUnavailableException("The NVRTC library '" + name + "' lacks " + string.Join(", ", missing) + "; install NVRTC 11.0 or newer.");
            }

            return api;
        }

        /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless <paramref name="result"/> is NVRTC_SUCCESS.</summary>
        public readonly void Check(int result, string call, string? log = null)
        {
            if (result == 0)
            {
                return;
            }

            var description = nvrtcGetErrorString != null ? CudaLibraryProbe.Utf8((IntPtr)nvrtcGetErrorString(result)) : "unknown error";
            throw new CudaException($"{call} failed: NVRTC error {result} ({description})." + (string.IsNullOrEmpty(log) ? string.Empty : "\n" + log), result);
        }

        /// <summary>Compiles <paramref name="source"/> to PTX for <paramref name="architecture"/> (e.g. compute_80).</summary>
        public readonly string CompileToPtx(string source, string fileName, string architecture, out string log)
        {
            var program = IntPtr.Zero;
            var sourceBytes = Utf8Z(source);
            var nameBytes = Utf8Z(fileName);
            fixed (byte* s = sourceBytes, n = nameBytes)
            {
                Check(nvrtcCreateProgram(&program, s, n, 0, null, null), "nvrtcCreateProgram");
            }

            try
            {
                var options = new[] { "--gpu-architecture=" + architecture, "--fmad=false", "--ftz=false", "--prec-div=true", "--prec-sqrt=true", "--std=c++14" };
                var handles = new GCHandle[options.Length];
                var pointers = stackalloc byte*[options.Length];
                try
                {
                    for (var i = 0; i < options.Length; i++)
                    {
                        handles[i] = GCHandle.Alloc(Utf8Z(options[i]), GCHandleType.Pinned);
                        pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
                    }

                    var result = nvrtcCompileProgram(program, options.Length, pointers);
                    log = ProgramLog(program);
                    Check(result, "nvrtcCompileProgram(" + fileName + ", " + string.Join(' ', options) + ")", log);
                }
                finally
                {
                    foreach (var handle in handles)
                    {
                        if (handle.IsAllocated)
                        {
                            handle.Free();
                        }
                    }
                }

                nuint size = 0;
                Check(nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize");
                var ptx = new byte[(int)size];
                fixed (byte* p = ptx)
                {
                    Check(nvrtcGetPTX(program, p), "nvrtcGetPTX");
                }

                return Encoding.UTF8.GetString(ptx, 0, Math.Max(0, Array.IndexOf(ptx, (byte)0) is var end && end >= 0 ? end : ptx.Length));
            }
            finally
            {
                nvrtcDestroyProgram(&program);
            }
        }

        private readonly string ProgramLog(IntPtr program)
        {
            nuint size = 0;
            if (nvrtcGetProgramLogSize(program, &size) != 0 || size <= 1)
            {
                return string.Empty;
            }

            var bytes = new byte[(int)size];
            fixed (byte* b = bytes)
            {
                nvrtcGetProgramLog(program, b);
            }

            return Encoding.UTF8.GetString(bytes, 0, bytes.Length - 1);
        }

        private static byte[] Utf8Z(string text)
        {
            var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
            Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using WdGen.Optimization;
using WdGen.Optimization.Engine;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Cuda;
using Xunit;

namespace WdGen.Cuda.Tests
{
    /// <summary>
    /// The P/Invoke layer: every imported function's managed signature against its documented C prototype
    /// (cuda.h, nvrtc.h), and the clear error when the driver or NVRTC is missing.
    /// </summary>
    public sealed class NativeApiTests
    {
        /// <summary>The prototypes as cuda.h (CUDA 12) documents them; the _v2 ABI where cuda.h maps the name to it.</summary>
        private static readonly string[] DriverPrototypes =
        {
            "CUresult cuInit(unsigned int Flags)",
            "CUresult cuDriverGetVersion(int* driverVersion)",
            "CUresult cuDeviceGetCount(int* count)",
            "CUresult cuDeviceGet(CUdevice* device, int ordinal)",
            "CUresult cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, CUdevice dev)",
            "CUresult cuDeviceGetName(char* name, int len, CUdevice dev)",
            "CUresult cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice dev)",
            "CUresult cuDevicePrimaryCtxRelease(CUdevice dev)",
            "CUresult cuCtxPushCurrent(CUcontext ctx)",
            "CUresult cuCtxPopCurrent(CUcontext* pctx)",
            "CUresult cuCtxSynchronize(void)",
            "CUresult cuModuleLoadData(CUmodule* module, const void* image)",
            "CUresult cuModuleUnload(CUmodule hmod)",
            "CUresult cuModuleGetFunction(CUfunction* hfunc, CUmodule hmod, const char* name)",
            "CUresult cuMemAlloc(CUdeviceptr* dptr, size_t bytesize)",
            "CUresult cuMemFree(CUdeviceptr dptr)",
            "CUresult cuMemcpyHtoD(CUdeviceptr dstDevice, const void* srcHost, size_t ByteCount)",
            "CUresult cuMemcpyDtoH(void* dstHost, CUdeviceptr srcDevice, size_t ByteCount)",
            "CUresult cuMemcpyDtoD(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount)",
            "CUresult cuMemsetD8(CUdeviceptr dstDevice, unsigned char uc, size_t N)",
            "CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream, void** kernelParams, void** extra)",
            "CUresult cuGetErrorString(CUresult error, const char** pStr)",
        };

        private static readonly string[] NvrtcPrototypes =
        {
            "nvrtcResult nvrtcVersion(int* major, int* minor)",
            "nvrtcResult nvrtcCreateProgram(nvrtcProgram* prog, const char* src, const char* name, int numHeaders, const char* const* headers, const char* const* includeNames)",
            "nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char* const* options)",
            "nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t* ptxSizeRet)",
            "nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char* ptx)",
            "nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t* logSizeRet)",
            "nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char* log)",
            "nvrtcResult nvrtcDestroyProgram(nvrtcProgram* prog)",
            "const char* nvrtcGetErrorString(nvrtcResult result)",
        };

        /// <summary>C types → the managed type of the same size and kind (64-bit ABI).</summary>
        private static readonly Dictionary<string, Type> CTypes = new()
        {
            ["CUresult"] = typeof(int),            // enum cudaError_enum
            ["nvrtcResult"] = typeof(int),         // enum
            ["CUdevice_attribute"] = typeof(int),  // enum
            ["CUdevice"] = typeof(int),            // typedef int CUdevice_v1
            ["int"] = typeof(int),
            ["unsigned int"] = typeof(uint),
            ["unsigned char"] = typeof(byte),
            ["char"] = typeof(byte),               // UTF-8 code units
            ["size_t"] = typeof(nuint),
            ["CUdeviceptr"] = typeof(ulong),       // typedef unsigned long long CUdeviceptr_v2
            ["CUcontext"] = typeof(IntPtr),        // struct CUctx_st*
            ["CUmodule"] = typeof(IntPtr),         // struct CUmod_st*
            ["CUfunction"] = typeof(IntPtr),       // struct CUfunc_st*
            ["CUstream"] = typeof(IntPtr),         // struct CUstream_st*
            ["nvrtcProgram"] = typeof(IntPtr),     // struct _nvrtcProgram*
            ["void"] = typeof(void),
        };

        public static IEnumerable<object[]> Tables() => new[]
        {
            new object[] { typeof(CudaDriverApi).FullName!, DriverPrototypes },
            new object[] { typeof(NvrtcApi).FullName!, NvrtcPrototypes },
        };

        [Theory]
        [MemberData(nameof(Tables))]
        public void ImportedSignaturesMatchTheDocumentedPrototypes(string typeName, string[] prototypes)
        {
            Assert.True(Environment.Is64BitProcess, "the type table assumes a 64-bit process");
            var type = typeof(CudaBackend).Assembly.GetType(typeName)!;
            var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public).ToDictionary(f => f.Name);
            var documented = prototypes.Select(Parse).ToDictionary(p => p.Name);
            Assert.Equal(documented.Keys.OrderBy(k => k), fields.Keys.OrderBy(k => k));
            var problems = new List<string>();
            foreach (var (name, prototype) in documented)
            {
                var pointer = fields[name].FieldType;
                Assert.True(pointer.IsFunctionPointer && pointer.IsUnmanagedFunctionPointer, name + " is not an unmanaged function pointer");
                var managed = pointer.GetFunctionPointerParameterTypes();
                var managedReturn = pointer.GetFunctionPointerReturnType();
                var expected = $"{prototype.Return.Name} ({string.Join(", ", prototype.Parameters.Select(p => p.Name))})";
                var actual = $"{managedReturn.Name} ({string.Join(", ", managed.Select(p => p.Name))})";
                if (expected != actual)
                {
                    problems.Add($"{name}: documented {expected}, imported {actual}");
                }
            }

            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }

        [Fact]
        public void AMissingDriverIsOneClearError()
        {
            var error = Assert.Throws<CudaUnavailableException>(() => CudaDriverApi.Load(new[] { "libcuda-not-here.so.1", "/nonexistent/libcuda.so" }));
            Assert.Contains("libcuda", error.Message);
            Assert.Contains("libcuda-not-here.so.1, /nonexistent/libcuda.so", error.Message);
            Assert.Contains("Install the NVIDIA GPU driver", error.Message);
            Assert.Contains("WDGEN_CUDA_DRIVER", error.Message);
        }

        [Fact]
        public void AMissingNvrtcIsOneClearError()
        {
            var error = Assert.Throws<CudaUnavailableException>(() => NvrtcApi.Load(new[] { "libnvrtc-not-here.so.12" }));
            Assert.Contains("NVRTC", error.Message);
            Assert.Contains("libnvrtc-not-here.so.12", error.Message);
            Assert.Contains("WDGEN_NVRTC", error.Message);
        }

        [Fact]
        public void TheDocumentedProbeOrderIsUsed()
        {
            var driver = CudaDriverApi.Candidates();
            var nvrtc = NvrtcApi.Candidates();
            if (OperatingSystem.IsWindows())
            {
                Assert.Contains("nvcuda.dll", driver);
                Assert.Equal("nvrtc64_130_0.dll", nvrtc.First(n => n.StartsWith("nvrtc64", StringComparison.Ordinal)));
            }
            else
            {
                Assert.Equal(new[] { "libcuda.so.1", "libcuda.so" }, driver.Where(n => n.StartsWith("libcuda", StringComparison.Ordinal)));
                Assert.Equal(
                    new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0", "libnvrtc.so" },
                    nvrtc.Where(n => n.StartsWith("libnvrtc.so", StringComparison.Ordinal)));
            }
        }

        [Fact]
        public void WithoutADriverTheEngineConstructorSaysWhatIsMissing()
        {
            if (CudaDriverDevice.Unavailable() is not { } reason || !reason.Contains("libcuda", StringComparison.Ordinal))
            {
                return; // a machine with the NVIDIA driver: GpuTests cover it
            }

            var groups = new[] { new FusedGroupOptions() };
            var specs = new[] { new FusedParameterSpec("w", 0, 10) };
            var error = Assert.Throws<CudaUnavailableException>(() => new OptimizerEngine(FusedAlgorithm.AdamW, groups, specs, "fp", null, () => CudaBackend.Create(0)));
            Assert.Contains(OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1", error.Message);
            Assert.Contains("Install the NVIDIA GPU driver", error.Message);

            // Argument errors still come first, before any attempt to reach a GPU.
            Assert.Throws<ArgumentException>(() => new OptimizerEngine(FusedAlgorithm.AdamW, groups, new[] { specs[0], specs[0] }, "fp", null, () => CudaBackend.Create(0)));
        }

        private static (string Name, Type Return, Type[] Parameters) Parse(string prototype)
        {
            var match = Regex.Match(prototype, @"^(?<ret>.+?)\s*(?<name>\w+)\((?<args>.*)\)$");
            Assert.True(match.Success, prototype);
            var args = match.Groups["args"].Value.Trim();
            var parameters = args is "void" or ""
                ? Array.Empty<Type>()
                : args.Split(',').Select(a => Map(Regex.Replace(a.Trim(), @"\s*\w+$", string.Empty))).ToArray();
            return (match.Groups["name"].Value, Map(match.Groups["ret"].Value), parameters);
        }

        private static Type Map(string c)
        {
            var stars = c.Count(ch => ch == '*');
            var bare = Regex.Replace(c.Replace("*", " ").Replace("const", " "), @"\s+", " ").Trim();
            Assert.True(CTypes.TryGetValue(bare, out var type), "unmapped C type " + c);
            for (var i = 0; i < stars; i++)
            {
                type = type!.MakePointerType();
            }

            return type!;
        }
    }
}

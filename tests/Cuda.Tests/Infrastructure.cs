using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using WdGen.Optimization;
using WdGen.Optimization.Engine;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Cuda;
using WdGen.Tests.Shared;
using Xunit;

namespace WdGen.Cuda.Tests
{
    /// <summary>Paths of the kernel source and the emulation files.</summary>
    internal static class KernelFiles
    {
        /// <summary>The kernel files as the repository holds them (the assembly embeds the same files).</summary>
        public static IEnumerable<string> Sources => Directory.EnumerateFiles(RepositoryPaths.Combine("src", "Runtime", "Optimization"), "*.cu*", SearchOption.AllDirectories);

        /// <summary>The composed kernel source (generated declarations, the apply loop, every algorithm), written to a temporary folder.</summary>
        public static string WriteComposed(string directory)
        {
            var path = Path.Combine(directory, "wdgen_kernels.cu");
            File.WriteAllText(path, CudaKernelSource.Text);
            return path;
        }

        public static string EmulationDirectory => RepositoryPaths.Combine("tests", "Cuda.Tests", "Emulation");
    }

    /// <summary>Runs a tool and captures its output.</summary>
    internal static class Tool
    {
        /// <summary>The first of <paramref name="names"/> found on PATH (or an absolute path that exists), else null.</summary>
        public static string? Find(params string[] names)
        {
            foreach (var name in names)
            {
                if (Path.IsPathRooted(name))
                {
                    if (File.Exists(name))
                    {
                        return name;
                    }

                    continue;
                }

                foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
                {
                    if (directory.Length > 0 && File.Exists(Path.Combine(directory, name)))
                    {
                        return Path.Combine(directory, name);
                    }
                }
            }

            return null;
        }

        public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments)
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + file);
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(300_000))
            {
                process.Kill();
                throw new TimeoutException(file + " did not finish in 5 minutes.");
            }

            return (process.ExitCode, stdout + stderr.Result);
        }
    }

    /// <summary>clang-16 with the NVPTX back end (Debian's clang-16 package); WDGEN_CLANG names another.</summary>
    internal static class Clang
    {
        public static readonly string? Path = Tool.Find(
            Environment.GetEnvironmentVariable("WDGEN_CLANG") is { Length: > 0 } c ? c : "clang-16", "clang-16");

        public static string? Unavailable => Path == null ? "clang-16 not found on PATH (Debian: apt-get install clang-16)" : null;
    }

    /// <summary>A fact that needs clang-16; reported as Skipped with the reason when it is missing.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class ClangFactAttribute : FactAttribute
    {
        public ClangFactAttribute()
        {
            if (Clang.Unavailable is { } reason)
            {
                Skip = reason;
            }
        }
    }

    /// <summary>A fact that needs a host C++ compiler (g++, c++ or clang++-16) to build the CPU emulation of the kernel.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class EmulationFactAttribute : FactAttribute
    {
        public EmulationFactAttribute()
        {
            if (EmulatedKernel.Unavailable is { } reason)
            {
                Skip = reason;
            }
        }
    }

    /// <summary>A fact that needs a CUDA device (driver, NVRTC and a GPU); Skipped with the reason otherwise.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class GpuFactAttribute : FactAttribute
    {
        private static readonly Lazy<string?> Probe = new(CudaDriverDevice.Unavailable);

        public GpuFactAttribute()
        {
            if (Probe.Value is { } reason)
            {
                Skip = "no CUDA device: " + reason;
            }
        }
    }

    /// <summary>
    /// The real kernel text (CudaKernelSource.Text: the generated declarations, multi_tensor.cuh and every algorithm's
    /// .cu file) compiled as C++ with Emulation/cuda_cpu_emulation.h into a shared library in a temporary folder, once
    /// per test run.
    /// </summary>
    internal static unsafe class EmulatedKernel
    {
        private static readonly string? Compiler = Tool.Find(
            Environment.GetEnvironmentVariable("WDGEN_CXX") is { Length: > 0 } c ? c : "g++", "g++", "c++", "clang++-16", "clang++");

        private static readonly Lazy<IntPtr> Library = new(Build);

        public static string? Unavailable =>
            !OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() ? "the CPU emulation is built with a Unix C++ compiler"
            : Compiler == null ? "no C++ compiler (g++, c++ or clang++) on PATH"
            : null;

        /// <summary>The emulated launch of a step kernel (WDG_EMULATED_STEP in cuda_cpu_emulation.h exports one per kernel).</summary>
        public static delegate* unmanaged<int, int, TensorSlot*, BlockEntry*, void*, int, int> Step(string kernel) =>
            (delegate* unmanaged<int, int, TensorSlot*, BlockEntry*, void*, int, int>)NativeLibrary.GetExport(Library.Value, kernel + "_emulated");

        public static delegate* unmanaged<int, int, TensorSlot*, BlockEntry*, int, int*, int> NonFinite =>
            (delegate* unmanaged<int, int, TensorSlot*, BlockEntry*, int, int*, int>)NativeLibrary.GetExport(Library.Value, CudaKernelSource.NonFiniteKernel + "_emulated");

        public static delegate* unmanaged<int, int, TensorSlot*, BlockEntry*, int, double*, int> SumSquares =>
            (delegate* unmanaged<int, int, TensorSlot*, BlockEntry*, int, double*, int>)NativeLibrary.GetExport(Library.Value, CudaKernelSource.SumSquaresKernel + "_emulated");

        public static delegate* unmanaged<int, int, double*, int, int, double*, int> SumLanes =>
            (delegate* unmanaged<int, int, double*, int, int, double*, int>)NativeLibrary.GetExport(Library.Value, CudaKernelSource.SumLanesKernel + "_emulated");

        /// <summary>Builds the emulation (or fails with the compiler's output): the static_asserts of the generated declarations are checked here.</summary>
        public static void EnsureBuilt() => _ = Library.Value;

        private static IntPtr Build()
        {
            var directory = Directory.CreateTempSubdirectory("wdgen-cuda-emulation-").FullName;
            KernelFiles.WriteComposed(directory);
            var output = System.IO.Path.Combine(directory, "libwdgen_cuda_emulation.so");
            var arguments = new List<string>
            {
                "-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas",
                "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared",
                "-I", KernelFiles.EmulationDirectory, "-I", directory,
                "-o", output, System.IO.Path.Combine(KernelFiles.EmulationDirectory, "emulated_launch.cpp"),
            };
            var (exit, text) = Tool.Run(Compiler!, arguments);
            if (exit != 0)
            {
                throw new InvalidOperationException($"{Compiler} {string.Join(' ', arguments)} failed ({exit}):\n{text}");
            }

            var handle = NativeLibrary.Load(output);
            try
            {
                Directory.Delete(directory, recursive: true); // the mapping stays valid once loaded
            }
            catch (IOException)
            {
            }

            return handle;
        }
    }

    /// <summary>
    /// An <see cref="ICudaDevice"/> whose "device memory" is host memory and whose launches run the emulated kernel:
    /// the CUDA engine's tables, launches, state handling and save/load all run exactly as on a GPU.
    /// </summary>
    internal sealed unsafe class EmulatedDevice : ICudaDevice
    {
        private readonly Dictionary<ulong, nuint> _live = new();

        public string Name => "CPU emulation of the CUDA kernels";

        public int StepLaunches { get; private set; }

        public List<int> LaunchGrids { get; } = new();

        /// <summary>The entry point of every step launch, in order.</summary>
        public List<string> Kernels { get; } = new();

        public int Uploads { get; private set; }

        public ulong Allocate(long bytes)
        {
            var size = (nuint)Math.Max(16, bytes);
            var pointer = NativeMemory.AlignedAlloc(size, 256);
            NativeMemory.Clear(pointer, size);
            _live.Add((ulong)pointer, size);
            return (ulong)pointer;
        }

        public void Free(ulong pointer)
        {
            if (pointer != 0)
            {
                Assert.True(_live.Remove(pointer), "freed an unknown or already freed device pointer");
                NativeMemory.AlignedFree((void*)pointer);
            }
        }

        public void Upload(ulong destination, void* source, long bytes)
        {
            CheckRange(destination, bytes);
            Uploads++;
            Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);
        }

        public void Download(void* destination, ulong source, long bytes)
        {
            CheckRange(source, bytes);
            Buffer.MemoryCopy((void*)source, destination, bytes, bytes);
        }

        public void Copy(ulong destination, ulong source, long bytes)
        {
            CheckRange(destination, bytes);
            CheckRange(source, bytes);
            Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes);
        }

        public void Zero(ulong destination, long bytes)
        {
            CheckRange(destination, bytes);
            NativeMemory.Clear((void*)destination, (nuint)bytes);
        }

        public void LaunchStep(string kernel, int blocks, int threads, ulong tensors, ulong blockTable, void* table, int tableBytes, int chunkSize)
        {
            StepLaunches++;
            LaunchGrids.Add(blocks);
            Kernels.Add(kernel);
            Assert.Equal(0, EmulatedKernel.Step(kernel)(blocks, threads, (TensorSlot*)tensors, (BlockEntry*)blockTable, table, chunkSize));
        }

        public void LaunchNonFinite(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong found) =>
            Assert.Equal(0, EmulatedKernel.NonFinite(blocks, threads, (TensorSlot*)tensors, (BlockEntry*)blockTable, chunkSize, (int*)found));

        public void LaunchSumOfSquares(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong partials, ulong sums)
        {
            Assert.Equal(0, EmulatedKernel.SumSquares(blocks, threads, (TensorSlot*)tensors, (BlockEntry*)blockTable, chunkSize, (double*)partials));
            Assert.Equal(0, EmulatedKernel.SumLanes((blocks + threads - 1) / threads, threads, (double*)partials, blocks, threads, (double*)sums));
        }

        public void Synchronize()
        {
        }

        public int LiveAllocations => _live.Count;

        public void Dispose()
        {
            foreach (var pointer in _live.Keys)
            {
                NativeMemory.AlignedFree((void*)pointer);
            }

            _live.Clear();
        }

        private void CheckRange(ulong pointer, long bytes)
        {
            if (_live.TryGetValue(pointer, out var whole) && (ulong)bytes <= whole)
            {
                return;
            }

            foreach (var (start, size) in _live)
            {
                if (pointer >= start && pointer + (ulong)bytes <= start + size)
                {
                    return;
                }
            }

            Assert.Fail($"a copy of {bytes} bytes at 0x{pointer:x} is outside every device allocation");
        }
    }
}

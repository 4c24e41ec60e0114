using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using WdGen.Optimization.Backends;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Cuda;

namespace WdGen.Cuda.Device
{
    /// <summary>
    /// The device under test: a memory interface for the benchmark's own buffers (<see cref="Device"/>), a device-to-device
    /// copy for the bandwidth reference, and the engine backend every check creates afresh (<see cref="NewBackend"/>).
    /// </summary>
    internal sealed unsafe class Target : IDisposable
    {
        private readonly Action<ulong, ulong, long> _copy;

        private Target(ICudaDevice device, Action<ulong, ulong, long> copy, Func<IEngineBackend> newBackend, bool emulated)
        {
            Device = device;
            _copy = copy;
            NewBackend = newBackend;
            Emulated = emulated;
        }

        public ICudaDevice Device { get; }

        public Func<IEngineBackend> NewBackend { get; }

        /// <summary>True for the CPU emulation of the kernels (a check of this program, not of a GPU).</summary>
        public bool Emulated { get; }

        public string Name => Device.Name;

        /// <summary>
        /// CUDA device 0 through the driver, exactly as a user's engine gets it (<c>CudaBackend.Create(0)</c>).
        /// </summary>
        /// <exception cref="CudaUnavailableException">No driver, no device or no NVRTC: the message says which.</exception>
        /// <exception cref="CudaException">The kernel did not compile or load.</exception>
        public static Target Cuda()
        {
            if (CudaBackend.UnavailableReason() is { } reason)
            {
                throw new CudaUnavailableException(reason);
            }

            // Loads NVRTC and compiles (or reads the cached) PTX: a missing NVRTC is reported here, before any check.
            var device = new CudaDriverDevice(0);
            return new Target(device, device.Copy, () => CudaBackend.Create(0), emulated: false);
        }

        /// <summary>
        /// The CUDA kernels compiled for the CPU (tests/Cuda.Tests/Emulation; built by publish.sh and the tests) behind the
        /// real <see cref="CudaBackend"/>: runs every line of this program without a GPU. Not a measurement.
        /// </summary>
        public static Target Emulation(string library)
        {
            var handle = NativeLibrary.Load(library);
            var device = new EmulatedDevice(handle);
            return new Target(device, device.Copy, () => new CudaBackend(new EmulatedDevice(handle), ownsDevice: true), emulated: true);
        }

        /// <summary>A device-to-device copy of <paramref name="bytes"/> bytes (queued; see <see cref="ICudaDevice.Synchronize"/>).</summary>
        public void Copy(ulong destination, ulong source, long bytes) => _copy(destination, source, bytes);

        public void Dispose() => Device.Dispose();
    }

    /// <summary>
    /// An <see cref="ICudaDevice"/> whose memory is host memory and whose launches call the emulation library's
    /// <c>&lt;kernel&gt;_emulated</c> exports (the same kernel text, run thread by thread on the CPU).
    /// </summary>
    internal sealed unsafe class EmulatedDevice : ICudaDevice
    {
        private readonly IntPtr _library;
        private readonly Dictionary<string, IntPtr> _exports = new(StringComparer.Ordinal);
        private readonly HashSet<ulong> _live = new();

        public EmulatedDevice(IntPtr library) => _library = library;

        public string Name => "CPU emulation of the CUDA kernels (not a GPU)";

        public ulong Allocate(long bytes)
        {
            var size = (nuint)Math.Max(16, bytes);
            var pointer = NativeMemory.AlignedAlloc(size, 256);
            NativeMemory.Clear(pointer, size);
            _live.Add((ulong)pointer);
            return (ulong)pointer;
        }

        public void Free(ulong pointer)
        {
            if (pointer != 0 && _live.Remove(pointer))
            {
                NativeMemory.AlignedFree((void*)pointer);
            }
        }

        public void Upload(ulong destination, void* source, long bytes) => Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);

        public void Download(void* destination, ulong source, long bytes) => Buffer.MemoryCopy((void*)source, destination, bytes, bytes);

        public void Copy(ulong destination, ulong source, long bytes) => Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes);

        public void Zero(ulong destination, long bytes) => NativeMemory.Clear((void*)destination, (nuint)bytes);

        public void LaunchStep(string kernel, int blocks, int threads, ulong tensors, ulong blockTable, void* table, int tableBytes, int chunkSize)
        {
            var step = (delegate* unmanaged<int, int, void*, void*, void*, int, int>)Export(kernel + "_emulated");
            Check(step(blocks, threads, (void*)tensors, (void*)blockTable, table, chunkSize), kernel);
        }

        public void LaunchNonFinite(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong found)
        {
            var check = (delegate* unmanaged<int, int, void*, void*, int, int*, int>)Export(CudaKernelSource.NonFiniteKernel + "_emulated");
            Check(check(blocks, threads, (void*)tensors, (void*)blockTable, chunkSize, (int*)found), CudaKernelSource.NonFiniteKernel);
        }

        public void LaunchSumOfSquares(int blocks, int threads, ulong tensors, ulong blockTable, int chunkSize, ulong partials, ulong sums)
        {
            var squares = (delegate* unmanaged<int, int, void*, void*, int, double*, int>)Export(CudaKernelSource.SumSquaresKernel + "_emulated");
            Check(squares(blocks, threads, (void*)tensors, (void*)blockTable, chunkSize, (double*)partials), CudaKernelSource.SumSquaresKernel);
            var lanes = (delegate* unmanaged<int, int, double*, int, int, double*, int>)Export(CudaKernelSource.SumLanesKernel + "_emulated");
            Check(lanes((blocks + threads - 1) / threads, threads, (double*)partials, blocks, threads, (double*)sums), CudaKernelSource.SumLanesKernel);
        }

        public void Synchronize()
        {
        }

        public void Dispose()
        {
            foreach (var pointer in _live)
            {
                NativeMemory.AlignedFree((void*)pointer);
            }

            _live.Clear();
        }

        private static void Check(int result, string kernel)
        {
            if (result != 0)
            {
                throw new CudaException($"the emulated {kernel} returned {result}", result);
            }
        }

        private IntPtr Export(string name)
        {
            if (!_exports.TryGetValue(name, out var address))
            {
                address = NativeLibrary.GetExport(_library, name);
                _exports.Add(name, address);
            }

            return address;
        }
    }
}

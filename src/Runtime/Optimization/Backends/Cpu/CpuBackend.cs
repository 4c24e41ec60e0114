using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization.Engine;

namespace WdGen.Optimization.Backends.Cpu
{
    /// <summary>
    /// The CPU: host memory, and a step that hands the work list's batches to persistent worker threads, each running
    /// the algorithm's vectorized update on its chunks. Results do not depend on the thread count: chunks are disjoint.
    /// </summary>
    internal sealed unsafe class CpuBackend : IEngineBackend
    {
        private readonly WorkerPool _pool;
        private readonly Dictionary<nint, long> _allocations = new();
        private readonly Action<int> _updateBatch;
        private readonly Action<int> _checkBatch;
        private OptimizerAlgorithm _algorithm = null!;
        private FusedWorkList _work = null!;
        private TensorSlot[] _slots = Array.Empty<TensorSlot>();
        private byte[] _coefficients = Array.Empty<byte>();
        private byte[]? _found;

        public CpuBackend(int threads)
        {
            if (threads < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(threads), threads, "ThreadCount must be at least 1.");
            }

            _pool = new WorkerPool(threads);
            _updateBatch = UpdateBatch;
            _checkBatch = CheckBatch;
        }

        public string Name => $"cpu, {ThreadCount} thread{(ThreadCount == 1 ? string.Empty : "s")}";

        /// <summary>The threads a step uses, the caller's included.</summary>
        public int ThreadCount => _pool.ThreadCount;

        public void Bind(OptimizerAlgorithm algorithm, FusedWorkList work, TensorSlot[] slots, byte[] coefficients)
        {
            _algorithm = algorithm;
            _work = work;
            _slots = slots;
            _coefficients = coefficients;
        }

        public nint Allocate(long bytes)
        {
            var size = (nuint)Math.Max(64, bytes);
            var pointer = (nint)NativeMemory.AlignedAlloc(size, 64);
            NativeMemory.Clear((void*)pointer, size);
            _allocations.Add(pointer, (long)size);
            GC.AddMemoryPressure((long)size);
            return pointer;
        }

        public void Free(nint address)
        {
            if (address != 0 && _allocations.Remove(address, out var size))
            {
                NativeMemory.AlignedFree((void*)address);
                GC.RemoveMemoryPressure(size);
            }
        }

        public void Upload(nint destination, void* source, long bytes) => Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);

        public void Download(void* destination, nint source, long bytes) => Buffer.MemoryCopy((void*)source, destination, bytes, bytes);

        public void Zero(nint destination, long bytes) => NativeMemory.Clear((void*)destination, (nuint)bytes);

        public void FindNonFinite(byte[] found)
        {
            _found = found;
            _pool.Run(_work.BatchCount, _checkBatch);
        }

        public void Step() => _pool.Run(_work.BatchCount, _updateBatch);

        public void Dispose()
        {
            _pool.Dispose();
            foreach (var (pointer, size) in _allocations)
            {
                NativeMemory.AlignedFree((void*)pointer);
                GC.RemoveMemoryPressure(size);
            }

            _allocations.Clear();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void UpdateBatch(int batch)
        {
            var size = _algorithm.CoefficientSize;
            foreach (var chunk in _work.ChunksOfBatch(batch))
            {
                ref readonly var slot = ref _slots[chunk.Parameter];
                if (slot.Grad != null)
                {
                    _algorithm.Update(in slot, _coefficients.AsSpan(chunk.Parameter * size, size), chunk.Offset, chunk.Length);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void CheckBatch(int batch)
        {
            foreach (var chunk in _work.ChunksOfBatch(batch))
            {
                var grad = _slots[chunk.Parameter].Grad;
                if (grad != null && !AllFinite(grad + chunk.Offset, chunk.Length))
                {
                    _found![chunk.Parameter] = 1;
                }
            }
        }

        /// <summary>True when every element is finite: x·0 is 0 for finite x and NaN for NaN or ±Inf, and NaN survives the sum.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static bool AllFinite(float* x, int length)
        {
            var i = 0;
            if (Avx.IsSupported)
            {
                var acc = Vector256<float>.Zero;
                var zero = Vector256<float>.Zero;
                for (; i <= length - 8; i += 8)
                {
                    acc = Avx.Add(acc, Avx.Multiply(Avx.LoadVector256(x + i), zero));
                }

                if (Avx.MoveMask(Avx.CompareNotEqual(acc, acc)) != 0)
                {
                    return false;
                }
            }

            for (; i < length; i++)
            {
                if (!float.IsFinite(x[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

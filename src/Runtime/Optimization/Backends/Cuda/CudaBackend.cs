using System;
using System.Collections.Generic;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization.Engine;

namespace WdGen.Optimization.Backends.Cuda
{
    /// <summary>
    /// An NVIDIA GPU: device memory, and a step that launches the algorithm's multi-tensor kernel once per table of up
    /// to <see cref="TensorsPerLaunch"/> tensors (one block per work-list chunk) on the legacy default stream, so it
    /// orders with libtorch's work. Each launch carries its coefficient table by value: the distinct coefficient rows of
    /// its tensors (usually one per group), at most <see cref="CudaLayout.TableRows"/>.
    /// </summary>
    /// <remarks>
    /// Needs the NVIDIA driver (libcuda.so.1 / nvcuda.dll) and NVRTC; without them <see cref="Create"/> throws one
    /// CudaUnavailableException that says what is missing. The kernels are compiled for the device's architecture
    /// at first use and the PTX is cached (see <see cref="CudaKernelSource"/>).
    /// </remarks>
    internal sealed unsafe class CudaBackend : IEngineBackend
    {
        /// <summary>The most tensors one launch's table holds; more tensors take more launches.</summary>
        public const int TensorsPerLaunch = 4096;

        private readonly ICudaDevice _device;
        private readonly bool _ownsDevice;
        private readonly HashSet<ulong> _allocations = new();
        private OptimizerAlgorithm _algorithm = null!;
        private FusedWorkList _work = null!;
        private TensorSlot[] _slots = Array.Empty<TensorSlot>();
        private byte[] _coefficients = Array.Empty<byte>();
        private TensorSlot[] _entries = Array.Empty<TensorSlot>();
        private TensorSlot[] _uploadedEntries = Array.Empty<TensorSlot>();
        private BlockEntry[] _blocks = Array.Empty<BlockEntry>();
        private BlockEntry[] _uploadedBlocks = Array.Empty<BlockEntry>();
        private int[] _launchFirstBlock = Array.Empty<int>();
        private byte[] _tables = Array.Empty<byte>();
        private int[] _found = Array.Empty<int>();
        private int _uploadedEntryCount = -1;
        private int _uploadedBlockCount = -1;
        private ulong _entryTable;
        private ulong _blockTable;
        private ulong _foundTable;
        private ulong _partials; // clipping: one double per lane of every chunk, allocated at the first clipped step
        private ulong _chunkSums;
        private double[] _sums = Array.Empty<double>();

        public CudaBackend(ICudaDevice device, bool ownsDevice)
        {
            _device = device;
            _ownsDevice = ownsDevice;
        }

        /// <summary>The backend for CUDA device <paramref name="ordinal"/> (as in <c>cuda:N</c>).</summary>
        public static CudaBackend Create(int ordinal) => new(new CudaDriverDevice(ordinal), ownsDevice: true);

        /// <summary>Null when this machine can run the CUDA backend (the driver loads and reports a device); otherwise why not.</summary>
        public static string? UnavailableReason() => CudaDriverDevice.Unavailable();

        public string Name => _device.Name;

        /// <summary>The CUDA kernels run every state format and parameter storage (multi_tensor.cuh).</summary>
        public string? Unsupported(StateFormat format, ParameterStorage parameters) => null;

        /// <summary>How many kernel launches the last step took (one per table of up to <see cref="TensorsPerLaunch"/> tensors).</summary>
        public int LastLaunchCount { get; private set; }

        public void Bind(OptimizerAlgorithm algorithm, FusedWorkList work, TensorSlot[] slots, byte[] coefficients)
        {
            _algorithm = algorithm;
            _work = work;
            _slots = slots;
            _coefficients = coefficients;
            var n = slots.Length;
            _entries = new TensorSlot[n];
            _uploadedEntries = new TensorSlot[n];
            _blocks = new BlockEntry[work.Chunks.Length];
            _uploadedBlocks = new BlockEntry[_blocks.Length];
            // A launch ends at TensorsPerLaunch tensors or when its table is full of distinct rows.
            var launches = (n / CudaLayout.TableRows) + (n / TensorsPerLaunch) + 2;
            _launchFirstBlock = new int[launches + 1];
            _tables = new byte[launches * CudaLayout.TableRows * algorithm.CoefficientSize];
            _found = new int[n];
            _entryTable = (ulong)Allocate(Math.Max(1, n) * (long)sizeof(TensorSlot));
            _blockTable = (ulong)Allocate(Math.Max(1, _blocks.Length) * (long)sizeof(BlockEntry));
            _foundTable = (ulong)Allocate(Math.Max(1, n) * (long)sizeof(int));
        }

        public nint Allocate(long bytes)
        {
            var pointer = _device.Allocate(bytes);
            _allocations.Add(pointer);
            return (nint)pointer;
        }

        public void Free(nint address)
        {
            if (address != 0 && _allocations.Remove((ulong)address))
            {
                _device.Free((ulong)address);
            }
        }

        public void Upload(nint destination, void* source, long bytes) => _device.Upload((ulong)destination, source, bytes);

        public void Download(void* destination, nint source, long bytes) => _device.Download(destination, (ulong)source, bytes);

        public void Copy(nint destination, nint source, long bytes) => _device.Copy((ulong)destination, (ulong)source, bytes);

        public void Zero(nint destination, long bytes) => _device.Zero((ulong)destination, bytes);

        public void FindNonFinite(byte[] found)
        {
            var (count, blockCount, _) = Collect(withCoefficients: false);
            if (blockCount == 0)
            {
                return;
            }

            Upload(count, blockCount);
            _device.Zero(_foundTable, count * sizeof(int));
            _device.LaunchNonFinite(blockCount, CudaLayout.ThreadsPerBlock, _entryTable, _blockTable, _work.ChunkElements, _foundTable);
            fixed (int* f = _found)
            {
                _device.Download(f, _foundTable, count * sizeof(int));
            }

            for (int p = 0, i = 0; p < _slots.Length; p++)
            {
                if (_slots[p].Grad != null && _found[i++] != 0)
                {
                    found[p] = 1;
                }
            }
        }

        public double GradientSumOfSquares()
        {
            var (count, blockCount, _) = Collect(withCoefficients: false);
            if (blockCount == 0)
            {
                return 0;
            }

            if (_partials == 0)
            {
                _partials = (ulong)Allocate((long)_blocks.Length * CudaLayout.ThreadsPerBlock * sizeof(double));
                _chunkSums = (ulong)Allocate(Math.Max(1, _blocks.Length) * (long)sizeof(double));
                _sums = new double[_blocks.Length];
            }

            Upload(count, blockCount);
            _device.LaunchSumOfSquares(blockCount, CudaLayout.ThreadsPerBlock, _entryTable, _blockTable, _work.ChunkElements, _partials, _chunkSums);
            fixed (double* s = _sums)
            {
                _device.Download(s, _chunkSums, blockCount * (long)sizeof(double));
            }

            // Blocks are the chunks of the tensors with a gradient in work-list order: the CPU backend's order of addition.
            var sum = 0.0;
            for (var b = 0; b < blockCount; b++)
            {
                sum += _sums[b];
            }

            return sum;
        }

        public void Step()
        {
            var (count, blockCount, launches) = Collect(withCoefficients: true);
            LastLaunchCount = 0;
            if (count == 0)
            {
                return;
            }

            Upload(count, blockCount);
            var tableBytes = CudaLayout.TableRows * _algorithm.CoefficientSize;
            fixed (byte* tables = _tables)
            {
                for (var l = 0; l < launches; l++)
                {
                    var blocks = _launchFirstBlock[l + 1] - _launchFirstBlock[l];
                    if (blocks > 0)
                    {
                        _device.LaunchStep(
                            _algorithm.CudaKernel, blocks, CudaLayout.ThreadsPerBlock, _entryTable, _blockTable + (ulong)(_launchFirstBlock[l] * sizeof(BlockEntry)),
                            tables + (l * tableBytes), tableBytes, _work.ChunkElements);
                        LastLaunchCount++;
                    }
                }
            }
        }

        public void Dispose()
        {
            foreach (var pointer in _allocations)
            {
                _device.Free(pointer);
            }

            _allocations.Clear();
            if (_ownsDevice)
            {
                _device.Dispose();
            }
        }

        /// <summary>
        /// The tensor and block tables of the parameters with a gradient, split into launches of at most
        /// <see cref="TensorsPerLaunch"/> tensors and <see cref="CudaLayout.TableRows"/> distinct coefficient rows each.
        /// </summary>
        private (int Tensors, int Blocks, int Launches) Collect(bool withCoefficients)
        {
            var size = _algorithm.CoefficientSize;
            var tableBytes = CudaLayout.TableRows * size;
            int count = 0, blockCount = 0, launch = 0, rows = 0, inLaunch = 0;
            _launchFirstBlock[0] = 0;
            for (var p = 0; p < _slots.Length; p++)
            {
                if (_slots[p].Grad == null)
                {
                    continue;
                }

                var row = -1;
                if (withCoefficients)
                {
                    var coefficients = _coefficients.AsSpan(p * size, size);
                    row = FindRow(_tables.AsSpan(launch * tableBytes, rows * size), coefficients, size);
                    if (inLaunch == TensorsPerLaunch || (row < 0 && rows == CudaLayout.TableRows))
                    {
                        _launchFirstBlock[++launch] = blockCount;
                        rows = 0;
                        inLaunch = 0;
                        row = -1;
                    }

                    if (row < 0)
                    {
                        row = rows++;
                        coefficients.CopyTo(_tables.AsSpan((launch * tableBytes) + (row * size), size));
                    }
                }

                _entries[count] = _slots[p];
                _entries[count].Coefficients = Math.Max(row, 0);
                foreach (var chunk in _work.ChunksOf(p))
                {
                    _blocks[blockCount++] = new BlockEntry { Tensor = count, Chunk = checked((int)(chunk.Offset / _work.ChunkElements)) };
                }

                count++;
                inLaunch++;
            }

            _launchFirstBlock[launch + 1] = blockCount;
            return (count, blockCount, launch + 1);
        }

        /// <summary>Byte-wise equality: no boxing, no allocation.</summary>
        private static bool Same<T>(Span<T> a, Span<T> b)
            where T : unmanaged
            => System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));

        private static int FindRow(ReadOnlySpan<byte> table, ReadOnlySpan<byte> row, int size)
        {
            for (var r = 0; r * size < table.Length; r++)
            {
                if (table.Slice(r * size, size).SequenceEqual(row))
                {
                    return r;
                }
            }

            return -1;
        }

        /// <summary>Uploads the tables that changed since the last step (a steady training loop uploads nothing).</summary>
        private void Upload(int count, int blockCount)
        {
            if (count != _uploadedEntryCount || !Same(_entries.AsSpan(0, count), _uploadedEntries.AsSpan(0, count)))
            {
                fixed (TensorSlot* e = _entries)
                {
                    _device.Upload(_entryTable, e, count * (long)sizeof(TensorSlot));
                }

                _entries.AsSpan(0, count).CopyTo(_uploadedEntries);
                _uploadedEntryCount = count;
            }

            if (blockCount != _uploadedBlockCount || !Same(_blocks.AsSpan(0, blockCount), _uploadedBlocks.AsSpan(0, blockCount)))
            {
                fixed (BlockEntry* b = _blocks)
                {
                    _device.Upload(_blockTable, b, blockCount * (long)sizeof(BlockEntry));
                }

                _blocks.AsSpan(0, blockCount).CopyTo(_uploadedBlocks);
                _uploadedBlockCount = blockCount;
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace WdGen.Optimization.Cuda
{
    /// <summary>
    /// The fused optimizer on an NVIDIA GPU: the same algorithms, options, numbers and state files as
    /// <see cref="FusedOptimizer"/>, for parameters and gradients in device memory (e.g. TorchSharp CUDA tensors).
    /// Each step launches one multi-tensor kernel per table of up to <see cref="TensorsPerLaunch"/> tensors (one block per
    /// 65,536-element chunk of the shared <see cref="FusedWorkList"/>), on the legacy default stream so it orders with
    /// libtorch's work. Optimizer state and decay masks live on the device; <see cref="SaveState"/> copies the state to the
    /// host and writes the CPU engine's name-keyed format, so state moves freely between CPU and GPU runs.
    /// </summary>
    /// <remarks>
    /// Needs the NVIDIA driver (libcuda.so.1 / nvcuda.dll) and NVRTC; without them the constructor throws one
    /// <see cref="CudaUnavailableException"/> that says what is missing. The kernel is compiled for the device's
    /// architecture at first use and the PTX is cached (see <see cref="CudaKernelSource"/>). Not thread-safe.
    /// </remarks>
    internal sealed unsafe class CudaFusedOptimizer : IFusedEngine
    {
        /// <summary>The most tensors one launch's table holds; more tensors take more launches.</summary>
        public const int TensorsPerLaunch = 4096;

        /// <summary>Threads per block (each handles 4 elements per iteration: 2,048 elements per block pass).</summary>
        public const int ThreadsPerBlock = 512;

        /// <summary>Rows of a launch's coefficient table (WDG_TABLE_ROWS in fused_optimizer.cu): distinct (group, step, flags) per launch.</summary>
        public const int CoefficientRows = 32;

        private const long StagingFloats = 1 << 20;

        private readonly ICudaDevice _device;
        private readonly bool _ownsDevice;
        private readonly FusedGroupOptions[] _groups;
        private readonly FusedParameterSpec[] _specs;
        private readonly Dictionary<string, int> _indexByName;
        private readonly long[] _steps;
        private readonly ulong[][] _state; // [kind][parameter] device pointers, 0 when absent
        private readonly ulong[] _masks;
        private readonly ulong[] _params;
        private readonly ulong[] _grads;
        private readonly List<ulong> _allocations = new();
        private readonly HashSet<ulong> _arenaViews = new();
        private readonly bool _checkNonFinite;
        private readonly CudaTensorEntry[] _entries;
        private readonly CudaTensorEntry[] _uploadedEntries;
        private readonly CudaBlockEntry[] _blocks;
        private readonly CudaBlockEntry[] _uploadedBlocks;
        private readonly int[] _launchFirstBlock;
        private readonly int[] _launchRows;
        private readonly CudaCoefficientTable[] _tables;
        private readonly int[] _found;
        private int _uploadedEntryCount = -1;
        private int _uploadedBlockCount = -1;
        private ulong _entryTable;
        private ulong _blockTable;
        private ulong _foundTable;
        private ulong[]? _scratch;
        private bool _disposed;

        /// <summary>Creates the engine on CUDA device <paramref name="deviceOrdinal"/> with zero state.</summary>
        /// <param name="algorithm">The update rule.</param>
        /// <param name="groups">The parameter groups (kept, so schedulers can change them).</param>
        /// <param name="parameters">The parameters in the caller's order.</param>
        /// <param name="fingerprint">The grouping fingerprint stored in and checked against state files.</param>
        /// <param name="options">Chunking and the non-finite check (<see cref="FusedEngineOptions.ThreadCount"/> is not used).</param>
        /// <param name="deviceOrdinal">The CUDA device (as in <c>cuda:N</c>).</param>
        /// <exception cref="CudaUnavailableException">No NVIDIA driver, NVRTC, or device.</exception>
        public CudaFusedOptimizer(
            FusedAlgorithm algorithm,
            IReadOnlyList<FusedGroupOptions> groups,
            IReadOnlyList<FusedParameterSpec> parameters,
            string fingerprint,
            FusedEngineOptions? options = null,
            int deviceOrdinal = 0)
            : this(algorithm, groups, parameters, fingerprint, options, Validated(algorithm, groups, parameters, fingerprint, () => new CudaDriverDevice(deviceOrdinal)), ownsDevice: true)
        {
        }

        internal CudaFusedOptimizer(
            FusedAlgorithm algorithm,
            IReadOnlyList<FusedGroupOptions> groups,
            IReadOnlyList<FusedParameterSpec> parameters,
            string fingerprint,
            FusedEngineOptions? options,
            ICudaDevice device,
            bool ownsDevice)
        {
            _device = device;
            _ownsDevice = ownsDevice;
            try
            {
                Validated(algorithm, groups, parameters, fingerprint, () => device);
                options ??= new FusedEngineOptions();
                if (options.ChunkElements < 1)
                {
                    throw new ArgumentOutOfRangeException(nameof(options), options.ChunkElements, "ChunkElements must be at least 1.");
                }

                Algorithm = algorithm;
                Fingerprint = fingerprint;
                _checkNonFinite = options.CheckNonFinite;
                _groups = new FusedGroupOptions[groups.Count];
                for (var g = 0; g < groups.Count; g++)
                {
                    _groups[g] = groups[g];
                }

                var n = parameters.Count;
                _specs = new FusedParameterSpec[n];
                _indexByName = new Dictionary<string, int>(n, StringComparer.Ordinal);
                _steps = new long[n];
                _masks = new ulong[n];
                _params = new ulong[n];
                _grads = new ulong[n];
                _state = new ulong[FusedStateFile.KindCount][];
                for (var k = 0; k < _state.Length; k++)
                {
                    _state[k] = new ulong[n];
                }

                var lengths = new long[n];
                var groupOf = new int[n];
                var masked = new bool[n];
                for (var p = 0; p < n; p++)
                {
                    _specs[p] = parameters[p];
                    _indexByName.Add(parameters[p].Name, p);
                    lengths[p] = parameters[p].Length;
                    groupOf[p] = parameters[p].GroupIndex;
                    masked[p] = parameters[p].DecayMask != null;
                }

                WorkList = new FusedWorkList(lengths, groupOf, masked, options.ChunkElements);

                // Moments and masks: one arena each, every tensor 64-byte aligned (16 floats), in work-list order.
                var offsets = new long[n];
                long total = 0;
                for (var p = 0; p < n; p++)
                {
                    offsets[p] = total;
                    total += (lengths[p] + 15) & ~15L;
                }

                if (algorithm != FusedAlgorithm.Sgd)
                {
                    foreach (var kind in new[] { FusedStateKind.ExpAvg, FusedStateKind.ExpAvgSq })
                    {
                        var arena = Allocate(total * sizeof(float));
                        for (var p = 0; p < n; p++)
                        {
                            _state[(int)kind][p] = arena + (ulong)(offsets[p] * sizeof(float));
                            _arenaViews.Add(_state[(int)kind][p]);
                        }
                    }

                    for (var p = 0; p < n; p++)
                    {
                        if (_groups[_specs[p].GroupIndex].Amsgrad)
                        {
                            Ensure(p, FusedStateKind.MaxExpAvgSq);
                        }
                    }
                }

                if (Array.IndexOf(masked, true) >= 0)
                {
                    var arena = Allocate(total * sizeof(float));
                    for (var p = 0; p < n; p++)
                    {
                        if (_specs[p].DecayMask is { } mask)
                        {
                            _masks[p] = arena + (ulong)(offsets[p] * sizeof(float));
                            fixed (float* m = mask)
                            {
                                _device.Upload(_masks[p], m, mask.LongLength * sizeof(float));
                            }
                        }
                    }
                }

                _entries = new CudaTensorEntry[n];
                _uploadedEntries = new CudaTensorEntry[n];
                _blocks = new CudaBlockEntry[WorkList.Chunks.Length];
                _uploadedBlocks = new CudaBlockEntry[_blocks.Length];
                _launchFirstBlock = new int[n + 1];
                _launchRows = new int[n + 1];
                _tables = new CudaCoefficientTable[Math.Max(1, n)];
                _found = new int[n];
                _entryTable = Allocate(Math.Max(1, n) * (long)sizeof(CudaTensorEntry));
                _blockTable = Allocate(Math.Max(1, _blocks.Length) * (long)sizeof(CudaBlockEntry));
                _foundTable = Allocate(Math.Max(1, n) * (long)sizeof(int));
            }
            catch
            {
                FreeAll();
                throw;
            }
        }

        /// <summary>
        /// Null when this machine can run the CUDA engine (the NVIDIA driver loads and reports a device); otherwise why
        /// not, e.g. the missing library and what to install. Does not compile the kernel (NVRTC is checked at construction).
        /// </summary>
        /// <returns>The reason, or null.</returns>
        public static string? UnavailableReason() => CudaDriverDevice.Unavailable();

        /// <summary>The update rule.</summary>
        public FusedAlgorithm Algorithm { get; }

        /// <summary>The grouping fingerprint.</summary>
        public string Fingerprint { get; }

        /// <summary>The groups' options: the very instances passed in.</summary>
        public IReadOnlyList<FusedGroupOptions> Groups => _groups;

        /// <summary>The parameters, in index order.</summary>
        public IReadOnlyList<FusedParameterSpec> Parameters => _specs;

        /// <summary>The chunk table shared with the CPU engine (one kernel block per chunk).</summary>
        public FusedWorkList WorkList { get; }

        /// <summary>The device's name and architecture.</summary>
        public string DeviceName => _device.Name;

        /// <summary>How many kernel launches the last applied step took (one per table of up to <see cref="TensorsPerLaunch"/> tensors).</summary>
        public int LastLaunchCount { get; private set; }

        /// <summary>The index of a parameter by name.</summary>
        /// <param name="name">The parameter name.</param>
        /// <returns>The index.</returns>
        public int IndexOf(string name) =>
            _indexByName.TryGetValue(name, out var index) ? index : throw new KeyNotFoundException($"No parameter is named '{name}'.");

        /// <summary>Points parameter <paramref name="index"/> at its device data and gradient (<see cref="IntPtr.Zero"/>: none this step).</summary>
        /// <param name="index">The parameter index.</param>
        /// <param name="param">Device address of the float32 elements.</param>
        /// <param name="grad">Device address of the gradient, or zero.</param>
        public void SetBuffers(int index, IntPtr param, IntPtr grad)
        {
            ThrowIfDisposed();
            if ((uint)index >= (uint)_params.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {_params.Length} parameters.");
            }

            _params[index] = (ulong)(long)param;
            _grads[index] = (ulong)(long)grad;
        }

        /// <summary>As <see cref="SetBuffers(int, IntPtr, IntPtr)"/>, checking element counts against the declared length.</summary>
        /// <param name="index">The parameter index.</param>
        /// <param name="param">Device address of the float32 elements.</param>
        /// <param name="paramLength">Its element count.</param>
        /// <param name="grad">Device address of the gradient, or zero.</param>
        /// <param name="gradLength">Its element count (ignored when zero).</param>
        public void SetBuffers(int index, IntPtr param, long paramLength, IntPtr grad, long gradLength)
        {
            ThrowIfDisposed();
            if ((uint)index >= (uint)_params.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {_params.Length} parameters.");
            }

            FusedValidation.Length(_specs[index].Name, "the parameter buffer", _specs[index].Length, paramLength);
            if (grad != IntPtr.Zero)
            {
                FusedValidation.Length(_specs[index].Name, "the gradient", _specs[index].Length, gradLength);
            }

            SetBuffers(index, param, grad);
        }

        /// <summary>Applies one step to every parameter whose gradient is set (queued on the device; returns without waiting unless the non-finite check runs).</summary>
        /// <returns>What was done.</returns>
        public FusedStepResult Step()
        {
            ThrowIfDisposed();
            for (var g = 0; g < _groups.Length; g++)
            {
                _groups[g].Validate(Algorithm, g);
            }

            var count = 0;
            var blockCount = 0;
            for (var p = 0; p < _specs.Length; p++)
            {
                if (_grads[p] == 0)
                {
                    continue;
                }

                if (_params[p] == 0)
                {
                    throw new InvalidOperationException($"Parameter '{_specs[p].Name}' has a gradient but no parameter buffer; call SetBuffers first.");
                }

                ref var e = ref _entries[count];
                e = default;
                e.Param = _params[p];
                e.Grad = _grads[p];
                e.Mask = _masks[p];
                e.Numel = _specs[p].Length;
                foreach (var chunk in WorkList.ChunksOf(p))
                {
                    _blocks[blockCount++] = new CudaBlockEntry { Tensor = count, Chunk = checked((int)(chunk.Offset / WorkList.ChunkElements)) };
                }

                count++;
            }

            if (_checkNonFinite && blockCount > 0)
            {
                UploadTables(count, blockCount);
                _device.Zero(_foundTable, count * sizeof(int));
                _device.LaunchNonFinite(blockCount, ThreadsPerBlock, _entryTable, _blockTable, WorkList.ChunkElements, _foundTable);
                fixed (int* f = _found)
                {
                    _device.Download(f, _foundTable, count * sizeof(int));
                }

                List<string>? names = null;
                for (int p = 0, i = 0; p < _specs.Length; p++)
                {
                    if (_grads[p] != 0 && _found[i++] != 0)
                    {
                        (names ??= new List<string>()).Add(_specs[p].Name);
                    }
                }

                if (names != null)
                {
                    return new FusedStepResult(0, names);
                }
            }

            // Coefficients (the CPU engine's code), the state pointers, and the launches' coefficient tables.
            var launches = 0;
            var rows = 0;
            var inLaunch = 0;
            _launchFirstBlock[0] = 0;
            for (int p = 0, i = 0, block = 0; p < _specs.Length; p++)
            {
                if (_grads[p] == 0)
                {
                    continue;
                }

                var group = _groups[_specs[p].GroupIndex];
                var first = false;
                if (Algorithm == FusedAlgorithm.Sgd)
                {
                    if (group.Momentum != 0 && _state[(int)FusedStateKind.MomentumBuffer][p] == 0)
                    {
                        Ensure(p, FusedStateKind.MomentumBuffer);
                        first = true;
                    }
                }
                else if (group.Amsgrad)
                {
                    Ensure(p, FusedStateKind.MaxExpAvgSq);
                }

                var c = FusedCoefficients.Compute(Algorithm, group, ++_steps[p], _masks[p] != 0, first);
                var row = FindRow(launches, rows, c);
                if (inLaunch == TensorsPerLaunch || (row < 0 && rows == CoefficientRows))
                {
                    _launchRows[launches] = rows;
                    launches++;
                    _launchFirstBlock[launches] = block;
                    rows = 0;
                    inLaunch = 0;
                    row = -1;
                }

                if (row < 0)
                {
                    row = rows++;
                    _tables[launches][row] = c;
                }

                ref var e = ref _entries[i];
                e.Coefficients = row;
                if (Algorithm == FusedAlgorithm.Sgd)
                {
                    e.Aux = _state[(int)FusedStateKind.MomentumBuffer][p];
                }
                else
                {
                    e.ExpAvg = _state[(int)FusedStateKind.ExpAvg][p];
                    e.ExpAvgSq = _state[(int)FusedStateKind.ExpAvgSq][p];
                    e.Aux = _state[(int)FusedStateKind.MaxExpAvgSq][p];
                }

                block += WorkList.ChunksOf(p).Length;
                inLaunch++;
                i++;
            }

            if (count > 0)
            {
                _launchRows[launches] = rows;
                launches++;
                _launchFirstBlock[launches] = blockCount;
                UploadTables(count, blockCount);
                var algorithm = (int)Algorithm; // AdamW 0, Adam 1, Sgd 2 (WDG_ALGORITHM_SGD)
                var issued = 0;
                for (var l = 0; l < launches; l++)
                {
                    var blocks = _launchFirstBlock[l + 1] - _launchFirstBlock[l];
                    if (blocks > 0)
                    {
                        _device.LaunchStep(blocks, ThreadsPerBlock, _entryTable, _blockTable + (ulong)(_launchFirstBlock[l] * sizeof(CudaBlockEntry)), in _tables[l], WorkList.ChunkElements, algorithm);
                        issued++;
                    }
                }

                LastLaunchCount = issued;
            }
            else
            {
                LastLaunchCount = 0;
            }

            return new FusedStepResult(count, null);
        }

        /// <summary>
        /// Convenience for tests: copies host arrays to device buffers, steps, copies the parameters back, and clears the
        /// buffers again. Allocates device scratch memory once.
        /// </summary>
        /// <param name="parameters">One array per parameter, updated in place.</param>
        /// <param name="gradients">One gradient per parameter, or null where the parameter has none this step.</param>
        /// <returns>What was done.</returns>
        public FusedStepResult Step(float[][] parameters, float[]?[] gradients)
        {
            ThrowIfDisposed();
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(gradients);
            if (parameters.Length != _specs.Length || gradients.Length != _specs.Length)
            {
                throw new ArgumentException($"Expected {_specs.Length} parameters and gradients, got {parameters.Length} and {gradients.Length}.");
            }

            if (_scratch == null)
            {
                _scratch = new ulong[2 * _specs.Length];
                for (var p = 0; p < _specs.Length; p++)
                {
                    _scratch[2 * p] = Allocate(_specs[p].Length * sizeof(float));
                    _scratch[(2 * p) + 1] = Allocate(_specs[p].Length * sizeof(float));
                }
            }

            try
            {
                for (var p = 0; p < _specs.Length; p++)
                {
                    var param = parameters[p] ?? throw new ArgumentException($"Parameter '{_specs[p].Name}': the parameter array is null.");
                    FusedValidation.Length(_specs[p].Name, "the parameter array", _specs[p].Length, param.LongLength);
                    fixed (float* source = param)
                    {
                        _device.Upload(_scratch[2 * p], source, param.LongLength * sizeof(float));
                    }

                    var grad = gradients[p];
                    if (grad != null)
                    {
                        FusedValidation.Length(_specs[p].Name, "the gradient array", _specs[p].Length, grad.LongLength);
                        fixed (float* source = grad)
                        {
                            _device.Upload(_scratch[(2 * p) + 1], source, grad.LongLength * sizeof(float));
                        }
                    }

                    SetBuffers(p, (IntPtr)(long)_scratch[2 * p], grad == null ? IntPtr.Zero : (IntPtr)(long)_scratch[(2 * p) + 1]);
                }

                var result = Step();
                for (var p = 0; p < _specs.Length; p++)
                {
                    fixed (float* destination = parameters[p])
                    {
                        _device.Download(destination, _scratch[2 * p], parameters[p].LongLength * sizeof(float));
                    }
                }

                return result;
            }
            finally
            {
                Array.Clear(_params);
                Array.Clear(_grads);
            }
        }

        /// <summary>
        /// Sets <paramref name="elements"/> floats of device memory to zero on the legacy default stream (ordered with
        /// the steps and libtorch's work): what a bridge's <c>zero_grad()</c> needs for gradients on the device.
        /// </summary>
        /// <param name="deviceAddress">The first element.</param>
        /// <param name="elements">How many floats.</param>
        public void ZeroBuffer(IntPtr deviceAddress, long elements)
        {
            ThrowIfDisposed();
            if (deviceAddress == IntPtr.Zero || elements <= 0)
            {
                return;
            }

            _device.Zero((ulong)(long)deviceAddress, elements * sizeof(float));
        }

        /// <summary>How many steps parameter <paramref name="index"/> has taken.</summary>
        /// <param name="index">The parameter index.</param>
        /// <returns>The step count.</returns>
        public long StepCount(int index) => _steps[index];

        /// <summary>Copies a state buffer of one parameter from the device into <paramref name="destination"/>.</summary>
        /// <param name="index">The parameter index.</param>
        /// <param name="kind">Which buffer.</param>
        /// <param name="destination">Exactly as long as the parameter.</param>
        /// <returns>False (and zeros written) when the buffer does not exist yet.</returns>
        public bool ReadState(int index, FusedStateKind kind, Span<float> destination)
        {
            ThrowIfDisposed();
            FusedValidation.Length(_specs[index].Name, "the destination span", _specs[index].Length, destination.Length);
            var pointer = _state[(int)kind][index];
            if (pointer == 0)
            {
                destination.Clear();
                return false;
            }

            fixed (float* d = destination)
            {
                _device.Download(d, pointer, (long)destination.Length * sizeof(float));
            }

            return true;
        }

        /// <summary>Copies the state to the host and writes it in <see cref="FusedOptimizer.SaveState"/>'s format (atomically).</summary>
        /// <param name="path">The destination file.</param>
        public void SaveState(string path)
        {
            ThrowIfDisposed();
            var staging = new float[Math.Min(StagingFloats, Math.Max(1, MaxLength()))];
            FusedStateFile.Save(
                path,
                Algorithm,
                Fingerprint,
                _specs,
                _steps,
                (k, p) => _state[k][p] != 0,
                (k, p, writer) =>
                {
                    var source = _state[k][p];
                    fixed (float* s = staging)
                    {
                        for (long offset = 0; offset < _specs[p].Length; offset += staging.Length)
                        {
                            var count = Math.Min(staging.Length, _specs[p].Length - offset);
                            _device.Download(s, source + (ulong)(offset * sizeof(float)), count * sizeof(float));
                            writer.Floats(s, count);
                        }
                    }
                });
        }

        /// <summary>
        /// Replaces the state with a file written by either engine's <c>SaveState</c> (same checks as
        /// <see cref="FusedOptimizer.LoadState"/>; a failed load changes nothing).
        /// </summary>
        /// <param name="path">The state file.</param>
        /// <exception cref="InvalidDataException">The file does not fit this optimizer or is damaged.</exception>
        public void LoadState(string path)
        {
            ThrowIfDisposed();
            var loaded = FusedStateFile.Load(path, Algorithm, Fingerprint, _specs, _indexByName, out var steps);
            try
            {
                for (var k = 0; k < FusedStateFile.KindCount; k++)
                {
                    for (var p = 0; p < _specs.Length; p++)
                    {
                        var bytes = _specs[p].Length * sizeof(float);
                        var source = loaded[k][p];
                        if (source == null)
                        {
                            if (_state[k][p] != 0 && _arenaViews.Contains(_state[k][p]))
                            {
                                _device.Zero(_state[k][p], bytes);
                            }
                            else if (_state[k][p] != 0)
                            {
                                Release(_state[k][p]);
                                _state[k][p] = 0;
                            }

                            continue;
                        }

                        if (_state[k][p] == 0)
                        {
                            _state[k][p] = Allocate(bytes);
                        }

                        _device.Upload(_state[k][p], source.Pointer, bytes);
                    }
                }

                Array.Copy(steps, _steps, steps.Length);
            }
            finally
            {
                FusedStateFile.DisposeAll(loaded);
            }
        }

        /// <summary>Frees the device state and releases the device.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            FreeAll();
        }

        private static ICudaDevice Validated(
            FusedAlgorithm algorithm,
            IReadOnlyList<FusedGroupOptions> groups,
            IReadOnlyList<FusedParameterSpec> parameters,
            string fingerprint,
            Func<ICudaDevice> device)
        {
            // Argument errors come before any attempt to reach the GPU.
            ArgumentNullException.ThrowIfNull(groups);
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(fingerprint);
            if (algorithm is not (FusedAlgorithm.AdamW or FusedAlgorithm.Adam or FusedAlgorithm.Sgd))
            {
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown algorithm.");
            }

            for (var g = 0; g < groups.Count; g++)
            {
                (groups[g] ?? throw new ArgumentException($"Group {g} is null.", nameof(groups))).Validate(algorithm, g);
            }

            FusedValidation.Parameters(parameters, groups.Count);
            return device();
        }

        private int FindRow(int launch, int rows, in FusedCoefficients c)
        {
            for (var r = 0; r < rows; r++)
            {
                var existing = _tables[launch][r];
                if (MemoryMarshal.AsBytes(new ReadOnlySpan<FusedCoefficients>(in existing)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<FusedCoefficients>(in c))))
                {
                    return r;
                }
            }

            return -1;
        }

        private void UploadTables(int count, int blockCount)
        {
            if (count != _uploadedEntryCount || !_entries.AsSpan(0, count).SequenceEqual(_uploadedEntries.AsSpan(0, count)))
            {
                fixed (CudaTensorEntry* e = _entries)
                {
                    _device.Upload(_entryTable, e, count * (long)sizeof(CudaTensorEntry));
                }

                _entries.AsSpan(0, count).CopyTo(_uploadedEntries);
                _uploadedEntryCount = count;
            }

            if (blockCount != _uploadedBlockCount
                || !MemoryMarshal.AsBytes(_blocks.AsSpan(0, blockCount)).SequenceEqual(MemoryMarshal.AsBytes(_uploadedBlocks.AsSpan(0, blockCount))))
            {
                fixed (CudaBlockEntry* b = _blocks)
                {
                    _device.Upload(_blockTable, b, blockCount * (long)sizeof(CudaBlockEntry));
                }

                _blocks.AsSpan(0, blockCount).CopyTo(_uploadedBlocks);
                _uploadedBlockCount = blockCount;
            }
        }

        private void Ensure(int p, FusedStateKind kind)
        {
            if (_state[(int)kind][p] == 0)
            {
                _state[(int)kind][p] = Allocate(_specs[p].Length * sizeof(float));
            }
        }

        private long MaxLength()
        {
            long max = 0;
            foreach (var spec in _specs)
            {
                max = Math.Max(max, spec.Length);
            }

            return max;
        }

        private ulong Allocate(long bytes)
        {
            var pointer = _device.Allocate(bytes);
            _allocations.Add(pointer);
            return pointer;
        }

        private void Release(ulong pointer)
        {
            _allocations.Remove(pointer);
            _device.Free(pointer);
        }

        private void FreeAll()
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

        private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
    }
}

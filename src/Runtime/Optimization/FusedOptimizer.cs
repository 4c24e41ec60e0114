using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WdGen.Optimization
{
    /// <summary>
    /// A fused multi-tensor CPU optimizer: one pass over all parameters of all groups per step, reading param, grad
    /// and the moments once and writing param and the moments once (28 bytes per element for Adam/AdamW).
    /// Per-group hyper-parameters and per-element decay masks are honoured; the numbers match <c>torch.optim</c>
    /// (single-tensor path) bit for bit on AVX2+FMA hardware and are identical for every thread count.
    /// </summary>
    /// <remarks>
    /// Typical use from a bridge: construct once; every step call <see cref="SetBuffers(int, float*, long, float*, long)"/>
    /// for each parameter (grad null when the parameter has no gradient), then <see cref="Step()"/>, which allocates
    /// nothing. The engine owns the optimizer state; <see cref="SaveState"/>/<see cref="LoadState"/> persist it keyed
    /// by parameter name and the caller's group fingerprint. Not thread-safe: one step at a time.
    /// </remarks>
    internal sealed unsafe partial class FusedOptimizer : IFusedEngine
    {
        private readonly FusedGroupOptions[] _groups;
        private readonly FusedParameterSpec[] _specs;
        private readonly Dictionary<string, int> _indexByName;
        private readonly FusedSlot[] _slots;
        private readonly FusedCoefficients[] _coefficients;
        private readonly long[] _steps;
        private readonly FusedNativeBuffer?[][] _state; // [kind][parameter]; Adam moments are views into _arenas
        private readonly List<FusedNativeBuffer> _arenas = new();
        private readonly FusedNativeBuffer?[] _masks;
        private readonly byte[] _nonFinite;
        private readonly FusedWorkerPool _pool;
        private readonly Action<int> _updateWork;
        private readonly Action<int> _checkWork;
        private readonly bool _checkNonFinite;
        private bool _disposed;

        /// <summary>Creates the engine and its zero state.</summary>
        /// <param name="algorithm">The update rule.</param>
        /// <param name="groups">The parameter groups; the instances are kept (see <see cref="Groups"/>) so schedulers can change them.</param>
        /// <param name="parameters">The parameters in the caller's order (the index used by every other member).</param>
        /// <param name="fingerprint">A description of the grouping the caller derived (stored in and checked against state files).</param>
        /// <param name="options">Threading, chunking and the non-finite gradient check.</param>
        /// <exception cref="ArgumentException">A parameter is named twice, has a bad group, length or mask, or a group is invalid.</exception>
        public FusedOptimizer(
            FusedAlgorithm algorithm,
            IReadOnlyList<FusedGroupOptions> groups,
            IReadOnlyList<FusedParameterSpec> parameters,
            string fingerprint,
            FusedEngineOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(groups);
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(fingerprint);
            if (algorithm is not (FusedAlgorithm.AdamW or FusedAlgorithm.Adam or FusedAlgorithm.Sgd))
            {
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown algorithm.");
            }

            options ??= new FusedEngineOptions();
            Algorithm = algorithm;
            Fingerprint = fingerprint;
            _groups = new FusedGroupOptions[groups.Count];
            for (var g = 0; g < groups.Count; g++)
            {
                _groups[g] = groups[g] ?? throw new ArgumentException($"Group {g} is null.", nameof(groups));
                _groups[g].Validate(algorithm, g);
            }

            FusedValidation.Parameters(parameters, groups.Count);
            var threads = options.ThreadCount ?? Environment.ProcessorCount;
            if (threads < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), threads, "ThreadCount must be at least 1.");
            }

            var n = parameters.Count;
            _specs = new FusedParameterSpec[n];
            _indexByName = new Dictionary<string, int>(n, StringComparer.Ordinal);
            var lengths = new long[n];
            var groupOf = new int[n];
            var masked = new bool[n];
            _masks = new FusedNativeBuffer?[n];
            _slots = new FusedSlot[n];
            _coefficients = new FusedCoefficients[n];
            _steps = new long[n];
            _nonFinite = new byte[n];
            _state = new FusedNativeBuffer?[4][];
            for (var k = 0; k < _state.Length; k++)
            {
                _state[k] = new FusedNativeBuffer?[n];
            }

            try
            {
                for (var p = 0; p < n; p++)
                {
                    var spec = parameters[p];
                    _specs[p] = spec;
                    _indexByName.Add(spec.Name, p);
                    lengths[p] = spec.Length;
                    groupOf[p] = spec.GroupIndex;
                    masked[p] = spec.DecayMask != null;
                    if (spec.DecayMask is { } mask)
                    {
                        var buffer = new FusedNativeBuffer(spec.Length);
                        mask.AsSpan().CopyTo(new Span<float>(buffer.Pointer, mask.Length));
                        _masks[p] = buffer;
                        _slots[p].Mask = buffer.Pointer;
                    }

                    if (algorithm != FusedAlgorithm.Sgd && _groups[spec.GroupIndex].Amsgrad)
                        {
                        Ensure(p, FusedStateKind.MaxExpAvgSq);
                    }
                }

                if (algorithm != FusedAlgorithm.Sgd)
                {
                    // Both moments of all parameters live in one arena each, in work-list order, so consecutive small
                    // tensors are consecutive in memory and the hardware prefetchers keep streaming across them.
                    var offsets = new long[n];
                    long total = 0;
                    for (var p = 0; p < n; p++)
                    {
                        offsets[p] = total;
                        total += (lengths[p] + 15) & ~15L; // keep every tensor 64-byte aligned
                    }

                    foreach (var kind in new[] { FusedStateKind.ExpAvg, FusedStateKind.ExpAvgSq })
                    {
                        var arena = new FusedNativeBuffer(total);
                        _arenas.Add(arena);
                        for (var p = 0; p < n; p++)
                        {
                            _state[(int)kind][p] = arena.View(offsets[p], lengths[p]);
                        }
                    }

                    for (var p = 0; p < n; p++)
                    {
                        _slots[p].ExpAvg = _state[(int)FusedStateKind.ExpAvg][p]!.Pointer;
                        _slots[p].ExpAvgSq = _state[(int)FusedStateKind.ExpAvgSq][p]!.Pointer;
                    }
                }

                WorkList = new FusedWorkList(lengths, groupOf, masked, options.ChunkElements);
                _pool = new FusedWorkerPool(threads);
            }
            catch
            {
                FreeBuffers();
                throw;
            }

            _checkNonFinite = options.CheckNonFinite;
            _updateWork = UpdateBatch;
            _checkWork = CheckBatch;
        }

        /// <summary>The update rule.</summary>
        public FusedAlgorithm Algorithm { get; }

        /// <summary>The caller-supplied grouping fingerprint (written to and checked against state files).</summary>
        public string Fingerprint { get; }

        /// <summary>The groups' options: the very instances passed in, so changing them affects the next step.</summary>
        public IReadOnlyList<FusedGroupOptions> Groups => _groups;

        /// <summary>The parameters, in index order.</summary>
        public IReadOnlyList<FusedParameterSpec> Parameters => _specs;

        /// <summary>The device-independent chunk table the kernels consume.</summary>
        public FusedWorkList WorkList { get; }

        /// <summary>The number of threads a step uses (including the caller's).</summary>
        public int ThreadCount => _pool.ThreadCount;

        /// <summary>The index of a parameter by name.</summary>
        /// <param name="name">The parameter name.</param>
        /// <returns>The index.</returns>
        /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
        public int IndexOf(string name) =>
            _indexByName.TryGetValue(name, out var index) ? index : throw new KeyNotFoundException($"No parameter is named '{name}'.");

        /// <summary>
        /// Points parameter <paramref name="index"/> at its data and gradient for the next steps (they stay set until
        /// replaced). The caller keeps the memory alive and unmoved while <see cref="Step()"/> runs.
        /// </summary>
        /// <param name="index">The parameter index.</param>
        /// <param name="param">The parameter's float32 elements (updated in place).</param>
        /// <param name="grad">Its gradient, or null when the parameter has none this step (it is skipped).</param>
        public void SetBuffers(int index, float* param, float* grad)
        {
            ThrowIfDisposed();
            if ((uint)index >= (uint)_slots.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {_slots.Length} parameters.");
            }

            _slots[index].Param = param;
            _slots[index].Grad = grad;
        }

        /// <summary>
        /// As <see cref="SetBuffers(int, float*, float*)"/>, checking the element counts the caller read from its
        /// tensors against the parameter's declared length.
        /// </summary>
        /// <param name="index">The parameter index.</param>
        /// <param name="param">The parameter's float32 elements.</param>
        /// <param name="paramLength">The element count of <paramref name="param"/>.</param>
        /// <param name="grad">The gradient, or null.</param>
        /// <param name="gradLength">The element count of <paramref name="grad"/> (ignored when null).</param>
        /// <exception cref="ArgumentException">A count differs from the declared length; the message names the parameter.</exception>
        public void SetBuffers(int index, float* param, long paramLength, float* grad, long gradLength)
        {
            ThrowIfDisposed();
            if ((uint)index >= (uint)_slots.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {_slots.Length} parameters.");
            }

            FusedValidation.Length(_specs[index].Name, "the parameter buffer", _specs[index].Length, paramLength);
            if (grad != null)
            {
                FusedValidation.Length(_specs[index].Name, "the gradient", _specs[index].Length, gradLength);
            }

            SetBuffers(index, param, grad);
        }

        /// <summary>
        /// <see cref="SetBuffers(int, float*, float*)"/> for callers without an unsafe context (e.g. pointers read
        /// from LibTorch tensors as <see cref="IntPtr"/>); <see cref="IntPtr.Zero"/> as the gradient means none.
        /// </summary>
        /// <param name="index">The parameter index.</param>
        /// <param name="param">Address of the parameter's float32 elements.</param>
        /// <param name="grad">Address of its gradient, or <see cref="IntPtr.Zero"/>.</param>
        public void SetBuffers(int index, IntPtr param, IntPtr grad) => SetBuffers(index, (float*)param, (float*)grad);

        /// <summary>
        /// <see cref="SetBuffers(int, float*, long, float*, long)"/> for callers without an unsafe context.
        /// </summary>
        /// <param name="index">The parameter index.</param>
        /// <param name="param">Address of the parameter's float32 elements.</param>
        /// <param name="paramLength">The element count of <paramref name="param"/>.</param>
        /// <param name="grad">Address of the gradient, or <see cref="IntPtr.Zero"/>.</param>
        /// <param name="gradLength">The element count of <paramref name="grad"/> (ignored when zero).</param>
        public void SetBuffers(int index, IntPtr param, long paramLength, IntPtr grad, long gradLength) =>
            SetBuffers(index, (float*)param, paramLength, (float*)grad, gradLength);

        /// <summary>Applies one step to every parameter whose gradient is set. Allocates nothing unless it skips.</summary>
        /// <returns>What was done; <see cref="FusedStepResult.Applied"/> is false when non-finite gradients were found.</returns>
        /// <exception cref="InvalidOperationException">A parameter has a gradient but no parameter buffer.</exception>
        public FusedStepResult Step()
        {
            ThrowIfDisposed();
            for (var g = 0; g < _groups.Length; g++)
            {
                _groups[g].Validate(Algorithm, g);
            }

            var updated = 0;
            for (var p = 0; p < _slots.Length; p++)
            {
                if (_slots[p].Grad != null)
                {
                    if (_slots[p].Param == null)
                    {
                        throw new InvalidOperationException(
                            $"Parameter '{_specs[p].Name}' has a gradient but no parameter buffer; call SetBuffers first.");
                    }

                    updated++;
                }
            }

            if (_checkNonFinite)
            {
                Array.Clear(_nonFinite);
                Dispatch(_checkWork);
                if (Array.IndexOf(_nonFinite, (byte)1) >= 0)
                {
                    var names = new List<string>();
                    for (var p = 0; p < _nonFinite.Length; p++)
                    {
                        if (_nonFinite[p] != 0)
                        {
                            names.Add(_specs[p].Name);
                        }
                    }

                    return new FusedStepResult(0, names);
                }
            }

            for (var p = 0; p < _slots.Length; p++)
            {
                if (_slots[p].Grad != null)
                {
                    Prepare(p);
                }
            }

            Dispatch(_updateWork);
            return new FusedStepResult(updated, null);
        }

        /// <summary>
        /// Convenience for tests and small models: pins the arrays, steps, and clears the buffers again.
        /// Allocates (pinning handles); use the pointer API in a training loop.
        /// </summary>
        /// <param name="parameters">One array per parameter, updated in place.</param>
        /// <param name="gradients">One gradient per parameter, null where absent.</param>
        /// <returns>The step result.</returns>
        /// <exception cref="ArgumentException">A count or length is wrong; the message names the parameter.</exception>
        public FusedStepResult Step(float[][] parameters, float[]?[] gradients)
        {
            ThrowIfDisposed();
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(gradients);
            if (parameters.Length != _specs.Length || gradients.Length != _specs.Length)
            {
                throw new ArgumentException(
                    $"Expected {_specs.Length} parameters and gradients, got {parameters.Length} and {gradients.Length}.");
            }

            var handles = new List<GCHandle>(2 * _specs.Length);
            try
            {
                for (var p = 0; p < _specs.Length; p++)
                {
                    var param = parameters[p] ?? throw new ArgumentException($"Parameter '{_specs[p].Name}': the parameter array is null.");
                    var grad = gradients[p];
                    FusedValidation.Length(_specs[p].Name, "the parameter array", _specs[p].Length, param.LongLength);
                    if (grad != null)
                    {
                        FusedValidation.Length(_specs[p].Name, "the gradient array", _specs[p].Length, grad.LongLength);
                    }

                    var ph = GCHandle.Alloc(param, GCHandleType.Pinned);
                    handles.Add(ph);
                    float* gp = null;
                    if (grad != null)
                    {
                        var gh = GCHandle.Alloc(grad, GCHandleType.Pinned);
                        handles.Add(gh);
                        gp = (float*)gh.AddrOfPinnedObject();
                    }

                    SetBuffers(p, (float*)ph.AddrOfPinnedObject(), gp);
                }

                return Step();
            }
            finally
            {
                for (var p = 0; p < _slots.Length; p++)
                {
                    _slots[p].Param = null;
                    _slots[p].Grad = null;
                }

                foreach (var handle in handles)
                {
                    handle.Free();
                }
            }
        }

        /// <summary>Sets <paramref name="elements"/> floats at <paramref name="address"/> to zero.</summary>
        public void ZeroBuffer(IntPtr address, long elements)
        {
            if (address != IntPtr.Zero && elements > 0)
            {
                NativeMemory.Clear((void*)address, (nuint)(elements * sizeof(float)));
            }
        }

        /// <summary>How many steps parameter <paramref name="index"/> has taken (steps without its gradient do not count).</summary>
        /// <param name="index">The parameter index.</param>
        /// <returns>The step count.</returns>
        public long StepCount(int index) => _steps[index];

        /// <summary>Copies a state buffer of one parameter into <paramref name="destination"/>.</summary>
        /// <param name="index">The parameter index.</param>
        /// <param name="kind">Which buffer.</param>
        /// <param name="destination">Exactly as long as the parameter.</param>
        /// <returns>False (and zeros written) when the buffer does not exist yet, e.g. before the first momentum step.</returns>
        public bool ReadState(int index, FusedStateKind kind, Span<float> destination)
        {
            ThrowIfDisposed();
            FusedValidation.Length(_specs[index].Name, "the destination span", _specs[index].Length, destination.Length);
            var buffer = _state[(int)kind][index];
            if (buffer == null)
            {
                destination.Clear();
                return false;
            }

            new ReadOnlySpan<float>(buffer.Pointer, destination.Length).CopyTo(destination);
            return true;
        }

        /// <summary>Stops the worker threads and frees the state.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _pool.Dispose();
            FreeBuffers();
        }

        private void Prepare(int p)
        {
            var group = _groups[_specs[p].GroupIndex];
            var first = false;
            if (Algorithm == FusedAlgorithm.Sgd)
            {
                if (group.Momentum != 0 && _state[(int)FusedStateKind.MomentumBuffer][p] == null)
                {
                    Ensure(p, FusedStateKind.MomentumBuffer);
                    first = true;
                }
            }
            else if (group.Amsgrad)
            {
                Ensure(p, FusedStateKind.MaxExpAvgSq);
            }

            _coefficients[p] = FusedCoefficients.Compute(Algorithm, group, ++_steps[p], _slots[p].Mask != null, first);
        }

        private void Ensure(int p, FusedStateKind kind)
        {
            ref var buffer = ref _state[(int)kind][p];
            if (buffer != null)
            {
                return;
            }

            buffer = new FusedNativeBuffer(_specs[p].Length);
            switch (kind)
            {
                case FusedStateKind.ExpAvg: _slots[p].ExpAvg = buffer.Pointer; break;
                case FusedStateKind.ExpAvgSq: _slots[p].ExpAvgSq = buffer.Pointer; break;
                case FusedStateKind.MaxExpAvgSq: _slots[p].MaxExpAvgSq = buffer.Pointer; break;
                default: _slots[p].Momentum = buffer.Pointer; break;
            }
        }

        private void Dispatch(Action<int> work) => _pool.Run(WorkList.BatchCount, work);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void UpdateBatch(int batch)
        {
            var sgd = Algorithm == FusedAlgorithm.Sgd;
            foreach (var chunk in WorkList.ChunksOfBatch(batch))
            {
                ref readonly var slot = ref _slots[chunk.Parameter];
                if (slot.Grad == null)
                {
                    continue;
                }

                if (sgd)
                {
                    FusedKernels.Sgd(in slot, in _coefficients[chunk.Parameter], chunk.Offset, chunk.Length);
                }
                else
                {
                    FusedKernels.Adam(in slot, in _coefficients[chunk.Parameter], chunk.Offset, chunk.Length);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void CheckBatch(int batch)
        {
            foreach (var chunk in WorkList.ChunksOfBatch(batch))
            {
                var grad = _slots[chunk.Parameter].Grad;
                if (grad != null && !FusedKernels.AllFinite(grad + chunk.Offset, chunk.Length))
                {
                    _nonFinite[chunk.Parameter] = 1;
                }
            }
        }

        private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

        private void FreeBuffers()
        {
            foreach (var kind in _state)
            {
                for (var p = 0; p < kind.Length; p++)
                {
                    kind[p]?.Dispose();
                    kind[p] = null;
                }
            }

            for (var p = 0; p < _masks.Length; p++)
            {
                _masks[p]?.Dispose();
                _masks[p] = null;
            }

            foreach (var arena in _arenas)
            {
                arena.Dispose();
            }

            _arenas.Clear();

            Array.Clear(_slots);
        }
    }
}

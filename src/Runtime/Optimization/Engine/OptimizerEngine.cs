using System;
using System.Collections.Generic;
using System.IO;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization.Backends;
using WdGen.Optimization.Backends.Cpu;
using WdGen.Optimization.Formats;

namespace WdGen.Optimization.Engine
{
    /// <summary>
    /// The fused optimizer: one pass over all parameters of all groups per step, on whichever device its backend runs
    /// (<see cref="CpuBackend"/>, <c>CudaBackend</c>). It owns what every device shares: the parameters and their names,
    /// the groups' hyper-parameters, step counts, the state buffers (by the algorithm's state names, laid out in arenas in
    /// work-list order), validation, and the state files, which are therefore the same for every device.
    /// </summary>
    /// <remarks>
    /// A caller builds it once and, every step, points each parameter at its data and gradient (<see cref="SetBuffers(int, nint, nint)"/>)
    /// and calls <see cref="Step()"/>, which allocates nothing unless it skips a step for non-finite gradients.
    /// Not thread-safe: one step at a time.
    /// </remarks>
    internal sealed unsafe partial class OptimizerEngine : IDisposable
    {
        private readonly FusedGroupOptions[] _groups;
        private readonly FusedParameterSpec[] _specs;
        private readonly Dictionary<string, int> _indexByName;
        private readonly long[] _steps;
        private readonly TensorSlot[] _slots;
        private readonly byte[] _coefficients;
        private readonly nint[] _arenas; // per state: the arena of an Arena-allocated state, else 0
        private readonly byte[] _nonFinite;
        private readonly bool _checkNonFinite;
        private nint _maskArena;
        private nint _masterArena;     // ParameterStorage.BFloat16Master: the float32 master copies, in the slots' Param
        private bool[]? _masterReady;  // which master copies hold the parameter (created at its first update)
        private bool _disposed;

        /// <summary>
        /// Creates the engine and its zero state on the backend <paramref name="backend"/> makes (the CPU when null), which
        /// it then owns. The backend is made only after the arguments have been checked, so a bad argument is reported
        /// before any device is touched.
        /// </summary>
        /// <param name="algorithm">The update rule.</param>
        /// <param name="groups">The parameter groups; the instances are kept (see <see cref="Groups"/>) so schedulers can change them.</param>
        /// <param name="parameters">The parameters in the caller's order (the index used by every other member).</param>
        /// <param name="fingerprint">A description of the grouping the caller derived (stored in and checked against state files).</param>
        /// <param name="options">Threading (CPU), chunking and the non-finite gradient check.</param>
        /// <param name="backend">Makes the device's backend; null for the CPU with <see cref="FusedEngineOptions.ThreadCount"/> threads.</param>
        /// <param name="state">How the state buffers are stored.</param>
        /// <param name="parameterStorage">How the parameters and gradients are stored (bfloat16 ones in place or through a float32 master copy).</param>
        /// <exception cref="ArgumentException">A parameter is named twice, has a bad group, length or mask, or a group is invalid.</exception>
        public OptimizerEngine(
            FusedAlgorithm algorithm,
            IReadOnlyList<FusedGroupOptions> groups,
            IReadOnlyList<FusedParameterSpec> parameters,
            string fingerprint,
            FusedEngineOptions? options = null,
            Func<IEngineBackend>? backend = null,
            StateFormat state = StateFormat.Float32,
            ParameterStorage parameterStorage = ParameterStorage.Float32)
        {
            IEngineBackend? made = null;
            try
            {
                ArgumentNullException.ThrowIfNull(groups);
                ArgumentNullException.ThrowIfNull(parameters);
                ArgumentNullException.ThrowIfNull(fingerprint);
                Algorithm = OptimizerAlgorithm.Of(algorithm);
                options ??= new FusedEngineOptions();
                StateCodec.Validate(state, options.ChunkElements);
                Format = state;
                Storage = Enum.IsDefined(parameterStorage) ? parameterStorage : throw new ArgumentOutOfRangeException(nameof(parameterStorage));
                Fingerprint = fingerprint;
                _groups = new FusedGroupOptions[groups.Count];
                for (var g = 0; g < groups.Count; g++)
                {
                    _groups[g] = groups[g] ?? throw new ArgumentException($"Group {g} is null.", nameof(groups));
                    Algorithm.Validate(_groups[g], g);
                }

                FusedValidation.Parameters(parameters, groups.Count);
                var n = parameters.Count;
                _specs = new FusedParameterSpec[n];
                _indexByName = new Dictionary<string, int>(n, StringComparer.Ordinal);
                _steps = new long[n];
                _slots = new TensorSlot[n];
                _nonFinite = new byte[n];
                _coefficients = new byte[Math.Max(1, n) * Algorithm.CoefficientSize];
                _arenas = new nint[Algorithm.States.Count];
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
                    _slots[p].Numel = lengths[p];
                    _slots[p].Format = (int)StateCodec.Effective(state, lengths[p]);
                    for (var k = 0; k < Algorithm.States.Count; k++)
                    {
                        _slots[p].NonNegative |= Algorithm.States[k].Range == StateRange.NonNegative ? 1 << k : 0;
                    }

                    _slots[p].Storage = (int)(parameterStorage switch
                    {
                        ParameterStorage.BFloat16Master => TensorStorage.Master | TensorStorage.BFloat16Gradient,
                        ParameterStorage.BFloat16Stochastic => TensorStorage.BFloat16Parameter | TensorStorage.BFloat16Gradient,
                        _ => TensorStorage.None,
                    });
                }

                WorkList = new FusedWorkList(lengths, groupOf, masked, options.ChunkElements);
                _checkNonFinite = options.CheckNonFinite;
                made = backend?.Invoke() ?? new CpuBackend(options.ThreadCount ?? Environment.ProcessorCount);
                if (made.Unsupported(state, parameterStorage) is { } reason)
                {
                    throw new NotSupportedException(
                        $"The {made.Name} engine cannot run {parameterStorage} parameters with StateFormat.{state} state: {reason}. Keep such a model on the CPU, or use float32 parameters.");
                }

                Backend = made;
                Backend.Bind(Algorithm, WorkList, _slots, _coefficients);
                AllocateArenas(masked);
            }
            catch
            {
                var owned = Backend is not null; // else the backend never became the engine's
                Dispose();
                if (!owned)
                {
                    made?.Dispose();
                }

                throw;
            }
        }

        /// <summary>The update rule.</summary>
        public OptimizerAlgorithm Algorithm { get; }

        /// <summary>How the parameters and gradients are stored.</summary>
        public ParameterStorage Storage { get; }

        /// <summary>How the state is stored (tensors under <see cref="Int8Blocks.MinimumElements"/> keep float32 under Int8).</summary>
        public StateFormat Format { get; }

        /// <summary>Where the tensors live and the steps run.</summary>
        public IEngineBackend Backend { get; } = null!;

        /// <summary>The caller-supplied grouping fingerprint (written to and checked against state files).</summary>
        public string Fingerprint { get; } = string.Empty;

        /// <summary>The groups' options: the very instances passed in, so changing them affects the next step.</summary>
        public IReadOnlyList<FusedGroupOptions> Groups => _groups;

        /// <summary>The parameters, in index order.</summary>
        public IReadOnlyList<FusedParameterSpec> Parameters => _specs;

        /// <summary>The device-independent chunk table the backends consume.</summary>
        public FusedWorkList WorkList { get; } = null!;

        /// <summary>
        /// True (always, outside tests): an optimizer with <see cref="StateFormat.Float32"/> state steps with PyTorch's
        /// exact float operations. False: it uses the arithmetic of bfloat16 and int8 state (see
        /// <see cref="OptimizerAlgorithm.WriteCoefficients"/>), so a test can hold a small-state step equal, bit for bit,
        /// to a float32 step on the decoded state.
        /// </summary>
        internal bool Float32MatchesPyTorch { get; set; } = true;

        /// <summary>Bytes of optimizer state held on the device: every allocated state buffer, float32 master weights and the moving average of the weights.</summary>
        public long StateBytes
        {
            get
            {
                long bytes = 0;
                for (var p = 0; p < _slots.Length; p++)
                {
                    for (var k = 0; k < Algorithm.States.Count; k++)
                    {
                        bytes += _slots[p].State(k) == null ? 0 : StateBytesOf(p);
                    }

                    bytes += Storage == ParameterStorage.BFloat16Master ? _specs[p].Length * sizeof(float) : 0;
                    bytes += _slots[p].Ema != null ? _specs[p].Length * sizeof(float) : 0;
                }

                return bytes;
            }
        }

        /// <summary>The index of a parameter by name.</summary>
        /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
        public int IndexOf(string name) =>
            _indexByName.TryGetValue(name, out var index) ? index : throw new KeyNotFoundException($"No parameter is named '{name}'.");

        /// <summary>
        /// Points parameter <paramref name="index"/> at its float32 data and gradient on the backend's device (zero: no
        /// gradient this step, the parameter is skipped). They stay set until replaced; the caller keeps the memory alive
        /// and unmoved while <see cref="Step()"/> runs.
        /// </summary>
        public void SetBuffers(int index, nint param, nint grad)
        {
            ThrowIfDisposed();
            if ((uint)index >= (uint)_slots.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {_slots.Length} parameters.");
            }

            if (Storage == ParameterStorage.BFloat16Master)
            {
                _slots[index].Model = (float*)param; // the engine's master copy stays the slot's Param
            }
            else
            {
                _slots[index].Param = (float*)param;
            }

            _slots[index].Grad = (float*)grad;
        }

        /// <summary>As <see cref="SetBuffers(int, nint, nint)"/>, checking element counts against the declared length.</summary>
        /// <exception cref="ArgumentException">A count differs from the declared length; the message names the parameter.</exception>
        public void SetBuffers(int index, nint param, long paramLength, nint grad, long gradLength)
        {
            ThrowIfDisposed();
            if ((uint)index >= (uint)_slots.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {_slots.Length} parameters.");
            }

            FusedValidation.Length(_specs[index].Name, "the parameter buffer", _specs[index].Length, paramLength);
            if (grad != 0)
            {
                FusedValidation.Length(_specs[index].Name, "the gradient", _specs[index].Length, gradLength);
            }

            SetBuffers(index, param, grad);
        }

        /// <summary>Applies one step to every parameter whose gradient is set.</summary>
        /// <returns>What was done; <see cref="FusedStepResult.Applied"/> is false when non-finite gradients were found.</returns>
        /// <exception cref="InvalidOperationException">A parameter has a gradient but no parameter buffer.</exception>
        public FusedStepResult Step()
        {
            ThrowIfDisposed();
            for (var g = 0; g < _groups.Length; g++)
            {
                Algorithm.Validate(_groups[g], g);
            }

            var updated = 0;
            for (var p = 0; p < _slots.Length; p++)
            {
                if (_slots[p].Grad != null)
                {
                    if (_slots[p].Param == null || (Storage == ParameterStorage.BFloat16Master && _slots[p].Model == null))
                    {
                        throw new InvalidOperationException($"Parameter '{_specs[p].Name}' has a gradient but no parameter buffer; call SetBuffers first.");
                    }

                    updated++;
                }
            }

            if (_checkNonFinite && updated > 0)
            {
                Array.Clear(_nonFinite);
                Backend.FindNonFinite(_nonFinite);
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

            BeginHooks(updated); // clipping's norm and scale, the moving average, the schedule's learning rates
            try
            {
                WriteCoefficients();
            }
            finally
            {
                EndSchedule(); // the groups get their own learning rates back even when an allocation failed
            }

            if (updated > 0)
            {
                Backend.Step();
            }

            EndHooks(updated);

            for (var p = 0; p < _slots.Length && Storage == ParameterStorage.BFloat16Master; p++)
            {
                if ((_slots[p].Storage & (int)TensorStorage.FirstMaster) != 0)
                {
                    _slots[p].Storage &= ~(int)TensorStorage.FirstMaster;
                    _masterReady![p] = true;
                }
            }

            return new FusedStepResult(updated, null);
        }

        /// <summary>Every stepping parameter's coefficient row for this step (creating on-demand state it now needs).</summary>
        private void WriteCoefficients()
        {
            var size = Algorithm.CoefficientSize;
            var exact = Format == StateFormat.Float32 && Float32MatchesPyTorch; // the whole optimizer's format: int8's small float32 tensors too

            // A row depends on (group, step, mask, newly created states) only, and consecutive parameters mostly share
            // them: copy the previous row instead of computing it again (two Math.Pow and a square root per tensor were
            // the serial part of a step on 10,000 small tensors).
            var previous = -1;
            for (var p = 0; p < _slots.Length; p++)
            {
                if (_slots[p].Grad == null)
                {
                    continue;
                }

                var group = _groups[_specs[p].GroupIndex];
                var created = 0;
                for (var k = 0; k < Algorithm.States.Count; k++)
                {
                    if (_slots[p].State(k) == null && Algorithm.Needs(k, group))
                    {
                        _slots[p].SetState(k, (float*)Backend.Allocate(StateBytesOf(p)));
                        created |= 1 << k;
                    }
                }

                var step = ++_steps[p];
                var row = _coefficients.AsSpan(p * size, size);
                if (previous >= 0 && created == 0 && _specs[previous].GroupIndex == _specs[p].GroupIndex && _steps[previous] == step
                    && (_slots[previous].Mask != null) == (_slots[p].Mask != null))
                {
                    _coefficients.AsSpan(previous * size, size).CopyTo(row);
                }
                else
                {
                    Algorithm.WriteCoefficients(row, group, step, _slots[p].Mask != null, created, exact);
                    previous = created == 0 ? p : -1;
                }

                _slots[p].Seed = (int)BFloat16.Hash((uint)p, (uint)_steps[p]);
                if (Storage == ParameterStorage.BFloat16Master && !_masterReady![p])
                {
                    _slots[p].Storage |= (int)TensorStorage.FirstMaster;
                }
            }
        }

        /// <summary>
        /// Convenience for tests and small models: copies host arrays to the backend's device, steps, copies the
        /// parameters back, and clears the buffers again. Allocates; use <see cref="SetBuffers(int, nint, nint)"/> in a training loop.
        /// </summary>
        /// <param name="parameters">One array per parameter, updated in place.</param>
        /// <param name="gradients">One gradient per parameter, null where absent.</param>
        /// <exception cref="ArgumentException">A count or length is wrong; the message names the parameter.</exception>
        public FusedStepResult Step(float[][] parameters, float[]?[] gradients)
        {
            ThrowIfDisposed();
            if (Storage != ParameterStorage.Float32)
            {
                throw new InvalidOperationException($"Step(float[][], float[]?[]) takes float32 arrays; this engine updates {Storage} parameters: use SetBuffers and Step().");
            }

            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(gradients);
            if (parameters.Length != _specs.Length || gradients.Length != _specs.Length)
            {
                throw new ArgumentException($"Expected {_specs.Length} parameters and gradients, got {parameters.Length} and {gradients.Length}.");
            }

            var scratch = new List<nint>(2 * _specs.Length);
            try
            {
                for (var p = 0; p < _specs.Length; p++)
                {
                    var param = parameters[p] ?? throw new ArgumentException($"Parameter '{_specs[p].Name}': the parameter array is null.");
                    FusedValidation.Length(_specs[p].Name, "the parameter array", _specs[p].Length, param.LongLength);
                    var grad = gradients[p];
                    if (grad != null)
                    {
                        FusedValidation.Length(_specs[p].Name, "the gradient array", _specs[p].Length, grad.LongLength);
                    }

                    SetBuffers(p, Copy(param, scratch), grad == null ? 0 : Copy(grad, scratch));
                }

                var result = Step();
                for (var p = 0; p < _specs.Length; p++)
                {
                    fixed (float* destination = parameters[p])
                    {
                        Backend.Download(destination, (nint)_slots[p].Param, parameters[p].LongLength * sizeof(float));
                    }
                }

                return result;
            }
            finally
            {
                for (var p = 0; p < _slots.Length; p++)
                {
                    _slots[p].Param = null;
                    _slots[p].Grad = null;
                }

                scratch.ForEach(Backend.Free);
            }
        }

        private nint Copy(float[] values, List<nint> scratch)
        {
            var address = Backend.Allocate(values.LongLength * sizeof(float));
            scratch.Add(address);
            fixed (float* source = values)
            {
                Backend.Upload(address, source, values.LongLength * sizeof(float));
            }

            return address;
        }

        /// <summary>Zeroes a gradient of <paramref name="elements"/> elements (float32, or bfloat16 under bfloat16 storage) at <paramref name="address"/> on the backend's device.</summary>
        public void ZeroBuffer(nint address, long elements)
        {
            ThrowIfDisposed();
            if (address != 0 && elements > 0)
            {
                Backend.Zero(address, elements * (Storage == ParameterStorage.Float32 ? sizeof(float) : sizeof(ushort)));
            }
        }

        /// <summary>How many steps parameter <paramref name="index"/> has taken (steps without its gradient do not count).</summary>
        public long StepCount(int index) => _steps[index];

        /// <summary>Copies state <paramref name="state"/> (e.g. "exp_avg") of one parameter into <paramref name="destination"/>.</summary>
        /// <returns>False (and zeros written) when the buffer does not exist yet, e.g. before the first momentum step.</returns>
        public bool ReadState(int index, string state, Span<float> destination)
        {
            ThrowIfDisposed();
            FusedValidation.Length(_specs[index].Name, "the destination span", _specs[index].Length, destination.Length);
            var k = Algorithm.StateIndex(state);
            if (k < 0)
            {
                throw new ArgumentException($"{Algorithm.Name} has no state '{state}'; it has {string.Join(", ", System.Linq.Enumerable.Select(Algorithm.States, s => s.Name))}.", nameof(state));
            }

            var buffer = _slots[index].State(k);
            if (buffer == null)
            {
                destination.Clear();
                return false;
            }

            var format = SlotFormat(index);
            fixed (float* d = destination)
            {
                if (format == StateFormat.Float32)
                {
                    Backend.Download(d, (nint)buffer, (long)destination.Length * sizeof(float));
                    return true;
                }

                using var encoded = new NativeBuffer(StateBytesOf(index));
                Backend.Download(encoded.Pointer, (nint)buffer, encoded.Bytes);
                StateCodec.Convert(format, encoded.Pointer, StateFormat.Float32, (byte*)d, Algorithm.States[k].Range, destination.Length);
            }

            return true;
        }

        /// <summary>
        /// bfloat16 parameters with master weights: makes the next step create parameter <paramref name="index"/>'s float32
        /// master copy again from the model's bfloat16 weights. Without master weights it does nothing.
        /// </summary>
        public void ReloadMaster(int index)
        {
            ThrowIfDisposed();
            if (Storage == ParameterStorage.BFloat16Master)
            {
                _masterReady![index] = false;
            }
        }

        /// <summary>
        /// bfloat16 parameters with master weights: replaces parameter <paramref name="index"/>'s float32 master copy with
        /// the float32 buffer at <paramref name="values"/> (on the backend's device; after the caller wrote the values,
        /// rounded, into the model). Without master weights it does nothing.
        /// </summary>
        public void OverwriteMaster(int index, nint values)
        {
            ThrowIfDisposed();
            if (Storage != ParameterStorage.BFloat16Master)
            {
                return;
            }

            Backend.Copy((nint)_slots[index].Param, values, _specs[index].Length * sizeof(float));
            _masterReady![index] = true;
        }

        /// <summary>The format parameter <paramref name="index"/>'s state is stored in.</summary>
        public StateFormat SlotFormat(int index) => (StateFormat)_slots[index].Format;

        /// <summary>Bytes of one state buffer of parameter <paramref name="index"/>.</summary>
        private long StateBytesOf(int index) => StateCodec.Bytes(SlotFormat(index), _specs[index].Length);

        /// <summary>Frees the state and the backend.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (Backend is not null)
            {
                FreeState();
                Backend.Dispose();
            }
        }

        /// <summary>The arena-allocated states, the master copies of bfloat16 parameters and the decay masks, one arena each.</summary>
        private void AllocateArenas(bool[] masked)
        {
            for (var k = 0; k < Algorithm.States.Count; k++)
            {
                if (Algorithm.States[k].Allocation == StateAllocation.Arena)
                {
                    var state = k;
                    _arenas[k] = AllocateArena(StateBytesOf, (p, address) => _slots[p].SetState(state, (float*)address));
                }
            }

            if (Storage == ParameterStorage.BFloat16Master)
            {
                _masterReady = new bool[_specs.Length];
                _masterArena = AllocateArena(Float32Bytes, (p, address) => _slots[p].Param = (float*)address);
            }

            if (Array.IndexOf(masked, true) >= 0)
            {
                _maskArena = AllocateArena(Float32Bytes, (p, address) =>
                {
                    if (_specs[p].DecayMask is { } mask)
                    {
                        _slots[p].Mask = (float*)address;
                        fixed (float* m = mask)
                        {
                            Backend.Upload(address, m, mask.LongLength * sizeof(float));
                        }
                    }
                });
            }
        }

        /// <summary>
        /// One buffer per tensor in one arena, in work-list order and 64-byte aligned (consecutive small tensors stay
        /// consecutive in memory, so the hardware prefetchers keep streaming across them): <paramref name="place"/> gets
        /// each tensor's address. Returns the arena, which the engine frees.
        /// </summary>
        private nint AllocateArena(Func<int, long> bytes, Action<int, nint> place)
        {
            var offsets = new long[_specs.Length];
            long total = 0;
            for (var p = 0; p < _specs.Length; p++)
            {
                offsets[p] = total;
                total += (bytes(p) + 63) & ~63L;
            }

            var arena = Backend.Allocate(total);
            for (var p = 0; p < _specs.Length; p++)
            {
                place(p, arena + (nint)offsets[p]);
            }

            return arena;
        }

        private long Float32Bytes(int p) => _specs[p].Length * sizeof(float);

        private bool InArena(int k) => _arenas[k] != 0;

        private void FreeState()
        {
            if (_slots is null || _arenas is null)
            {
                return;
            }

            for (var k = 0; k < _arenas.Length; k++)
            {
                if (InArena(k))
                {
                    Backend.Free(_arenas[k]);
                    _arenas[k] = 0;
                    continue;
                }

                for (var p = 0; p < _slots.Length; p++)
                {
                    Backend.Free((nint)_slots[p].State(k));
                    _slots[p].SetState(k, null);
                }
            }

            Backend.Free(_maskArena);
            _maskArena = 0;
            Backend.Free(_masterArena);
            _masterArena = 0;
            Backend.Free(_emaArena);
            _emaArena = 0;
            Array.Clear(_slots);
        }

        private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
    }
}

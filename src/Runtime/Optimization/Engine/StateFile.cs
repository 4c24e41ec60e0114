using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization.Formats;

namespace WdGen.Optimization.Engine
{
    /// <summary>Saving and loading the engine's state (see <see cref="StateFile"/> for the format).</summary>
    internal sealed unsafe partial class OptimizerEngine
    {
        /// <summary>
        /// Writes the state (step counts and every state buffer, by state name) keyed by parameter name, with the
        /// algorithm and the fingerprint, atomically: a temporary file in the same folder, flushed, then renamed over
        /// <paramref name="path"/>. A failure leaves no file behind.
        /// </summary>
        public void SaveState(string path)
        {
            ThrowIfDisposed();
            ArgumentNullException.ThrowIfNull(path);
            var full = Path.GetFullPath(path);
            var temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
                {
                    SaveState(stream);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temp, full, overwrite: true);
            }
            catch
            {
                StateFile.TryDelete(temp);
                throw;
            }
        }

        /// <summary>Writes the state of <paramref name="parameters"/> (all when null) to <paramref name="stream"/>.</summary>
        public void SaveState(Stream stream, IReadOnlyList<int>? parameters = null)
        {
            ThrowIfDisposed();
            var writer = new StateFile.Writer(stream);
            var count = parameters?.Count ?? _specs.Length;
            writer.Bytes(StateFile.Magic);
            writer.Int32(WritesVersion3 ? StateFile.Version3 : StateFile.Version);
            writer.String(Algorithm.Name);
            writer.String(Fingerprint);
            if (WritesVersion3)
            {
                writer.Int32(1); // engine entries
                writer.String(StateFile.StepEntry);
                writer.Int64(ScheduleStep);
            }

            writer.Int32(count);
            for (var i = 0; i < count; i++)
            {
                var p = parameters?[i] ?? i;
                writer.String(_specs[p].Name);
                writer.Int32(_specs[p].GroupIndex);
                writer.Int64(_specs[p].Length);
                writer.Int64(_steps[p]);
                writer.Int32(PresentStates(p));
                for (var k = 0; k < BufferCount; k++)
                {
                    if (BufferAddress(p, k) != 0)
                    {
                        writer.String(BufferName(k));
                        writer.String(StateCodec.Name(BufferFormat(p, k)));
                    }
                }
            }

            var staging = new byte[(int)Math.Min(StateFile.Piece, Math.Max(1, MaxStateBytes()))];
            for (var i = 0; i < count; i++)
            {
                var p = parameters?[i] ?? i;
                for (var k = 0; k < BufferCount; k++)
                {
                    var source = BufferAddress(p, k);
                    if (source == 0)
                    {
                        continue;
                    }

                    var bytes = StateCodec.Bytes(BufferFormat(p, k), _specs[p].Length);
                    fixed (byte* s = staging)
                    {
                        for (long offset = 0; offset < bytes; offset += staging.Length)
                        {
                            var n = Math.Min(staging.Length, bytes - offset);
                            Backend.Download(s, source + (nint)offset, n);
                            writer.Bytes(new ReadOnlySpan<byte>(s, (int)n));
                        }
                    }
                }
            }

            writer.Finish();
        }

        /// <summary>
        /// Replaces the state with the one saved in <paramref name="path"/>. The file must carry the same algorithm, the
        /// same fingerprint and exactly the same parameter names, each with the same group and length (the order may
        /// differ: entries are matched by name). The live state is only replaced once the whole file has been read and its
        /// checksum verified: a failed load changes nothing. Files of format version 1 (WdGen 0.1) load too. State stored in
        /// another <see cref="StateFormat"/> than this optimizer's is refused unless <paramref name="convertFormat"/> is
        /// true, which re-encodes it (through float32) into this optimizer's format.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is truncated, corrupted, of an unknown version, or does not fit this optimizer (the message names the mismatching parameters).</exception>
        public void LoadState(string path, bool convertFormat = false)
        {
            ThrowIfDisposed();
            ArgumentNullException.ThrowIfNull(path);
            StagedState staged;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            {
                // The whole file is the state: its checksum is checked before anything in it is believed, so a damaged
                // file is reported as damaged, not as a changed fingerprint or an unknown parameter.
                StateFile.VerifyChecksum(stream, "'" + path + "'");
                stream.Position = 0;
                staged = ReadState(stream, "'" + path + "'", null, convertFormat);
                if (stream.Position != stream.Length)
                {
                    staged.Dispose();
                    throw new InvalidDataException($"'{path}' has {stream.Length - stream.Position} bytes after its checksum.");
                }
            }

            Commit(staged);
        }

        /// <summary>
        /// Reads and checks state for <paramref name="expected"/> (all parameters when null) from <paramref name="stream"/>
        /// into host memory, touching nothing live; <see cref="Commit"/> installs it. <paramref name="source"/> names the
        /// stream in messages.
        /// </summary>
        public StagedState ReadState(Stream stream, string source, IReadOnlyList<int>? expected = null, bool convertFormat = false)
        {
            ThrowIfDisposed();
            var reader = new StateFile.Reader(stream, source);
            var staged = new StagedState(this);
            try
            {
                try
                {
                    ReadInto(reader, source, expected, convertFormat, staged);
                }
                catch (EndOfStreamException e)
                {
                    throw new InvalidDataException($"{source} is truncated.", e);
                }

                return staged;
            }
            catch
            {
                staged.Dispose();
                throw;
            }
        }

        /// <summary>Installs staged state (disposing it): step counts and every state buffer of the parameters it holds.</summary>
        public void Commit(StagedState staged)
        {
            ThrowIfDisposed();
            try
            {
                foreach (var (p, entry) in staged.Entries)
                {
                    var bytes = StateBytesOf(p);
                    if (Storage == ParameterStorage.BFloat16Master)
                    {
                        // Master copies live in an arena; one the file lacks is made again from the model at the next step.
                        if (entry.States[MasterBuffer] is { } master)
                        {
                            Backend.Upload((nint)_slots[p].Param, master.Pointer, master.Bytes);
                        }

                        _masterReady![p] = entry.States[MasterBuffer] is not null;
                    }

                    for (var k = 0; k < Algorithm.States.Count; k++)
                    {
                        var live = (nint)_slots[p].State(k);
                        if (entry.States[k] is { } buffer)
                        {
                            if (live == 0)
                            {
                                live = Backend.Allocate(bytes);
                                _slots[p].SetState(k, (float*)live);
                            }

                            Backend.Upload(live, buffer.Pointer, bytes);
                        }
                        else if (live != 0 && InArena(k))
                        {
                            Backend.Zero(live, bytes);
                        }
                        else if (live != 0)
                        {
                            Backend.Free(live);
                            _slots[p].SetState(k, null);
                        }
                    }

                    _steps[p] = entry.Step;
                    if (_emaReady is not null)
                    {
                        // A file without the parameter's average (saved without EMA): it starts again at the next step.
                        _emaReady[p] = entry.States[EmaBuffer] is not null;
                        if (entry.States[EmaBuffer] is { } average)
                        {
                            Backend.Upload((nint)_slots[p].Ema, average.Pointer, average.Bytes);
                        }
                    }
                }

                // The schedule's position; a file without one (version 1 or 2) resumes at its largest step count.
                var position = staged.ScheduleStep;
                if (position is null)
                {
                    foreach (var (p, _) in staged.Entries)
                    {
                        position = Math.Max(position ?? 0, _steps[p]);
                    }
                }

                ScheduleStep = position ?? ScheduleStep;
            }
            finally
            {
                staged.Dispose();
            }
        }

        private void ReadInto(StateFile.Reader reader, string source, IReadOnlyList<int>? expected, bool convertFormat, StagedState staged)
        {
            if (!reader.Bytes(StateFile.Magic.Length).AsSpan().SequenceEqual(StateFile.Magic))
            {
                throw new InvalidDataException($"{source} is not a WdGen optimizer state file (bad magic).");
            }

            var version = reader.Int32();
            string algorithm;
            if (version == StateFile.Version || version == StateFile.Version3)
            {
                algorithm = reader.String();
            }
            else if (version == 1)
            {
                algorithm = StateFile.Version1Algorithm(reader.Int32());
            }
            else
            {
                throw new InvalidDataException(
                    $"{source} has state format version {version}; this WdGen reads versions 1 to {StateFile.Version3}. It was written by a newer WdGen: load it with that version.");
            }

            if (algorithm != Algorithm.Name)
            {
                throw new InvalidDataException($"{source} holds {algorithm} state but this optimizer runs {Algorithm.Name}.");
            }

            var savedFingerprint = reader.String();
            if (!string.Equals(savedFingerprint, Fingerprint, StringComparison.Ordinal))
            {
                throw new InvalidDataException(
                    $"{source} was saved for parameter groups with fingerprint \"{savedFingerprint}\" but this optimizer's fingerprint is \"{Fingerprint}\"; the grouping changed since the state was saved.");
            }

            if (version == StateFile.Version3)
            {
                var entries = reader.Int32();
                if (entries < 0 || entries > 1024)
                {
                    throw new InvalidDataException($"{source} declares {entries} engine entries.");
                }

                for (var e = 0; e < entries; e++)
                {
                    var key = reader.String();
                    var value = reader.Int64();
                    if (key == StateFile.StepEntry)
                    {
                        staged.ScheduleStep = value >= 0 ? value : throw new InvalidDataException($"{source} holds step counter {value}.");
                    }

                    // other keys: written by a newer WdGen for something this one does not keep; skipped
                }
            }

            var count = reader.Int32();
            if (count < 0)
            {
                throw new InvalidDataException($"{source} declares {count} parameters.");
            }

            var wanted = new bool[_specs.Length];
            foreach (var p in expected ?? (IReadOnlyList<int>)AllIndices())
            {
                wanted[p] = true;
            }

            var order = new int[count];
            var present = new List<(int State, StateFormat Format)>[count];
            var seen = new bool[_specs.Length];
            var unknown = new List<string>();
            var mismatched = new List<string>();
            var reformatted = new List<string>();
            for (var i = 0; i < count; i++)
            {
                var name = reader.String();
                var group = reader.Int32();
                var length = reader.Int64();
                var step = reader.Int64();
                present[i] = version == 1
                    ? StateFile.Version1States(reader.Int32(), Algorithm, source).ConvertAll(k => (k, StateFormat.Float32))
                    : ReadStateList(reader, source, name);
                if (!_indexByName.TryGetValue(name, out var p) || !wanted[p] || seen[p])
                {
                    unknown.Add(name);
                    order[i] = -1;
                    continue;
                }

                seen[p] = true;
                order[i] = p;
                staged.Add(p, step, EmaBuffer + 1); // every buffer a file may hold (one this optimizer does not keep is dropped at Commit)
                if (group != _specs[p].GroupIndex || length != _specs[p].Length)
                {
                    mismatched.Add($"'{name}' (saved: group {group}, {length} elements; now: group {_specs[p].GroupIndex}, {_specs[p].Length} elements)");
                }

                foreach (var (k, format) in present[i])
                {
                    if (format != BufferFormat(p, k) && (!convertFormat || k >= Algorithm.States.Count))
                    {
                        reformatted.Add($"'{name}'.{BufferName(k)} ({StateCodec.Name(format)}; this optimizer keeps it as {StateCodec.Name(BufferFormat(p, k))})");
                    }
                }
            }

            var missing = new List<string>();
            for (var p = 0; p < _specs.Length; p++)
            {
                if (wanted[p] && !seen[p])
                {
                    missing.Add($"'{_specs[p].Name}'");
                }
            }

            if (unknown.Count == 0 && missing.Count == 0 && mismatched.Count == 0 && reformatted.Count > 0)
            {
                throw new InvalidDataException(
                    $"{source} stores state in another format than this optimizer: {string.Join(", ", reformatted.Take(3))}{(reformatted.Count > 3 ? $" and {reformatted.Count - 3} more" : string.Empty)}. " +
                    "Formats are never converted silently: load it with convertFormat: true to re-encode it, or build the optimizer with the file's state format.");
            }

            if (unknown.Count > 0 || missing.Count > 0 || mismatched.Count > 0)
            {
                var message = new StringBuilder($"{source} does not fit this optimizer's parameters:");
                if (unknown.Count > 0)
                {
                    message.Append(" saved but unknown here (renamed, duplicated or not expected?): '").AppendJoin("', '", unknown).Append("'.");
                }

                if (missing.Count > 0)
                {
                    message.Append(" missing from the file: ").AppendJoin(", ", missing).Append('.');
                }

                if (mismatched.Count > 0)
                {
                    message.Append(" changed: ").AppendJoin(", ", mismatched).Append('.');
                }

                throw new InvalidDataException(message.ToString());
            }

            for (var i = 0; i < count; i++)
            {
                var p = order[i];
                foreach (var (k, format) in present[i])
                {
                    var buffer = new NativeBuffer(StateCodec.Bytes(format, _specs[p].Length));
                    staged.Set(p, k, buffer);
                    reader.Raw(buffer.Pointer, buffer.Bytes);
                    if (k < Algorithm.States.Count && format != BufferFormat(p, k))
                    {
                        var converted = new NativeBuffer(StateBytesOf(p));
                        staged.Set(p, k, converted);
                        StateCodec.Convert(format, buffer.Pointer, SlotFormat(p), converted.Pointer, Algorithm.States[k].Range, _specs[p].Length);
                        buffer.Dispose();
                    }
                }
            }

            reader.VerifyChecksum();
        }

        /// <summary>A version-2 parameter's state list: names this algorithm knows, each once, each in a known format.</summary>
        private List<(int State, StateFormat Format)> ReadStateList(StateFile.Reader reader, string source, string parameter)
        {
            var states = new List<(int State, StateFormat Format)>();
            var count = reader.Int32();
            if (count < 0 || count > TensorSlot.MaxStates + 1)
            {
                throw new InvalidDataException($"{source} declares {count} state buffers for '{parameter}'.");
            }

            for (var j = 0; j < count; j++)
            {
                var name = reader.String();
                var format = reader.String();
                var k = name == MasterName ? MasterBuffer : name == StateFile.EmaState ? EmaBuffer : Algorithm.StateIndex(name);
                if (k == MasterBuffer && Storage != ParameterStorage.BFloat16Master)
                {
                    throw new InvalidDataException(
                        $"{source} holds float32 master weights for '{parameter}' (saved from a bfloat16 model trained with masterWeights: true), but this optimizer keeps none ({Storage} parameters); loading it would lose them. Build the optimizer as the saved one was.");
                }

                if (k < 0 || states.Exists(s => s.State == k))
                {
                    throw new InvalidDataException($"{source} holds state '{name}' for '{parameter}', which {Algorithm.Name} does not have (or has twice).");
                }

                var known = StateCodec.Named(format)
                    ?? throw new InvalidDataException($"{source} holds '{parameter}'.{name} in format '{format}', which this WdGen does not know. It was written by a newer WdGen: load it with that version.");
                states.Add((k, known));
            }

            return states;
        }

        private int PresentStates(int p)
        {
            var count = 0;
            for (var k = 0; k < BufferCount; k++)
            {
                count += BufferAddress(p, k) != 0 ? 1 : 0;
            }

            return count;
        }

        // The buffers a state file holds per parameter: the algorithm's states, then, for bfloat16 parameters with master
        // weights, the float32 master copy (once it exists), so a resumed run continues from the master, not from its rounding.
        private const string MasterName = "master_weights";

        private int MasterBuffer => Algorithm.States.Count;

        // With a moving average of the weights (ema), its float32 buffer "ema" (once it exists) comes after them.
        private int EmaBuffer => Algorithm.States.Count + 1;

        private int BufferCount => _emaReady is not null ? EmaBuffer + 1 : Algorithm.States.Count + (Storage == ParameterStorage.BFloat16Master ? 1 : 0);

        private string BufferName(int k) => k == EmaBuffer ? StateFile.EmaState : k == MasterBuffer ? MasterName : Algorithm.States[k].Name;

        private StateFormat BufferFormat(int p, int k) => k >= MasterBuffer ? StateFormat.Float32 : SlotFormat(p);

        private nint BufferAddress(int p, int k) =>
            k == EmaBuffer ? (HasEma(p) ? (nint)_slots[p].Ema : 0)
            : k == MasterBuffer ? (_masterReady?[p] == true ? (nint)_slots[p].Param : 0)
            : (nint)_slots[p].State(k);

        private long MaxStateBytes()
        {
            long max = 0;
            for (var p = 0; p < _specs.Length; p++)
            {
                max = Math.Max(max, StateBytesOf(p));
            }

            return max;
        }

        private int[] AllIndices()
        {
            var all = new int[_specs.Length];
            for (var p = 0; p < all.Length; p++)
            {
                all[p] = p;
            }

            return all;
        }

        /// <summary>State read from a stream into host memory, not yet installed (<see cref="Commit"/>).</summary>
        internal sealed class StagedState : IDisposable
        {
            private readonly OptimizerEngine _engine;
            private readonly Dictionary<int, Entry> _entries = new();

            public StagedState(OptimizerEngine engine) => _engine = engine;

            /// <summary>The optimizer's step counter a version-3 file holds (null: none).</summary>
            public long? ScheduleStep { get; set; }

            public IEnumerable<(int Parameter, Entry Entry)> Entries
            {
                get
                {
                    foreach (var (p, entry) in _entries)
                    {
                        yield return (p, entry);
                    }
                }
            }

            public void Add(int parameter, long step, int states) => _entries[parameter] = new Entry(step, new NativeBuffer?[states]);

            public void Set(int parameter, int state, NativeBuffer buffer) => _entries[parameter].States[state] = buffer;

            /// <summary>Adds what <paramref name="other"/> holds (parameters it shares with this are an error of the caller).</summary>
            public void Absorb(StagedState other)
            {
                foreach (var (p, entry) in other._entries)
                {
                    _entries.Add(p, entry);
                }

                ScheduleStep ??= other.ScheduleStep;
                other._entries.Clear();
            }

            public void Dispose()
            {
                foreach (var entry in _entries.Values)
                {
                    foreach (var buffer in entry.States)
                    {
                        buffer?.Dispose();
                    }
                }

                _entries.Clear();
            }

            internal sealed record Entry(long Step, NativeBuffer?[] States);
        }
    }

    /// <summary>
    /// The state file format, version 2 or 3, little-endian: magic "WDGFUSED"; int32 version; string algorithm (e.g.
    /// "adamw"); string fingerprint; int32 parameter count; per parameter: string name, int32 group, int64 length,
    /// int64 step, int32 state count and per state its name (e.g. "exp_avg") and format ("float32", "bfloat16" or
    /// "int8-block256", see <see cref="StateCodec"/>); then every listed state's bytes in its format, parameter by
    /// parameter, in the listed order; finally an 8-byte checksum of everything
    /// before it. Strings are an int32 byte count and UTF-8 bytes. Version 1 (WdGen 0.1) had an int32 algorithm code and
    /// a bit set of four fixed state kinds instead of names; it is still read.
    /// Version 3 is version 2 with engine entries after the fingerprint: int32 entry count and per entry a string key and
    /// an int64 value (<c>"step"</c>: the optimizer's step counter, the position of its learning-rate schedule; keys this
    /// WdGen does not know are skipped); and a parameter's list may name the engine's moving average of the weights
    /// <c>"ema"</c> (always "float32", after the other buffers). An engine with neither a schedule nor a moving average
    /// writes version 2; versions 1, 2 and 3 are read. A file without "step" resumes the schedule at its largest step
    /// count; a parameter without "ema" starts its average again at its next step.
    /// </summary>
    internal static unsafe class StateFile
    {
        public const int Version = 2;
        public const int Version3 = 3;
        public const string StepEntry = "step";
        public const string EmaState = "ema";
        public const long Piece = 1 << 20;
        public static readonly byte[] Magic = "WDGFUSED"u8.ToArray();
        private const int MaxString = 1 << 20;

        // Version 1's codes: FusedAlgorithm's values then, and its state kinds in bit order.
        private static readonly string[] Version1Algorithms = { "adamw", "adam", "sgd" };
        private static readonly string[] Version1Kinds = { "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer" };

        public static string Version1Algorithm(int code)
            => (uint)code < (uint)Version1Algorithms.Length ? Version1Algorithms[code] : "algorithm " + code;

        public static List<int> Version1States(int bits, OptimizerAlgorithm algorithm, string source)
        {
            var states = new List<int>();
            for (var kind = 0; kind < Version1Kinds.Length; kind++)
            {
                if ((bits & (1 << kind)) == 0)
                {
                    continue;
                }

                var k = algorithm.StateIndex(Version1Kinds[kind]);
                states.Add(k >= 0 ? k : throw new InvalidDataException($"{source} holds {Version1Kinds[kind]}, which {algorithm.Name} does not have."));
            }

            return states;
        }

        /// <summary>Checks the trailing checksum of a whole file against the rest of it.</summary>
        public static void VerifyChecksum(Stream stream, string source)
        {
            var length = stream.Length;
            if (length < Magic.Length + 8)
            {
                throw new InvalidDataException($"{source} is truncated ({length} bytes).");
            }

            var checksum = new Checksum();
            var buffer = new byte[Piece];
            for (var remaining = length - 8; remaining > 0;)
            {
                var n = (int)Math.Min(buffer.Length, remaining);
                stream.ReadExactly(buffer, 0, n);
                checksum.Add(buffer.AsSpan(0, n));
                remaining -= n;
            }

            Span<byte> stored = stackalloc byte[8];
            stream.ReadExactly(stored);
            if (BitConverter.ToUInt64(stored) != checksum.Value)
            {
                throw new InvalidDataException($"{source} is corrupted or truncated (checksum mismatch).");
            }
        }

        public static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        /// <summary>
        /// A 64-bit checksum over 8-byte words of the whole byte sequence (the tail zero-padded), fed in pieces of any
        /// size: a partial word is carried to the next piece, so the value never depends on how the bytes were split.
        /// </summary>
        public struct Checksum
        {
            private ulong _hash;
            private long _length;
            private ulong _carry;
            private int _carried;

            public Checksum()
            {
                _hash = 0x9E3779B97F4A7C15UL;
                _length = 0;
                _carry = 0;
                _carried = 0;
            }

            public readonly ulong Value
            {
                get
                {
                    var h = _carried > 0 ? Mix(_hash, _carry) : _hash;
                    return h ^ (ulong)_length * 0xD6E8FEB86659FD93UL;
                }
            }

            public void Add(ReadOnlySpan<byte> data)
            {
                _length += data.Length;
                while (_carried > 0 && !data.IsEmpty)
                {
                    _carry |= (ulong)data[0] << (8 * _carried);
                    data = data.Slice(1);
                    if (++_carried == 8)
                    {
                        _hash = Mix(_hash, _carry);
                        _carry = 0;
                        _carried = 0;
                    }
                }

                var words = MemoryMarshal.Cast<byte, ulong>(data);
                var h = _hash;
                foreach (var w in words)
                {
                    h = Mix(h, w);
                }

                _hash = h;
                foreach (var b in data.Slice(words.Length * 8))
                {
                    _carry |= (ulong)b << (8 * _carried++);
                }
            }

            private static ulong Mix(ulong h, ulong w) => (System.Numerics.BitOperations.RotateLeft(h ^ w, 29) * 0xBF58476D1CE4E5B9UL) + 0x94D049BB133111EBUL;
        }

        /// <summary>Buffers writes in 1 MiB pieces and checksums them.</summary>
        public sealed class Writer
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[Piece];
            private int _used;
            private Checksum _checksum = new();

            public Writer(Stream stream)
            {
                CheckEndianness();
                _stream = stream;
            }

            public void Bytes(ReadOnlySpan<byte> data)
            {
                while (!data.IsEmpty)
                {
                    var n = Math.Min(data.Length, _buffer.Length - _used);
                    data.Slice(0, n).CopyTo(_buffer.AsSpan(_used));
                    _used += n;
                    data = data.Slice(n);
                    if (_used == _buffer.Length)
                    {
                        Flush();
                    }
                }
            }

            public void Int32(int value)
            {
                Span<byte> b = stackalloc byte[4];
                BitConverter.TryWriteBytes(b, value);
                Bytes(b);
            }

            public void Int64(long value)
            {
                Span<byte> b = stackalloc byte[8];
                BitConverter.TryWriteBytes(b, value);
                Bytes(b);
            }

            public void String(string value)
            {
                var bytes = Encoding.UTF8.GetBytes(value);
                Int32(bytes.Length);
                Bytes(bytes);
            }

            public void Finish()
            {
                Flush();
                Span<byte> b = stackalloc byte[8];
                BitConverter.TryWriteBytes(b, _checksum.Value);
                _stream.Write(b);
                _stream.Flush();
            }

            private void Flush()
            {
                _checksum.Add(_buffer.AsSpan(0, _used));
                _stream.Write(_buffer, 0, _used);
                _used = 0;
            }
        }

        /// <summary>Reads exactly the fields asked for (never past the checksum: the stream may go on) and checksums them.</summary>
        public sealed class Reader
        {
            private readonly Stream _stream;
            private readonly string _source;
            private Checksum _checksum = new();

            public Reader(Stream stream, string source)
            {
                CheckEndianness();
                _stream = stream;
                _source = source;
            }

            public byte[] Bytes(int count)
            {
                var b = new byte[count];
                Read(b);
                return b;
            }

            public int Int32()
            {
                Span<byte> b = stackalloc byte[4];
                Read(b);
                return BitConverter.ToInt32(b);
            }

            public long Int64()
            {
                Span<byte> b = stackalloc byte[8];
                Read(b);
                return BitConverter.ToInt64(b);
            }

            public string String()
            {
                var length = Int32();
                if (length < 0 || length > MaxString)
                {
                    throw new InvalidDataException($"{_source} holds a string of {length} bytes: it is corrupted.");
                }

                return Encoding.UTF8.GetString(Bytes(length));
            }

            public void Raw(byte* bytes, long total)
            {
                for (long done = 0; done < total;)
                {
                    var n = (int)Math.Min(Piece, total - done);
                    Read(new Span<byte>(bytes + done, n));
                    done += n;
                }
            }

            /// <summary>Reads the stored checksum and compares it with everything read before it.</summary>
            public void VerifyChecksum()
            {
                var expected = _checksum.Value;
                Span<byte> stored = stackalloc byte[8];
                _stream.ReadExactly(stored);
                if (BitConverter.ToUInt64(stored) != expected)
                {
                    throw new InvalidDataException($"{_source} is corrupted or truncated (checksum mismatch).");
                }
            }

            private void Read(Span<byte> destination)
            {
                _stream.ReadExactly(destination);
                _checksum.Add(destination);
            }
        }

        private static void CheckEndianness()
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("WdGen's state files are little-endian.");
            }
        }
    }
}

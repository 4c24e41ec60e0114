using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using WdGen.Optimization.Algorithms;

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
            writer.Int32(StateFile.Version);
            writer.String(Algorithm.Name);
            writer.String(Fingerprint);
            writer.Int32(count);
            for (var i = 0; i < count; i++)
            {
                var p = parameters?[i] ?? i;
                writer.String(_specs[p].Name);
                writer.Int32(_specs[p].GroupIndex);
                writer.Int64(_specs[p].Length);
                writer.Int64(_steps[p]);
                writer.Int32(PresentStates(p));
                for (var k = 0; k < Algorithm.States.Count; k++)
                {
                    if (_slots[p].State(k) != null)
                    {
                        writer.String(Algorithm.States[k].Name);
                        writer.String(StateFile.Float32);
                    }
                }
            }

            var staging = new float[(int)Math.Min(StateFile.Piece, Math.Max(1, MaxLength()))];
            for (var i = 0; i < count; i++)
            {
                var p = parameters?[i] ?? i;
                for (var k = 0; k < Algorithm.States.Count; k++)
                {
                    var source = (nint)_slots[p].State(k);
                    if (source == 0)
                    {
                        continue;
                    }

                    fixed (float* s = staging)
                    {
                        for (long offset = 0; offset < _specs[p].Length; offset += staging.Length)
                        {
                            var n = Math.Min(staging.Length, _specs[p].Length - offset);
                            Backend.Download(s, source + (nint)(offset * sizeof(float)), n * sizeof(float));
                            writer.Floats(s, n);
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
        /// checksum verified: a failed load changes nothing. Files of format version 1 (WdGen 0.1) load too.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is truncated, corrupted, of an unknown version, or does not fit this optimizer (the message names the mismatching parameters).</exception>
        public void LoadState(string path)
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
                staged = ReadState(stream, "'" + path + "'");
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
        public StagedState ReadState(Stream stream, string source, IReadOnlyList<int>? expected = null)
        {
            ThrowIfDisposed();
            var reader = new StateFile.Reader(stream, source);
            var staged = new StagedState(this);
            try
            {
                try
                {
                    ReadInto(reader, source, expected, staged);
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
                    for (var k = 0; k < Algorithm.States.Count; k++)
                    {
                        var live = (nint)_slots[p].State(k);
                        var bytes = _specs[p].Length * sizeof(float);
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
                }
            }
            finally
            {
                staged.Dispose();
            }
        }

        private void ReadInto(StateFile.Reader reader, string source, IReadOnlyList<int>? expected, StagedState staged)
        {
            if (!reader.Bytes(StateFile.Magic.Length).AsSpan().SequenceEqual(StateFile.Magic))
            {
                throw new InvalidDataException($"{source} is not a WdGen optimizer state file (bad magic).");
            }

            var version = reader.Int32();
            string algorithm;
            if (version == StateFile.Version)
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
                    $"{source} has state format version {version}; this WdGen reads versions 1 and {StateFile.Version}. It was written by a newer WdGen: load it with that version.");
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
            var present = new List<int>[count];
            var seen = new bool[_specs.Length];
            var unknown = new List<string>();
            var mismatched = new List<string>();
            for (var i = 0; i < count; i++)
            {
                var name = reader.String();
                var group = reader.Int32();
                var length = reader.Int64();
                var step = reader.Int64();
                present[i] = version == 1 ? StateFile.Version1States(reader.Int32(), Algorithm, source) : ReadStateList(reader, source, name);
                if (!_indexByName.TryGetValue(name, out var p) || !wanted[p] || seen[p])
                {
                    unknown.Add(name);
                    order[i] = -1;
                    continue;
                }

                seen[p] = true;
                order[i] = p;
                staged.Add(p, step, Algorithm.States.Count);
                if (group != _specs[p].GroupIndex || length != _specs[p].Length)
                {
                    mismatched.Add($"'{name}' (saved: group {group}, {length} elements; now: group {_specs[p].GroupIndex}, {_specs[p].Length} elements)");
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
                foreach (var k in present[i])
                {
                    var buffer = new NativeBuffer(_specs[p].Length);
                    staged.Set(p, k, buffer);
                    reader.Floats(buffer.Pointer, buffer.Length);
                }
            }

            reader.VerifyChecksum();
        }

        /// <summary>A version-2 parameter's state list: names this algorithm knows, each float32, each once.</summary>
        private List<int> ReadStateList(StateFile.Reader reader, string source, string parameter)
        {
            var states = new List<int>();
            var count = reader.Int32();
            if (count < 0 || count > TensorSlot.MaxStates)
            {
                throw new InvalidDataException($"{source} declares {count} state buffers for '{parameter}'.");
            }

            for (var j = 0; j < count; j++)
            {
                var name = reader.String();
                var format = reader.String();
                var k = Algorithm.StateIndex(name);
                if (k < 0 || states.Contains(k))
                {
                    throw new InvalidDataException($"{source} holds state '{name}' for '{parameter}', which {Algorithm.Name} does not have (or has twice).");
                }

                if (format != StateFile.Float32)
                {
                    throw new InvalidDataException(
                        $"{source} holds '{parameter}'.{name} as {format}; this optimizer keeps {StateFile.Float32} state. Convert the file explicitly; formats are never converted silently.");
                }

                states.Add(k);
            }

            return states;
        }

        private int PresentStates(int p)
        {
            var count = 0;
            for (var k = 0; k < Algorithm.States.Count; k++)
            {
                count += _slots[p].State(k) != null ? 1 : 0;
            }

            return count;
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
    /// The state file format, version 2, little-endian: magic "WDGFUSED"; int32 version; string algorithm (e.g.
    /// "adamw"); string fingerprint; int32 parameter count; per parameter: string name, int32 group, int64 length,
    /// int64 step, int32 state count and per state its name (e.g. "exp_avg") and element format ("float32"); then every
    /// listed state's elements, parameter by parameter, in the listed order; finally an 8-byte checksum of everything
    /// before it. Strings are an int32 byte count and UTF-8 bytes. Version 1 (WdGen 0.1) had an int32 algorithm code and
    /// a bit set of four fixed state kinds instead of names; it is still read.
    /// </summary>
    internal static unsafe class StateFile
    {
        public const int Version = 2;
        public const string Float32 = "float32";
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

            public void Floats(float* data, long count)
            {
                var bytes = (byte*)data;
                var total = count * sizeof(float);
                for (long done = 0; done < total;)
                {
                    var n = (int)Math.Min(Piece, total - done);
                    Bytes(new ReadOnlySpan<byte>(bytes + done, n));
                    done += n;
                }
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

            public void Floats(float* data, long count)
            {
                var bytes = (byte*)data;
                var total = count * sizeof(float);
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

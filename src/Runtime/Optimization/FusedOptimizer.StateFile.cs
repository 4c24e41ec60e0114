using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace WdGen.Optimization
{
    /// <summary>Saving and loading the engine's state (see <see cref="FusedStateFile"/> for the format).</summary>
    internal sealed unsafe partial class FusedOptimizer
    {
        /// <summary>
        /// Writes the state (step counts and every state buffer) keyed by parameter name, together with the algorithm
        /// and the fingerprint, atomically: a temporary file in the same folder, flushed, then renamed over
        /// <paramref name="path"/>.
        /// </summary>
        /// <param name="path">The destination file.</param>
        public void SaveState(string path)
        {
            ThrowIfDisposed();
            FusedStateFile.Save(
                path,
                Algorithm,
                Fingerprint,
                _specs,
                _steps,
                (k, p) => _state[k][p] != null,
                (k, p, writer) =>
                {
                    var buffer = _state[k][p]!;
                    writer.Floats(buffer.Pointer, buffer.Length);
                });
        }

        /// <summary>
        /// Replaces the state with the one saved in <paramref name="path"/>. The file must carry the same algorithm,
        /// the same fingerprint and exactly the same parameter names, each with the same group and length (the
        /// parameter order may differ: entries are matched by name). The checksum is verified before anything is
        /// parsed, and the live state is only replaced once the whole file has been read: a failed load changes nothing.
        /// </summary>
        /// <param name="path">A file written by <see cref="SaveState"/>.</param>
        /// <exception cref="InvalidDataException">The file is truncated, corrupted, of another version, or does not fit this optimizer (the message names the mismatching parameters).</exception>
        public void LoadState(string path)
        {
            ThrowIfDisposed();
            var loaded = FusedStateFile.Load(path, Algorithm, Fingerprint, _specs, _indexByName, out var steps);
            try
            {
                // Commit: nothing above touched the live state.
                for (var k = 0; k < FusedStateFile.KindCount; k++)
                {
                    for (var p = 0; p < _specs.Length; p++)
                    {
                        if ((FusedStateKind)k is FusedStateKind.ExpAvg or FusedStateKind.ExpAvgSq && _state[k][p] is { } view)
                        {
                            // Adam moments live in an arena: copy in place (or zero), keep the view.
                            var bytes = view.Length * sizeof(float);
                            if (loaded[k][p] is { } source)
                            {
                                Buffer.MemoryCopy(source.Pointer, view.Pointer, bytes, bytes);
                            }
                            else
                            {
                                NativeMemory.Clear(view.Pointer, (nuint)bytes);
                            }

                            continue;
                        }

                        _state[k][p]?.Dispose();
                        _state[k][p] = loaded[k][p];
                        loaded[k][p] = null;
                        var pointer = _state[k][p] is { } b ? b.Pointer : null;
                        switch ((FusedStateKind)k)
                        {
                            case FusedStateKind.ExpAvg: _slots[p].ExpAvg = pointer; break;
                            case FusedStateKind.ExpAvgSq: _slots[p].ExpAvgSq = pointer; break;
                            case FusedStateKind.MaxExpAvgSq: _slots[p].MaxExpAvgSq = pointer; break;
                            default: _slots[p].Momentum = pointer; break;
                        }
                    }
                }

                Array.Copy(steps, _steps, steps.Length);
            }
            finally
            {
                FusedStateFile.DisposeAll(loaded);
            }
        }
    }

    /// <summary>
    /// The state file format, version 1, little-endian:
    /// magic "WDGFUSED"; int32 version; int32 algorithm; string fingerprint; int32 parameter count; per parameter
    /// (string name, int32 group, int64 length, int64 step, int32 bit set of present buffers in
    /// <see cref="FusedStateKind"/> order); then every present buffer's floats, parameter by parameter; finally an
    /// 8-byte checksum of everything before it. Strings are an int32 byte count and UTF-8 bytes.
    /// </summary>
    internal static unsafe class FusedStateFile
    {
        public const int Version = 1;
        public const int KindCount = 4;
        public static readonly byte[] Magic = "WDGFUSED"u8.ToArray();

        /// <summary>Writes a state file atomically (temporary file, flush, rename); the engines supply the buffers.</summary>
        public static void Save(
            string path,
            FusedAlgorithm algorithm,
            string fingerprint,
            FusedParameterSpec[] specs,
            long[] steps,
            Func<int, int, bool> hasBuffer,
            Action<int, int, Writer> writeBuffer)
        {
            ArgumentNullException.ThrowIfNull(path);
            var full = Path.GetFullPath(path);
            var temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
                {
                    var writer = new Writer(stream);
                    writer.Bytes(Magic);
                    writer.Int32(Version);
                    writer.Int32((int)algorithm);
                    writer.String(fingerprint);
                    writer.Int32(specs.Length);
                    for (var p = 0; p < specs.Length; p++)
                    {
                        writer.String(specs[p].Name);
                        writer.Int32(specs[p].GroupIndex);
                        writer.Int64(specs[p].Length);
                        writer.Int64(steps[p]);
                        var present = 0;
                        for (var k = 0; k < KindCount; k++)
                        {
                            present |= hasBuffer(k, p) ? 1 << k : 0;
                        }

                        writer.Int32(present);
                    }

                    for (var p = 0; p < specs.Length; p++)
                    {
                        for (var k = 0; k < KindCount; k++)
                        {
                            if (hasBuffer(k, p))
                            {
                                writeBuffer(k, p, writer);
                            }
                        }
                    }

                    writer.Finish();
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temp, full, overwrite: true);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }

        /// <summary>
        /// Reads and validates a whole state file into host buffers ([kind][parameter], null where absent) and the step
        /// counts; throws (disposing everything read) when it does not fit. The caller commits and then disposes the
        /// buffers it did not take (<see cref="DisposeAll"/>).
        /// </summary>
        public static FusedNativeBuffer?[][] Load(
            string path,
            FusedAlgorithm algorithm,
            string fingerprint,
            FusedParameterSpec[] specs,
            Dictionary<string, int> indexByName,
            out long[] steps)
        {
            ArgumentNullException.ThrowIfNull(path);
            var loaded = new FusedNativeBuffer?[KindCount][];
            for (var k = 0; k < loaded.Length; k++)
            {
                loaded[k] = new FusedNativeBuffer?[specs.Length];
            }

            var committed = false;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                VerifyChecksum(stream, path);
                stream.Position = 0;
                var reader = new Reader(stream, path);
                if (!reader.Bytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                {
                    throw new InvalidDataException($"'{path}' is not a WdGen fused optimizer state file (bad magic).");
                }

                var version = reader.Int32();
                if (version != Version)
                {
                    throw new InvalidDataException($"'{path}' has state format version {version}; this build reads version {Version}.");
                }

                var saved = (FusedAlgorithm)reader.Int32();
                if (saved != algorithm)
                {
                    throw new InvalidDataException($"'{path}' holds {saved} state but this optimizer runs {algorithm}.");
                }

                var savedFingerprint = reader.String();
                if (!string.Equals(savedFingerprint, fingerprint, StringComparison.Ordinal))
                {
                    throw new InvalidDataException(
                        $"'{path}' was saved for parameter groups with fingerprint \"{savedFingerprint}\" but this optimizer's fingerprint is \"{fingerprint}\"; the grouping changed since the state was saved.");
                }

                var count = reader.Int32();
                if (count < 0)
                {
                    throw new InvalidDataException($"'{path}' declares {count} parameters.");
                }

                var order = new int[count];
                var presence = new int[count];
                steps = new long[specs.Length];
                var seen = new bool[specs.Length];
                var unknown = new List<string>();
                var mismatched = new List<string>();
                for (var i = 0; i < count; i++)
                {
                    var name = reader.String();
                    var group = reader.Int32();
                    var length = reader.Int64();
                    var step = reader.Int64();
                    presence[i] = reader.Int32();
                    if (!indexByName.TryGetValue(name, out var p) || seen[p])
                    {
                        unknown.Add(name);
                        order[i] = -1;
                        continue;
                    }

                    seen[p] = true;
                    order[i] = p;
                    steps[p] = step;
                    if (group != specs[p].GroupIndex || length != specs[p].Length)
                    {
                        mismatched.Add($"'{name}' (saved: group {group}, {length} elements; now: group {specs[p].GroupIndex}, {specs[p].Length} elements)");
                    }
                }

                var missing = new List<string>();
                for (var p = 0; p < specs.Length; p++)
                {
                    if (!seen[p])
                    {
                        missing.Add($"'{specs[p].Name}'");
                    }
                }

                if (unknown.Count > 0 || missing.Count > 0 || mismatched.Count > 0)
                {
                    var message = new StringBuilder($"'{path}' does not fit this optimizer's parameters:");
                    if (unknown.Count > 0)
                    {
                        message.Append(" saved but unknown (renamed or duplicated?): '").AppendJoin("', '", unknown).Append("'.");
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
                    for (var k = 0; k < KindCount; k++)
                    {
                        if ((presence[i] & (1 << k)) != 0)
                        {
                            var buffer = new FusedNativeBuffer(specs[p].Length);
                            loaded[k][p] = buffer;
                            reader.Floats(buffer.Pointer, buffer.Length);
                        }
                    }
                }

                reader.ExpectChecksumNext();
                committed = true;
                return loaded;
            }
            catch (EndOfStreamException e)
            {
                throw new InvalidDataException($"'{path}' is truncated.", e);
            }
            finally
            {
                if (!committed)
                {
                    DisposeAll(loaded);
                }
            }
        }

        /// <summary>Disposes every buffer left in a table returned by <see cref="Load"/>.</summary>
        public static void DisposeAll(FusedNativeBuffer?[][] loaded)
        {
            foreach (var kind in loaded)
            {
                for (var p = 0; p < kind.Length; p++)
                {
                    kind[p]?.Dispose();
                    kind[p] = null;
                }
            }
        }

        private static void TryDelete(string path)
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
        private const int MaxString = 1 << 20;

        /// <summary>A 64-bit checksum over 8-byte words (tail bytes zero-padded), streamable in pieces of 8·k bytes.</summary>
        public struct Checksum
        {
            private ulong _hash;
            private long _length;

            public Checksum()
            {
                _hash = 0x9E3779B97F4A7C15UL;
                _length = 0;
            }

            public void Add(ReadOnlySpan<byte> data)
            {
                var words = MemoryMarshal.Cast<byte, ulong>(data);
                var h = _hash;
                foreach (var w in words)
                {
                    h = (System.Numerics.BitOperations.RotateLeft(h ^ w, 29) * 0xBF58476D1CE4E5B9UL) + 0x94D049BB133111EBUL;
                }

                var tail = data.Slice(words.Length * 8);
                if (!tail.IsEmpty)
                {
                    Span<byte> last = stackalloc byte[8];
                    last.Clear();
                    tail.CopyTo(last);
                    h = (System.Numerics.BitOperations.RotateLeft(h ^ BitConverter.ToUInt64(last), 29) * 0xBF58476D1CE4E5B9UL) + 0x94D049BB133111EBUL;
                }

                _hash = h;
                _length += data.Length;
            }

            public readonly ulong Value => _hash ^ (ulong)_length * 0xD6E8FEB86659FD93UL;
        }

        /// <summary>Checks the trailing checksum against the rest of the file.</summary>
        public static void VerifyChecksum(Stream stream, string path)
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("State files are little-endian.");
            }

            var length = stream.Length;
            if (length < Magic.Length + 8)
            {
                throw new InvalidDataException($"'{path}' is truncated ({length} bytes).");
            }

            var checksum = new Checksum();
            var buffer = new byte[1 << 20];
            var remaining = length - 8;
            while (remaining > 0)
            {
                var n = (int)Math.Min(buffer.Length, remaining);
                stream.ReadExactly(buffer, 0, n);
                // Pieces are multiples of 8 except the last, so streaming equals hashing in one go.
                checksum.Add(buffer.AsSpan(0, n));
                remaining -= n;
            }

            Span<byte> stored = stackalloc byte[8];
            stream.ReadExactly(stored);
            if (BitConverter.ToUInt64(stored) != checksum.Value)
            {
                throw new InvalidDataException($"'{path}' is corrupted or truncated (checksum mismatch).");
            }
        }

        /// <summary>Buffers writes in 1 MiB pieces (multiples of 8) and checksums them.</summary>
        public sealed class Writer
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[1 << 20];
            private int _used;
            private Checksum _checksum = new();

            public Writer(Stream stream) => _stream = stream;

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
                    var n = (int)Math.Min(1 << 20, total - done);
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
            }

            private void Flush()
            {
                _checksum.Add(_buffer.AsSpan(0, _used));
                _stream.Write(_buffer, 0, _used);
                _used = 0;
            }
        }

        /// <summary>Reads the fields back (after <see cref="VerifyChecksum"/> has accepted the file).</summary>
        public sealed class Reader
        {
            private readonly Stream _stream;
            private readonly string _path;

            public Reader(Stream stream, string path)
            {
                _stream = stream;
                _path = path;
            }

            public byte[] Bytes(int count)
            {
                var b = new byte[count];
                _stream.ReadExactly(b);
                return b;
            }

            public int Int32()
            {
                Span<byte> b = stackalloc byte[4];
                _stream.ReadExactly(b);
                return BitConverter.ToInt32(b);
            }

            public long Int64()
            {
                Span<byte> b = stackalloc byte[8];
                _stream.ReadExactly(b);
                return BitConverter.ToInt64(b);
            }

            public string String()
            {
                var length = Int32();
                if (length < 0 || length > MaxString)
                {
                    throw new InvalidDataException($"'{_path}' holds a string of {length} bytes.");
                }

                return Encoding.UTF8.GetString(Bytes(length));
            }

            public void Floats(float* data, long count)
            {
                var bytes = (byte*)data;
                var total = count * sizeof(float);
                for (long done = 0; done < total;)
                {
                    var n = (int)Math.Min(1 << 20, total - done);
                    _stream.ReadExactly(new Span<byte>(bytes + done, n));
                    done += n;
                }
            }

            public void ExpectChecksumNext()
            {
                if (_stream.Length - _stream.Position != 8)
                {
                    throw new InvalidDataException($"'{_path}' has {_stream.Length - _stream.Position - 8} unexpected bytes before its checksum.");
                }
            }
        }
    }
}

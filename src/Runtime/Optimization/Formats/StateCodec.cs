using System;

namespace WdGen.Optimization.Formats
{
    /// <summary>
    /// The one place that knows how each <see cref="StateFormat"/> lays out a tensor's state: its size, its name in state
    /// files, and the conversions to and from the float32 the updates run on.
    /// </summary>
    internal static unsafe class StateCodec
    {
        /// <summary>The format a tensor of <paramref name="elements"/> actually gets (small tensors keep float32 under Int8).</summary>
        public static StateFormat Effective(StateFormat requested, long elements)
            => requested == StateFormat.Int8 && elements < Int8Blocks.MinimumElements ? StateFormat.Float32 : requested;

        /// <summary>Bytes of one state buffer of a tensor of <paramref name="elements"/> in <paramref name="format"/>.</summary>
        public static long Bytes(StateFormat format, long elements) => format switch
        {
            StateFormat.Float32 => elements * sizeof(float),
            StateFormat.BFloat16 => elements * sizeof(ushort),
            StateFormat.Int8 => Int8Blocks.Bytes(elements),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown state format."),
        };

        /// <summary>The format's name in state files.</summary>
        public static string Name(StateFormat format) => format switch
        {
            StateFormat.Float32 => "float32",
            StateFormat.BFloat16 => "bfloat16",
            StateFormat.Int8 => "int8-block" + Int8Blocks.BlockSize,
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown state format."),
        };

        /// <summary>The format a state file names, or null.</summary>
        public static StateFormat? Named(string name)
        {
            foreach (var format in Enum.GetValues<StateFormat>())
            {
                if (Name(format) == name)
                {
                    return format;
                }
            }

            return null;
        }

        /// <summary>Checks the engine's format against its chunking (Int8 blocks may not straddle two chunks).</summary>
        public static void Validate(StateFormat format, int chunkElements)
        {
            if (!Enum.IsDefined(format))
            {
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown state format.");
            }

            if (format == StateFormat.Int8 && chunkElements % Int8Blocks.BlockSize != 0)
            {
                throw new ArgumentException(
                    $"StateFormat.Int8 quantizes blocks of {Int8Blocks.BlockSize} elements, so FusedEngineOptions.ChunkElements must be a multiple of {Int8Blocks.BlockSize} (it is {chunkElements}).");
            }
        }

        /// <summary>Decodes elements [start, start + count) of a state buffer (a tensor of <paramref name="elements"/>).</summary>
        public static void Decode(StateFormat format, StateRange range, byte* buffer, long elements, long start, float* destination, int count)
        {
            switch (format)
            {
                case StateFormat.Float32:
                    Buffer.MemoryCopy((float*)buffer + start, destination, (long)count * sizeof(float), (long)count * sizeof(float));
                    break;
                case StateFormat.BFloat16:
                    BFloat16.Decode((ushort*)buffer + start, destination, count);
                    break;
                default:
                    Int8Blocks.Decode(range, buffer, elements, start, destination, count);
                    break;
            }
        }

        /// <summary>Encodes elements [start, start + count) into a state buffer (a tensor of <paramref name="elements"/>).</summary>
        public static void Encode(StateFormat format, StateRange range, float* source, byte* buffer, long elements, long start, int count)
        {
            switch (format)
            {
                case StateFormat.Float32:
                    Buffer.MemoryCopy(source, (float*)buffer + start, (long)count * sizeof(float), (long)count * sizeof(float));
                    break;
                case StateFormat.BFloat16:
                    BFloat16.Encode(source, (ushort*)buffer + start, count);
                    break;
                default:
                    Int8Blocks.Encode(range, source, buffer, elements, start, count);
                    break;
            }
        }

        /// <summary>Re-encodes a whole tensor's state from one format into another (host memory), through float32.</summary>
        public static void Convert(StateFormat from, byte* source, StateFormat to, byte* destination, StateRange range, long elements)
        {
            const int Piece = 1 << 16; // a multiple of Int8Blocks.BlockSize
            var staging = new float[Math.Min(Piece, Math.Max(1, elements))];
            fixed (float* f = staging)
            {
                for (long start = 0; start < elements; start += Piece)
                {
                    var n = (int)Math.Min(Piece, elements - start);
                    Decode(from, range, source, elements, start, f, n);
                    Encode(to, range, f, destination, elements, start, n);
                }
            }
        }
    }
}

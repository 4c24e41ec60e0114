using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace WdGen.Optimization.Formats
{
    /// <summary>Whether a state's values can be negative: it picks the int8 code.</summary>
    internal enum StateRange
    {
        /// <summary>Momentum-like (Adam's and Lion's exp_avg, SGD's momentum_buffer).</summary>
        Signed,

        /// <summary>Second moments (Adam's exp_avg_sq and max_exp_avg_sq).</summary>
        NonNegative,
    }

    /// <summary>
    /// Block-wise 8-bit state, as 8-bit Adam keeps it: each block of <see cref="BlockSize"/> consecutive elements has one
    /// float32 scale (its largest magnitude) and one byte per element. The codes are companded (square-root spaced), so
    /// small values keep resolution next to a block's outlier: four decades below the scale instead of two.
    /// <list type="bullet">
    /// <item>Signed (x in [−s, s]): <c>q = sign(x)·round(127·√(|x|/s))</c>, decoded <c>x = s·r·|r|</c> with r = q/127.</item>
    /// <item>Non-negative second moments v, coded through u = √v (the quantity Adam divides by; s = max u):
    /// <c>q = round(255·√(u/s))</c>, decoded <c>u = s·r²</c>, <c>v = u²</c> with r = q/255.</item>
    /// </list>
    /// A block holding NaN or ±Inf gets a NaN scale, so a non-finite value never turns finite. Layout of a tensor's
    /// buffer: the codes (padded to 64 bytes), then the scales. Rounding is to nearest even in both the AVX2 path and the
    /// scalar tail, so a block's bytes do not depend on how the work was split.
    /// </summary>
    internal static unsafe class Int8Blocks
    {
        /// <summary>Elements per quantization block (one scale each). Chunks of Int8 work start at multiples of it.</summary>
        public const int BlockSize = 256;

        /// <summary>Tensors with fewer elements keep float32 state (biases, norms: few bytes, most sensitive).</summary>
        public const long MinimumElements = 4096;

        private const float SignedLevels = 127f;
        private const float UnsignedLevels = 255f;

        /// <summary>Bytes of one tensor's buffer: codes padded to 64 bytes, then one scale per block.</summary>
        public static long Bytes(long elements) => ((elements + 63) & ~63L) + (Blocks(elements) * sizeof(float));

        public static long Blocks(long elements) => (elements + BlockSize - 1) / BlockSize;

        /// <summary>The scale of the block holding element <paramref name="start"/>.</summary>
        public static float* Scales(byte* buffer, long elements, long start) => (float*)(buffer + ((elements + 63) & ~63L)) + (start / BlockSize);

        /// <summary>Decodes <paramref name="count"/> elements from <paramref name="start"/> (a block boundary).</summary>
        public static void Decode(StateRange range, byte* buffer, long elements, long start, float* destination, int count)
        {
            var scales = Scales(buffer, elements, start);
            for (var b = 0; b < count; b += BlockSize)
            {
                var n = Math.Min(BlockSize, count - b);
                if (range == StateRange.Signed)
                {
                    DecodeSigned((sbyte*)buffer + start + b, scales[b / BlockSize], destination + b, n);
                }
                else
                {
                    DecodeSquared(buffer + start + b, scales[b / BlockSize], destination + b, n);
                }
            }
        }

        /// <summary>Encodes <paramref name="count"/> elements from <paramref name="start"/> (a block boundary; the count
        /// covers whole blocks or reaches the tensor's end).</summary>
        public static void Encode(StateRange range, float* source, byte* buffer, long elements, long start, int count)
        {
            var scales = Scales(buffer, elements, start);
            for (var b = 0; b < count; b += BlockSize)
            {
                var n = Math.Min(BlockSize, count - b);
                if (range == StateRange.Signed)
                {
                    scales[b / BlockSize] = EncodeSigned(source + b, (sbyte*)buffer + start + b, n);
                }
                else
                {
                    scales[b / BlockSize] = EncodeSquared(source + b, buffer + start + b, n);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float EncodeSigned(float* x, sbyte* codes, int n)
        {
            var scale = MaxMagnitude(x, n, squareRoot: false);
            if (!(scale > 0) || float.IsInfinity(scale))
            {
                new Span<byte>(codes, n).Clear();
                return scale == 0 ? 0 : float.NaN;
            }

            var inverse = 1f / scale;
            var i = 0;
            if (Avx2.IsSupported)
            {
                var vInverse = Vector256.Create(inverse);
                var levels = Vector256.Create(SignedLevels);
                var sign = Vector256.Create(-0f);
                for (; i <= n - 32; i += 32)
                {
                    var q0 = SignedCode(Avx.LoadVector256(x + i), vInverse, levels, sign);
                    var q1 = SignedCode(Avx.LoadVector256(x + i + 8), vInverse, levels, sign);
                    var q2 = SignedCode(Avx.LoadVector256(x + i + 16), vInverse, levels, sign);
                    var q3 = SignedCode(Avx.LoadVector256(x + i + 24), vInverse, levels, sign);
                    var packed = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(q0, q1), Avx2.PackSignedSaturate(q2, q3));
                    Avx.Store(codes + i, Unshuffle(packed.AsInt32()).AsSByte());
                }
            }

            for (; i < n; i++)
            {
                var t = MathF.Sqrt(MathF.Abs(x[i]) * inverse) * SignedLevels;
                codes[i] = (sbyte)MathF.CopySign(MathF.Round(t), x[i]);
            }

            return scale;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float EncodeSquared(float* v, byte* codes, int n)
        {
            // The scale is the largest √v; codes are √(√v / scale).
            var scale = MaxMagnitude(v, n, squareRoot: true);
            if (!(scale > 0) || float.IsInfinity(scale))
            {
                new Span<byte>(codes, n).Clear();
                return scale == 0 ? 0 : float.NaN;
            }

            var inverse = 1f / scale;
            var i = 0;
            if (Avx2.IsSupported)
            {
                var vInverse = Vector256.Create(inverse);
                var levels = Vector256.Create(UnsignedLevels);
                for (; i <= n - 32; i += 32)
                {
                    var q0 = SquaredCode(Avx.LoadVector256(v + i), vInverse, levels);
                    var q1 = SquaredCode(Avx.LoadVector256(v + i + 8), vInverse, levels);
                    var q2 = SquaredCode(Avx.LoadVector256(v + i + 16), vInverse, levels);
                    var q3 = SquaredCode(Avx.LoadVector256(v + i + 24), vInverse, levels);
                    var packed = Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(q0, q1), Avx2.PackSignedSaturate(q2, q3));
                    Avx.Store(codes + i, Unshuffle(packed.AsInt32()).AsByte());
                }
            }

            for (; i < n; i++)
            {
                codes[i] = (byte)MathF.Round(MathF.Sqrt(MathF.Sqrt(v[i]) * inverse) * UnsignedLevels);
            }

            return scale;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DecodeSigned(sbyte* codes, float scale, float* x, int n)
        {
            var step = 1f / SignedLevels;
            var i = 0;
            if (Avx2.IsSupported)
            {
                var vStep = Vector256.Create(step);
                var vScale = Vector256.Create(scale);
                var sign = Vector256.Create(-0f);
                for (; i <= n - 8; i += 8)
                {
                    var r = Avx.Multiply(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(codes + i)), vStep);
                    Avx.Store(x + i, Avx.Multiply(vScale, Avx.Multiply(r, Avx.AndNot(sign, r))));
                }
            }

            for (; i < n; i++)
            {
                var r = codes[i] * step;
                x[i] = scale * (r * MathF.Abs(r));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DecodeSquared(byte* codes, float scale, float* v, int n)
        {
            var step = 1f / UnsignedLevels;
            var i = 0;
            if (Avx2.IsSupported)
            {
                var vStep = Vector256.Create(step);
                var vScale = Vector256.Create(scale);
                for (; i <= n - 8; i += 8)
                {
                    var r = Avx.Multiply(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(codes + i)), vStep);
                    var u = Avx.Multiply(vScale, Avx.Multiply(r, r));
                    Avx.Store(v + i, Avx.Multiply(u, u));
                }
            }

            for (; i < n; i++)
            {
                var r = codes[i] * step;
                var u = scale * (r * r);
                v[i] = u * u;
            }
        }

        /// <summary>max |x| (or max √x): NaN when any element is NaN, so a NaN block stays NaN.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float MaxMagnitude(float* x, int n, bool squareRoot)
        {
            var max = 0f;
            var nan = false;
            var i = 0;
            if (Avx.IsSupported)
            {
                var sign = Vector256.Create(-0f);
                var vMax = Vector256<float>.Zero;
                var vNan = Vector256<float>.Zero;
                for (; i <= n - 8; i += 8)
                {
                    var a = Avx.AndNot(sign, Avx.LoadVector256(x + i));
                    vMax = Avx.Max(vMax, a);
                    vNan = Avx.Or(vNan, Avx.CompareUnordered(a, a));
                }

                nan = Avx.MoveMask(vNan) != 0;
                for (var k = 0; k < 8; k++)
                {
                    max = vMax.GetElement(k) > max ? vMax.GetElement(k) : max;
                }
            }

            for (; i < n; i++)
            {
                var a = MathF.Abs(x[i]);
                nan |= float.IsNaN(a);
                max = a > max ? a : max;
            }

            return nan ? float.NaN : squareRoot ? MathF.Sqrt(max) : max;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> SignedCode(Vector256<float> x, Vector256<float> inverse, Vector256<float> levels, Vector256<float> sign)
        {
            var t = Avx.Multiply(Avx.Sqrt(Avx.Multiply(Avx.AndNot(sign, x), inverse)), levels);
            return Avx.ConvertToVector256Int32(Avx.Or(Avx.RoundToNearestInteger(t), Avx.And(sign, x)));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> SquaredCode(Vector256<float> v, Vector256<float> inverse, Vector256<float> levels)
            => Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(Avx.Sqrt(Avx.Multiply(Avx.Sqrt(v), inverse)), levels)));

        /// <summary>After two rounds of per-lane packing the dwords hold [q0 q1 q2 q3 | q0' q1' q2' q3'] quarters; restore element order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> Unshuffle(Vector256<int> packed) => Avx2.PermuteVar8x32(packed, Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7));
    }
}

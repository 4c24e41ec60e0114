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
    /// float32 scale (its largest magnitude) and one byte per element, a tiny float relative to the scale: |x|/scale
    /// rounded to 3 significant bits (nearest, ties to even), so every value keeps its relative precision (within 1/16)
    /// however far below the block's outlier it is, down to where it is flushed to zero:
    /// <list type="bullet">
    /// <item>Signed states (momenta): a sign bit and 7 bits, 16 binades (|x| ≥ 1.25·2^-16·scale: 4.7 decades).</item>
    /// <item>Non-negative states (second moments): 8 bits, 32 binades (v ≥ 1.25·2^-32·scale: √v over 4.7 decades).</item>
    /// </list>
    /// Encoding and decoding are integer operations on float32 bits (no square root, no table), so they cost little next
    /// to the update. A block holding NaN or ±Inf gets a NaN scale, so a non-finite value never turns finite. Layout of a
    /// tensor's buffer: the codes (padded to 64 bytes), then the scales. Every <see cref="SimdPath"/> and the scalar tail compute
    /// the same bytes, so a block's bytes depend neither on how the work was split nor on the machine.
    /// </summary>
    internal static unsafe class Int8Blocks
    {
        /// <summary>Elements per quantization block (one scale each). Chunks of Int8 work start at multiples of it.</summary>
        public const int BlockSize = 256;

        /// <summary>Tensors with fewer elements keep float32 state (biases, norms: few bytes, most sensitive).</summary>
        public const long MinimumElements = 4096;

        // Code = r − bias where r = exponent·8 + 3-bit mantissa of |x|/scale: |x| = scale is 127 (signed) or 255.
        internal const int SignedBias = (127 * 8) - 127;
        internal const int UnsignedBias = (127 * 8) - 255;

        /// <summary>Bytes of one tensor's buffer: codes padded to 64 bytes, then one scale per block.</summary>
        public static long Bytes(long elements) => ((elements + 63) & ~63L) + (Blocks(elements) * sizeof(float));

        public static long Blocks(long elements) => (elements + BlockSize - 1) / BlockSize;

        /// <summary>The scale of the block holding element <paramref name="start"/>.</summary>
        public static float* Scales(byte* buffer, long elements, long start) => (float*)(buffer + ((elements + 63) & ~63L)) + (start / BlockSize);

        /// <summary>Decodes <paramref name="count"/> elements from <paramref name="start"/> (a block boundary).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Decode(StateRange range, byte* buffer, long elements, long start, float* destination, int count)
            => Decode(range, buffer, elements, start, destination, count, Simd.Best);

        /// <summary><see cref="Decode(StateRange, byte*, long, long, float*, int)"/> on a given instruction set (tests compare them).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Decode(StateRange range, byte* buffer, long elements, long start, float* destination, int count, SimdPath simd)
        {
            var scales = Scales(buffer, elements, start);
            for (var b = 0; b < count; b += BlockSize)
            {
                var n = Math.Min(BlockSize, count - b);
                var codes = buffer + start + b;
                if (range == StateRange.Signed)
                {
                    Decode(codes, scales[b / BlockSize], destination + b, n, SignedBias, signed: true, simd); // constants: one inlined copy each
                }
                else
                {
                    Decode(codes, scales[b / BlockSize], destination + b, n, UnsignedBias, signed: false, simd);
                }
            }
        }

        /// <summary>Encodes <paramref name="count"/> elements from <paramref name="start"/> (a block boundary; the count
        /// covers whole blocks or reaches the tensor's end).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Encode(StateRange range, float* source, byte* buffer, long elements, long start, int count)
            => Encode(range, source, buffer, elements, start, count, Simd.Best);

        /// <summary><see cref="Encode(StateRange, float*, byte*, long, long, int)"/> on a given instruction set (tests compare them).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Encode(StateRange range, float* source, byte* buffer, long elements, long start, int count, SimdPath simd)
        {
            // Every block's largest magnitude first, then the codes: the blocks' maxima (dependent chains ending in a
            // horizontal reduction) and their reciprocals overlap instead of each waiting for the previous block's codes.
            var scales = Scales(buffer, elements, start);
            for (var b = 0; b < count; b += BlockSize)
            {
                scales[b / BlockSize] = MaxMagnitude(source + b, Math.Min(BlockSize, count - b), simd);
            }

            for (var b = 0; b < count; b += BlockSize)
            {
                var n = Math.Min(BlockSize, count - b);
                var codes = buffer + start + b;
                ref var scale = ref scales[b / BlockSize];
                scale = range == StateRange.Signed
                    ? Encode(source + b, codes, n, scale, SignedBias, signed: true, simd)
                    : Encode(source + b, codes, n, scale, UnsignedBias, signed: false, simd);
            }
        }

        /// <summary>
        /// Codes of a block, given its largest magnitude (the scale it returns unless it is 0 or not finite): y = |x|/scale rounded to 3 significant bits (nearest, ties to even) by integer arithmetic
        /// on its float32 bits, r = exponent·8 + mantissa, code = r − bias, below 1 flushed to 0; signed values keep
        /// their sign in bit 7.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Encode(float* x, byte* codes, int n, float scale, int bias, bool signed, SimdPath simd)
        {
            if (!(scale > 0) || !float.IsFinite(scale))
            {
                new Span<byte>(codes, n).Clear();
                return scale == 0 ? 0 : BitConverter.UInt32BitsToSingle(0x7FC00000u); // one NaN, as the CUDA kernels write it
            }

            var inverse = 1f / scale;
            if (float.IsInfinity(inverse))
            {
                // Every value under 2^-128: float32's denormal range, kept as zeros (1/scale would overflow).
                new Span<byte>(codes, n).Clear();
                return 0;
            }

            var i = 0;
            if (simd == SimdPath.Avx512)
            {
                // r − bias = (bits + 0x7FFFF + lsb − bias·2^20) >> 20 in one arithmetic shift. No upper clamp: |x|·(1/scale)
                // is at most 1 + 2 ulp, which rounds to the top code (127 or 255) all the same.
                var vInverse = Vector512.Create(inverse);
                var offset = Vector512.Create(0x7FFFF - (bias << 20));
                for (; i <= n - 16; i += 16)
                {
                    var xi = Avx512F.LoadVector512((int*)x + i);
                    var bits = Avx512F.Multiply(Avx512F.And(xi, Vector512.Create(0x7FFFFFFF)).AsSingle(), vInverse).AsInt32();
                    var lsb = Avx512F.And(Avx512F.ShiftRightLogical(bits, 20), Vector512.Create(1));
                    var code = Avx512F.Max(Avx512F.ShiftRightArithmetic(Avx512F.Add(Avx512F.Add(bits, offset), lsb), 20), Vector512<int>.Zero);
                    if (signed)
                    {
                        code = Avx512F.TernaryLogic(code, Avx512F.ShiftRightLogical(xi, 24), Vector512.Create(0x80), 0xF8); // code | (sign & 0x80)
                    }

                    Sse2.Store(codes + i, Avx512F.ConvertToVector128Byte(code));
                }
            }
            else if (simd == SimdPath.Avx2)
            {
                var vInverse = Vector256.Create(inverse);
                var vBias = Vector256.Create(bias);
                for (; i <= n - 32; i += 32)
                {
                    var q0 = Code(Avx.LoadVector256(x + i), vInverse, vBias, signed);
                    var q1 = Code(Avx.LoadVector256(x + i + 8), vInverse, vBias, signed);
                    var q2 = Code(Avx.LoadVector256(x + i + 16), vInverse, vBias, signed);
                    var q3 = Code(Avx.LoadVector256(x + i + 24), vInverse, vBias, signed);
                    var packed = Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(q0, q1), Avx2.PackSignedSaturate(q2, q3));
                    Avx.Store(codes + i, Unshuffle(packed.AsInt32()).AsByte());
                }
            }

            for (; i < n; i++)
            {
                var bits = BitConverter.SingleToUInt32Bits(MathF.Abs(x[i]) * inverse);
                var code = Math.Clamp((int)((bits + 0x7FFFFu + ((bits >> 20) & 1u)) >> 20) - bias, 0, signed ? 127 : 255);
                codes[i] = (byte)(signed ? code | (int)((BitConverter.SingleToUInt32Bits(x[i]) >> 31) << 7) : code);
            }

            return scale;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Decode(byte* codes, float scale, float* x, int n, int bias, bool signed, SimdPath simd)
        {
            var i = 0;
            if (simd == SimdPath.Avx512)
            {
                var vScale = Vector512.Create(scale);
                var vBias = Vector512.Create(bias);
                for (; i <= n - 16; i += 16)
                {
                    // Signed codes sign-extend: bit 31 is the value's sign bit, merged into the magnitude's float.
                    var q = signed ? Avx512F.ConvertToVector512Int32(Sse2.LoadVector128((sbyte*)codes + i)) : Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(codes + i));
                    var c = signed ? Avx512F.And(q, Vector512.Create(0x7F)) : q;
                    var y = Vector512.ConditionalSelect(Vector512.Equals(c, Vector512<int>.Zero), Vector512<int>.Zero, Avx512F.ShiftLeftLogical(Avx512F.Add(c, vBias), 20));
                    var value = Avx512F.Multiply(y.AsSingle(), vScale).AsInt32();
                    Avx512F.Store((int*)x + i, signed ? Avx512F.TernaryLogic(value, q, Vector512.Create(int.MinValue), 0xF8) : value);
                }
            }
            else if (simd == SimdPath.Avx2)
            {
                var vScale = Vector256.Create(scale);
                var vBias = Vector256.Create(bias);
                var magnitude = Vector256.Create(signed ? 0x7F : 0xFF);
                var signBit = Vector256.Create(0x80);
                for (; i <= n - 8; i += 8)
                {
                    var q = Avx2.ConvertToVector256Int32(codes + i);
                    var c = Avx2.And(q, magnitude);
                    var y = Avx2.AndNot(Avx2.CompareEqual(c, Vector256<int>.Zero), Avx2.ShiftLeftLogical(Avx2.Add(c, vBias), 20)).AsSingle();
                    var value = Avx.Multiply(y, vScale);
                    Avx.Store(x + i, signed ? Avx.Or(value, Avx2.ShiftLeftLogical(Avx2.And(q, signBit), 24).AsSingle()) : value);
                }
            }

            for (; i < n; i++)
            {
                var c = codes[i] & (signed ? 0x7F : 0xFF);
                var value = (c == 0 ? 0f : BitConverter.UInt32BitsToSingle((uint)(c + bias) << 20)) * scale;
                x[i] = signed ? BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(value) | ((uint)(codes[i] & 0x80) << 24)) : value; // the sign bit set, as the vector path
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> Code(Vector256<float> x, Vector256<float> inverse, Vector256<int> bias, bool signed)
        {
            var bits = Avx.Multiply(Avx.AndNot(Vector256.Create(-0f), x), inverse).AsInt32();
            var lsb = Avx2.And(Avx2.ShiftRightLogical(bits, 20), Vector256.Create(1));
            var rounded = Avx2.ShiftRightLogical(Avx2.Add(Avx2.Add(bits, Vector256.Create(0x7FFFF)), lsb), 20);
            var code = Avx2.Min(Avx2.Max(Avx2.Subtract(rounded, bias), Vector256<int>.Zero), Vector256.Create(signed ? 127 : 255));
            return signed ? Avx2.Or(code, Avx2.ShiftLeftLogical(Avx2.ShiftRightLogical(x.AsInt32(), 31), 7)) : code;
        }

        /// <summary>
        /// max |x|, as the largest magnitude's bits (non-negative floats order as their bits): NaN and ±Inf have the
        /// largest bits, so a block holding one gets a non-finite scale.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float MaxMagnitude(float* x, int n, SimdPath simd)
        {
            var max = 0;
            var i = 0;
            if (simd != SimdPath.Scalar)
            {
                // Four independent maxima: one accumulator would make this a chain of dependent instructions.
                var magnitude = Vector256.Create(0x7FFFFFFF);
                var a0 = Vector256<int>.Zero;
                var a1 = Vector256<int>.Zero;
                var a2 = Vector256<int>.Zero;
                var a3 = Vector256<int>.Zero;
                for (; i <= n - 32; i += 32)
                {
                    a0 = Avx2.Max(a0, Avx2.And(Avx.LoadVector256((int*)x + i), magnitude));
                    a1 = Avx2.Max(a1, Avx2.And(Avx.LoadVector256((int*)x + i + 8), magnitude));
                    a2 = Avx2.Max(a2, Avx2.And(Avx.LoadVector256((int*)x + i + 16), magnitude));
                    a3 = Avx2.Max(a3, Avx2.And(Avx.LoadVector256((int*)x + i + 24), magnitude));
                }

                var vMax = Avx2.Max(Avx2.Max(a0, a1), Avx2.Max(a2, a3));
                for (; i <= n - 8; i += 8)
                {
                    vMax = Avx2.Max(vMax, Avx2.And(Avx.LoadVector256((int*)x + i), magnitude));
                }

                var half = Sse41.Max(vMax.GetLower(), vMax.GetUpper());
                half = Sse41.Max(half, Sse2.Shuffle(half, 0b01_00_11_10));
                half = Sse41.Max(half, Sse2.Shuffle(half, 0b10_11_00_01));
                max = half.ToScalar();
            }

            for (; i < n; i++)
            {
                max = Math.Max(max, ((int*)x)[i] & 0x7FFFFFFF);
            }

            return BitConverter.Int32BitsToSingle(max);
        }

        /// <summary>After two rounds of per-lane packing the dwords hold [q0 q1 q2 q3 | q0' q1' q2' q3'] quarters; restore element order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> Unshuffle(Vector256<int> packed) => Avx2.PermuteVar8x32(packed, Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7));
    }
}

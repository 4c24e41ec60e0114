using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace WdGen.Optimization.Formats
{
    /// <summary>
    /// bfloat16 (the top 16 bits of a float32) conversions. Encoding rounds to nearest, ties to even, overflows to ±Inf
    /// and turns every NaN into <see cref="NaN"/>; decoding is exact. Every <see cref="SimdPath"/> and the scalar tail
    /// compute the same bits.
    /// </summary>
    internal static unsafe class BFloat16
    {
        /// <summary>
        /// The bfloat16 every NaN becomes, whatever its sign and payload: the quiet NaN PyTorch writes (c10::BFloat16;
        /// checked: PyTorch 2.6's CPU tensor conversion writes 0x7FC0, 1.13's vectorized one 0xFFFF, and CUDA's
        /// __float2bfloat16 0x7FFF). One value rather than the NaN's own top bits lets AVX-512 replace NaNs with one
        /// instruction before rounding (<see cref="WithoutNaNPayloads"/>), where keeping payloads took three.
        /// </summary>
        public const ushort NaN = 0x7FC0;

        /// <summary>The bfloat16 nearest to <paramref name="value"/> (ties to even).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ushort Round(float value)
        {
            var bits = BitConverter.SingleToUInt32Bits(value);
            return float.IsNaN(value) ? NaN : (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Widen(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Encode(float* source, ushort* destination, int count) => Encode(source, destination, count, Simd.Best);

        /// <summary><see cref="Encode(float*, ushort*, int)"/> on a given instruction set (tests compare them).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Encode(float* source, ushort* destination, int count, SimdPath simd)
        {
            var i = 0;
            if (simd != SimdPath.Scalar)
            {
                for (; i <= count - 8; i += 8)
                {
                    Store(destination + i, Rounded(Avx.LoadVector256(source + i), simd), simd);
                }
            }

            for (; i < count; i++)
            {
                destination[i] = Round(source[i]);
            }
        }

        /// <summary>Stores the low halves of eight lanes (bfloat16 bits) as eight ushorts.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Store(ushort* destination, Vector256<uint> halves, SimdPath simd)
        {
            if (simd == SimdPath.Avx512)
            {
                Sse2.Store(destination, Avx512F.VL.ConvertToVector128UInt16(halves)); // vpmovdw: one instruction
            }
            else
            {
                // packus works per 128-bit lane: [h0-3, h0-3 | h4-7, h4-7]; gather the two useful quarters.
                var packed = Avx2.Permute4x64(Avx2.PackUnsignedSaturate(halves.AsInt32(), halves.AsInt32()).AsUInt64(), 0b11_01_10_00);
                Sse2.Store(destination, packed.GetLower().AsUInt16());
            }
        }

        /// <summary>
        /// Stochastic rounding: rounds up with probability equal to the distance from the lower neighbour, so updates
        /// far below a bfloat16's resolution still move the value on average. The random 16 bits of element
        /// <c>first + i</c> are a hash of it and <paramref name="seed"/>, so results depend on neither threads nor chunks.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void EncodeStochastic(float* source, ushort* destination, int count, long first, int seed)
            => EncodeStochastic(source, destination, count, first, seed, Simd.Best);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void EncodeStochastic(float* source, ushort* destination, int count, long first, int seed, SimdPath simd)
        {
            var i = 0;
            if (simd != SimdPath.Scalar)
            {
                var lanes = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
                var vSeed = Vector256.Create((uint)seed);
                for (; i <= count - 8; i += 8)
                {
                    var index = Avx2.Add(Vector256.Create((uint)(first + i)), lanes);
                    Store(destination + i, Stochastic(Avx.LoadVector256(source + i), index, vSeed, simd), simd);
                }
            }

            for (; i < count; i++)
            {
                var bits = BitConverter.SingleToUInt32Bits(source[i]);
                destination[i] = float.IsNaN(source[i]) ? NaN : (ushort)((bits + (Hash((uint)(first + i), (uint)seed) & 0xFFFFu)) >> 16);
            }
        }

        /// <summary>A 32-bit integer hash (murmur3's finaliser) of an element index and a key.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static uint Hash(uint index, uint seed)
        {
            var h = (index ^ seed) * 0x9E3779B1u;
            h ^= h >> 16;
            h *= 0x85EBCA6Bu;
            h ^= h >> 13;
            h *= 0xC2B2AE35u;
            return h ^ (h >> 16);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Decode(ushort* source, float* destination, int count)
        {
            var i = 0;
            if (Avx2.IsSupported)
            {
                for (; i <= count - 8; i += 8)
                {
                    var widened = Avx2.ConvertToVector256Int32(source + i);
                    Avx.Store(destination + i, Avx2.ShiftLeftLogical(widened, 16).AsSingle());
                }
            }

            for (; i < count; i++)
            {
                destination[i] = Widen(source[i]);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<uint> Stochastic(Vector256<float> value, Vector256<uint> index, Vector256<uint> seed, SimdPath simd)
        {
            var h = Avx2.MultiplyLow(Avx2.Xor(index, seed), Vector256.Create(0x9E3779B1u));
            h = Avx2.Xor(h, Avx2.ShiftRightLogical(h, 16));
            h = Avx2.MultiplyLow(h, Vector256.Create(0x85EBCA6Bu));
            h = Avx2.Xor(h, Avx2.ShiftRightLogical(h, 13));
            h = Avx2.MultiplyLow(h, Vector256.Create(0xC2B2AE35u));
            h = Avx2.Xor(h, Avx2.ShiftRightLogical(h, 16));
            return Avx2.ShiftRightLogical(Avx2.Add(WithoutNaNPayloads(value, simd), Avx2.And(h, Vector256.Create(0xFFFFu))), 16); // a NaN, now 0x7FC00000, plus under 2^16 stays 0x7FC0
        }

        /// <summary>The bfloat16 bits (in the low half of each lane) nearest to each element, as <see cref="Round"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector256<uint> Rounded(Vector256<float> value, SimdPath simd)
        {
            var bits = WithoutNaNPayloads(value, simd); // a NaN is float32's 0x7FC00000, which rounds to NaN (0x7FC0)
            var upper = Avx2.ShiftRightLogical(bits, 16);
            return Avx2.ShiftRightLogical(Avx2.Add(Avx2.Add(bits, Vector256.Create(0x7FFFu)), Avx2.And(upper, Vector256.Create(1u))), 16);
        }

        /// <summary>
        /// The elements' bits with every NaN replaced by 0x7FC00000 (float32's NaN whose top half is <see cref="NaN"/>).
        /// vfixupimmps classifies under MXCSR.DAZ, which .NET leaves off; a thread that turns it on (libtorch's
        /// torch.set_flush_denormal(true)) would get zero for a denormal here, as its float arithmetic already does.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<uint> WithoutNaNPayloads(Vector256<float> value, SimdPath simd)
        {
            var nan = Vector256.Create((uint)NaN << 16);
            return simd == SimdPath.Avx512
                ? Avx512F.VL.Fixup(nan.AsSingle(), value, Vector256.Create(0x11111100), 0).AsUInt32() // vfixupimmps: NaN classes (nibbles 0, 1) keep the first operand, the rest take the value
                : Avx2.BlendVariable(value.AsUInt32(), nan, Avx.CompareUnordered(value, value).AsUInt32());
        }
    }
}

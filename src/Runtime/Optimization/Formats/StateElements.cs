using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace WdGen.Optimization.Formats
{
    /// <summary>
    /// How an algorithm's CPU update reads and writes element <c>i</c> of a state buffer stored element by element
    /// (float32 or bfloat16). The updates are generic over it, so the JIT compiles one copy of each update per format and
    /// the float32 copy is exactly the plain float32 loop. Block-wise int8 state goes through the CPU backend's staged
    /// path instead, since a block's scale depends on all of its new values.
    /// </summary>
    internal unsafe interface IStateElements
    {
        static abstract Vector256<float> Load(float* state, long i);

        static abstract void Store(float* state, long i, Vector256<float> value);

        static abstract float Load1(float* state, long i);

        static abstract void Store1(float* state, long i, float value);
    }

    /// <summary>float32 state: plain loads and stores.</summary>
    internal readonly unsafe struct Float32Elements : IStateElements
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(float* state, long i) => Avx.LoadVector256(state + i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(float* state, long i, Vector256<float> value) => Avx.Store(state + i, value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Load1(float* state, long i) => state[i];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store1(float* state, long i, float value) => state[i] = value;
    }

    /// <summary>bfloat16 state: widened on load, rounded to nearest even on store (<see cref="BFloat16"/>).</summary>
    internal readonly unsafe struct BFloat16Elements : IStateElements
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(float* state, long i)
            => Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)state + i), 16).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(float* state, long i, Vector256<float> value)
            => BFloat16.Store((ushort*)state + i, BFloat16.Rounded(value, Simd.Best), Simd.Best);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Load1(float* state, long i) => BFloat16.Widen(((ushort*)state)[i]);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store1(float* state, long i, float value) => ((ushort*)state)[i] = BFloat16.Round(value);
    }
}

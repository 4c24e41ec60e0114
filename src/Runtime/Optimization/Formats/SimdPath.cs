using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace WdGen.Optimization.Formats
{
    /// <summary>
    /// The instruction set a format's conversion loops use. Every path computes the same bits as the scalar code; the
    /// tests run each path the machine has against it, so the AVX2 path stays tested on machines with AVX-512.
    /// </summary>
    internal enum SimdPath
    {
        Scalar,
        Avx2,

        /// <summary>AVX-512 F/BW/VL: one-instruction narrowing (vpmovdb, vpmovdw), three-input logic (vpternlogd) and NaN replacement (vfixupimmps).</summary>
        Avx512,
    }

    internal static class Simd
    {
        /// <summary>
        /// The best path of this machine. A property of JIT-time constants, not a static readonly field: a loop compiled
        /// before the class is initialised (AggressiveOptimization) would test a field at run time, path by path.
        /// </summary>
        public static SimdPath Best
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => Avx512F.IsSupported && Avx512BW.IsSupported && Avx512F.VL.IsSupported ? SimdPath.Avx512
                : Avx2.IsSupported && Fma.IsSupported ? SimdPath.Avx2
                : SimdPath.Scalar;
        }

        /// <summary>The paths this machine can run, scalar first.</summary>
        public static SimdPath[] Available => Best switch
        {
            SimdPath.Avx512 => new[] { SimdPath.Scalar, SimdPath.Avx2, SimdPath.Avx512 },
            SimdPath.Avx2 => new[] { SimdPath.Scalar, SimdPath.Avx2 },
            _ => new[] { SimdPath.Scalar },
        };
    }
}

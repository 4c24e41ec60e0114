using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace WdGen.Optimization.Backends.Cpu
{
    /// <summary>
    /// The CPU's side of the engine's generic hooks (<see cref="Engine.TensorHooks"/>): a chunk's sum of squares for
    /// clipping inside the step, the gradient scale before an update and the moving average after it. Each is the same
    /// float/double operation sequence as <c>multi_tensor.cuh</c>'s, so both backends give the same bits.
    /// </summary>
    internal static unsafe class GradientNorm
    {
        /// <summary>
        /// The lanes of a chunk's sum of squares: the CUDA kernel's threads per block, each summing its strided elements;
        /// the CPU keeps one double accumulator per lane and adds them in the same order.
        /// </summary>
        public const int Lanes = Cuda.CudaLayout.ThreadsPerBlock;

        /// <summary>
        /// Σ x[i]² in double: lane j sums x[j], x[j + Lanes], … in order (each square is exact in double), then the lanes
        /// are added in lane order. Independent of the vector width, so the CUDA kernel's order is the same.
        /// </summary>
        public static double SumOfSquares(float* x, int length) => SumOfSquares(x, null, length);

        /// <summary>As <see cref="SumOfSquares(float*, int)"/> for bfloat16 gradients (widened exactly, the same lane order).</summary>
        public static double SumOfSquares(ushort* x, int length) => SumOfSquares(null, x, length);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SkipLocalsInit]
        private static double SumOfSquares(float* x, ushort* bfloat16, int length)
        {
            var lanes = stackalloc double[Lanes];
            var widened = stackalloc float[Lanes];
            for (var j = 0; j < Lanes; j++)
            {
                lanes[j] = 0;
            }

            for (var start = 0; start < length; start += Lanes)
            {
                var n = length - start < Lanes ? length - start : Lanes;
                var row = x + start;
                if (bfloat16 != null)
                {
                    Formats.BFloat16.Decode(bfloat16 + start, widened, n);
                    row = widened;
                }

                var j = 0;
                if (Avx.IsSupported)
                {
                    for (; j <= n - 4; j += 4)
                    {
                        var d = Avx.ConvertToVector256Double(Sse.LoadVector128(row + j));
                        Avx.Store(lanes + j, Avx.Add(Avx.LoadVector256(lanes + j), Avx.Multiply(d, d)));
                    }
                }

                for (; j < n; j++)
                {
                    var d = (double)row[j];
                    lanes[j] += d * d;
                }
            }

            var sum = 0.0;
            for (var j = 0; j < Lanes; j++)
            {
                sum += lanes[j];
            }

            return sum;
        }

        /// <summary><c>destination[i] = source[i] * scale</c> in float32 (in place when they are the same).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Scale(float* source, float* destination, float scale, int length)
        {
            var i = 0;
            if (Avx.IsSupported)
            {
                var s = Vector256.Create(scale);
                for (; i <= length - 8; i += 8)
                {
                    Avx.Store(destination + i, Avx.Multiply(Avx.LoadVector256(source + i), s));
                }
            }

            for (; i < length; i++)
            {
                destination[i] = source[i] * scale;
            }
        }

        /// <summary>
        /// The moving average after an update, as <c>ema.mul_(d).add_(p, alpha=1-d)</c> on ATen's CPU kernels:
        /// <c>ema = fma(p, (float)(1-d), ema * (float)d)</c>; with <paramref name="init"/>, <c>ema = p</c>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Average(float* p, float* ema, float decay, float rest, bool init, int length)
        {
            if (init)
            {
                Unsafe.CopyBlockUnaligned(ema, p, (uint)length * sizeof(float));
                return;
            }

            var i = 0;
            if (Fma.IsSupported && Avx.IsSupported)
            {
                var d = Vector256.Create(decay);
                var r = Vector256.Create(rest);
                for (; i <= length - 8; i += 8)
                {
                    Avx.Store(ema + i, Fma.MultiplyAdd(Avx.LoadVector256(p + i), r, Avx.Multiply(Avx.LoadVector256(ema + i), d)));
                }
            }

            for (; i < length; i++)
            {
                ema[i] = MathF.FusedMultiplyAdd(p[i], rest, ema[i] * decay);
            }
        }
    }
}

using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;

namespace WdGen.Benchmarks
{
    /// <summary>
    /// A C# stand-in for TorchSharp's AdamW on CPU: per parameter the same nine tensor ops ATen runs
    /// (mul_, mul_, add_, mul_, addcmul_, sqrt, div, add_, addcdiv_), each a separate vectorized pass, with two
    /// freshly allocated temporaries (sqrt's and div's outputs, allocated and freed like ATen's CPU allocator does),
    /// and each op split over threads above ATen's 32,768-element grain size. About 88 bytes move per element.
    /// </summary>
    internal static unsafe class TorchSharpLikeAdamW
    {
        private const long Grain = 32768;

        public static void Step(float*[] p, float*[] g, float*[] m, float*[] v, long[] n, bool[] decay, int step, int threads,
            double lr = 1e-3, double wd = 0.1, double b1 = 0.9, double b2 = 0.999, double eps = 1e-8)
        {
            var bc1 = 1 - Math.Pow(b1, step);
            var bc2 = 1 - Math.Pow(b2, step);
            for (var i = 0; i < p.Length; i++)
            {
                var len = n[i];
                var t1 = (float*)NativeMemory.AlignedAlloc((nuint)len * 4, 64);
                var t2 = (float*)NativeMemory.AlignedAlloc((nuint)len * 4, 64);
                float* pi = p[i], gi = g[i], mi = m[i], vi = v[i];
                Op(len, threads, (s, e) => Mul(pi, (float)(1 - lr * (decay[i] ? wd : 0)), s, e));           // param.mul_
                Op(len, threads, (s, e) => Mul(mi, (float)b1, s, e));                                        // exp_avg.mul_
                Op(len, threads, (s, e) => AddAlpha(mi, gi, (float)(1 - b1), s, e));                         // .add_(grad, 1-b1)
                Op(len, threads, (s, e) => Mul(vi, (float)b2, s, e));                                        // exp_avg_sq.mul_
                Op(len, threads, (s, e) => AddCMul(vi, gi, (float)(1 - b2), s, e));                          // .addcmul_(g, g, 1-b2)
                Op(len, threads, (s, e) => Sqrt(t1, vi, s, e));                                              // sqrt -> t1
                Op(len, threads, (s, e) => DivScalar(t2, t1, (float)Math.Sqrt(bc2), s, e));                  // / sqrt(bc2) -> t2
                Op(len, threads, (s, e) => AddScalar(t2, (float)eps, s, e));                                 // .add_(eps)
                Op(len, threads, (s, e) => AddCDiv(pi, mi, t2, (float)-(lr / bc1), s, e));                   // param.addcdiv_
                NativeMemory.AlignedFree(t1);
                NativeMemory.AlignedFree(t2);
            }
        }

        private static void Op(long len, int threads, Action<long, long> body)
        {
            if (len < Grain || threads == 1)
            {
                body(0, len);
                return;
            }

            var parts = (int)Math.Min(threads, (len + Grain - 1) / Grain);
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, k =>
                body(len * k / parts, len * (k + 1) / parts));
        }

        private static void Mul(float* a, float s, long i, long e)
        {
            var vs = Vector256.Create(s);
            for (; i <= e - 8; i += 8) Avx.Store(a + i, Avx.Multiply(Avx.LoadVector256(a + i), vs));
            for (; i < e; i++) a[i] *= s;
        }

        private static void AddAlpha(float* a, float* b, float s, long i, long e)
        {
            var vs = Vector256.Create(s);
            for (; i <= e - 8; i += 8) Avx.Store(a + i, Fma.MultiplyAdd(Avx.LoadVector256(b + i), vs, Avx.LoadVector256(a + i)));
            for (; i < e; i++) a[i] = MathF.FusedMultiplyAdd(b[i], s, a[i]);
        }

        private static void AddCMul(float* a, float* b, float s, long i, long e)
        {
            var vs = Vector256.Create(s);
            for (; i <= e - 8; i += 8)
            {
                var bv = Avx.LoadVector256(b + i);
                Avx.Store(a + i, Fma.MultiplyAdd(Avx.Multiply(vs, bv), bv, Avx.LoadVector256(a + i)));
            }

            for (; i < e; i++) a[i] = MathF.FusedMultiplyAdd(s * b[i], b[i], a[i]);
        }

        private static void Sqrt(float* o, float* a, long i, long e)
        {
            for (; i <= e - 8; i += 8) Avx.Store(o + i, Avx.Sqrt(Avx.LoadVector256(a + i)));
            for (; i < e; i++) o[i] = MathF.Sqrt(a[i]);
        }

        private static void DivScalar(float* o, float* a, float s, long i, long e)
        {
            var vs = Vector256.Create(s);
            for (; i <= e - 8; i += 8) Avx.Store(o + i, Avx.Divide(Avx.LoadVector256(a + i), vs));
            for (; i < e; i++) o[i] = a[i] / s;
        }

        private static void AddScalar(float* a, float s, long i, long e)
        {
            var vs = Vector256.Create(s);
            for (; i <= e - 8; i += 8) Avx.Store(a + i, Avx.Add(Avx.LoadVector256(a + i), vs));
            for (; i < e; i++) a[i] += s;
        }

        private static void AddCDiv(float* a, float* b, float* c, float s, long i, long e)
        {
            var vs = Vector256.Create(s);
            for (; i <= e - 8; i += 8)
                Avx.Store(a + i, Avx.Add(Avx.LoadVector256(a + i), Avx.Divide(Avx.Multiply(vs, Avx.LoadVector256(b + i)), Avx.LoadVector256(c + i))));
            for (; i < e; i++) a[i] += s * b[i] / c[i];
        }
    }
}

using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;

namespace WdGen.Benchmarks
{
    /// <summary>
    /// Bandwidth floor kernels, split over threads: a STREAM-style in-place triad <c>a += s*b</c> (reads a, b; writes
    /// a: 12 B/element) and an AdamW-shaped stream <c>p += m; m += g; v += g</c> over four arrays (reads 4, writes 3:
    /// 28 B/element, the same streams as an AdamW step with trivial arithmetic). The floor is the better of the two.
    /// </summary>
    internal sealed unsafe class Floor
    {
        private readonly float*[] _x = new float*[4];
        private readonly long _n;
        private readonly int _threads;

        public Floor(long elements, int threads)
        {
            _n = elements;
            _threads = threads;
            for (var k = 0; k < _x.Length; k++)
            {
                _x[k] = (float*)NativeMemory.AlignedAlloc((nuint)elements * 4, 64);
                new Span<float>(_x[k], (int)elements).Fill(1e-3f * (k + 1));
            }

            Pass();
        }

        public double BestTriad { get; private set; }

        public double BestShaped { get; private set; }

        /// <summary>One pass of each kernel; returns the better GB/s.</summary>
        public double Pass()
        {
            float* a = _x[0], b = _x[1], c = _x[2], d = _x[3];
            var n = _n;
            var threads = _threads;
            var t0 = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, k =>
            {
                var s = Vector256.Create(1e-3f);
                long i = n * k / threads, e = n * (k + 1) / threads;
                for (; i <= e - 8; i += 8)
                {
                    Avx.Store(a + i, Fma.MultiplyAdd(Avx.LoadVector256(b + i), s, Avx.LoadVector256(a + i)));
                }
            });
            var triad = 12.0 * n / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9;
            t0 = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, k =>
            {
                long i = n * k / threads, e = n * (k + 1) / threads;
                for (; i <= e - 8; i += 8)
                {
                    var m = Avx.LoadVector256(c + i);
                    var g = Avx.LoadVector256(b + i);
                    Avx.Store(a + i, Avx.Add(Avx.LoadVector256(a + i), m));
                    Avx.Store(c + i, Avx.Add(m, g));
                    Avx.Store(d + i, Avx.Add(Avx.LoadVector256(d + i), g));
                }
            });
            var shaped = 28.0 * n / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9;
            BestTriad = Math.Max(BestTriad, triad);
            BestShaped = Math.Max(BestShaped, shaped);
            return Math.Max(triad, shaped);
        }

        public void Reset()
        {
            BestTriad = 0;
            BestShaped = 0;
        }
    }
}

// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;

namespace TorchSharp
{
    public static partial class torch
    {
        // ---------------------------------------------------------------- random numbers

        /// <summary>A random number generator. The fixture's is deterministic (SplitMix64), one per thread.</summary>
        public sealed class Generator : IDisposable
        {
            private ulong state;
            private double? spareNormal;

            internal Generator(long seed)
            {
                Seed = seed;
                state = unchecked((ulong)seed);
            }

            internal long Seed { get; private set; }

            public long initial_seed() => Seed;

            public Generator manual_seed(long seed)
            {
                Seed = seed;
                state = unchecked((ulong)seed);
                spareNormal = null;
                return this;
            }

            public void Dispose()
            {
            }

            internal ulong NextUInt64()
            {
                unchecked
                {
                    state += 0x9E3779B97F4A7C15UL;
                    var z = state;
                    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                    return z ^ (z >> 31);
                }
            }

            /// <summary>Uniform in [0, 1).</summary>
            internal double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

            internal double NextUniform(double low, double high) => low + (high - low) * NextDouble();

            internal double NextNormal()
            {
                if (spareNormal is double spare)
                {
                    spareNormal = null;
                    return spare;
                }

                double u1;
                do
                {
                    u1 = NextDouble();
                }
                while (u1 <= double.Epsilon);
                var u2 = NextDouble();
                var r = Math.Sqrt(-2.0 * Math.Log(u1));
                spareNormal = r * Math.Sin(2 * Math.PI * u2);
                return r * Math.Cos(2 * Math.PI * u2);
            }
        }

        /// <summary>The default seed of every thread's generator until <see cref="manual_seed"/> is called.</summary>
        internal const long FixtureDefaultSeed = 20240601;

        [ThreadStatic]
        private static Generator defaultGenerator;

        internal static Generator DefaultGenerator => defaultGenerator ??= new Generator(FixtureDefaultSeed);

        /// <summary>Seeds the (current thread's) default generator.</summary>
        public static Generator manual_seed(long seed) => DefaultGenerator.manual_seed(seed);

        public static long initial_seed() => DefaultGenerator.initial_seed();

        // ---------------------------------------------------------------- tensor(...)

        internal static Tensor FromValues(ReadOnlySpan<double> values, ReadOnlySpan<long> dimensions, ScalarType type, ScalarType? dtype, Device device, bool requires_grad)
        {
            CheckDevice(device);
            var result = empty(dimensions.ToArray(), dtype ?? type);
            if (result.numel() != values.Length)
            {
                var n = result.numel();
                result.Dispose();
                throw new ArgumentException($"The shape holds {n} elements but {values.Length} values were given.");
            }

            for (var i = 0; i < values.Length; i++) result.fixture_set(i, values[i]);
            result.requires_grad = requires_grad;
            return result;
        }

        private static double[] Widen(float[] values)
        {
            var result = new double[values.Length];
            for (var i = 0; i < values.Length; i++) result[i] = values[i];
            return result;
        }

        private static double[] Widen(long[] values)
        {
            var result = new double[values.Length];
            for (var i = 0; i < values.Length; i++) result[i] = values[i];
            return result;
        }

        public static Tensor tensor(float scalar, Device device = null, bool requires_grad = false)
            => FromValues(new double[] { scalar }, ReadOnlySpan<long>.Empty, ScalarType.Float32, null, device, requires_grad);

        public static Tensor tensor(double scalar, Device device = null, bool requires_grad = false)
            => FromValues(new double[] { scalar }, ReadOnlySpan<long>.Empty, ScalarType.Float64, null, device, requires_grad);

        public static Tensor tensor(long scalar, Device device = null, bool requires_grad = false)
            => FromValues(new double[] { scalar }, ReadOnlySpan<long>.Empty, ScalarType.Int64, null, device, requires_grad);

        public static Tensor tensor(float[] rawArray, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => FromValues(Widen(rawArray), new long[] { rawArray.LongLength }, ScalarType.Float32, dtype, device, requires_grad);

        public static Tensor tensor(float[] rawArray, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => FromValues(Widen(rawArray), dimensions, ScalarType.Float32, dtype, device, requires_grad);

        public static Tensor tensor(double[] rawArray, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => FromValues(rawArray, new long[] { rawArray.LongLength }, ScalarType.Float64, dtype, device, requires_grad);

        public static Tensor tensor(double[] rawArray, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => FromValues(rawArray, dimensions, ScalarType.Float64, dtype, device, requires_grad);

        public static Tensor tensor(long[] rawArray, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => FromValues(Widen(rawArray), new long[] { rawArray.LongLength }, ScalarType.Int64, dtype, device, requires_grad);

        public static Tensor tensor(long[] rawArray, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => FromValues(Widen(rawArray), dimensions, ScalarType.Int64, dtype, device, requires_grad);

        // ---------------------------------------------------------------- empty / zeros / ones / randn / rand

        public static Tensor empty(long[] size, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
        {
            CheckDevice(device);
            long n = 1;
            foreach (var d in size) n *= d;
            var type = dtype ?? get_default_dtype();
            var storage = new FixtureStorage(n, type);
            var result = new Tensor(new FixtureTensorImpl(storage, size, false));
            result.requires_grad = requires_grad;
            return result;
        }

        public static Tensor empty(long size, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => empty(new[] { size }, dtype, device, requires_grad);

        public static Tensor empty(long rows, long columns, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => empty(new[] { rows, columns }, dtype, device, requires_grad);

        public static Tensor zeros(long[] size, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => empty(size, dtype, device, requires_grad);

        public static Tensor zeros(long size, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => zeros(new[] { size }, dtype, device, requires_grad);

        public static Tensor zeros(long rows, long columns, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => zeros(new[] { rows, columns }, dtype, device, requires_grad);

        public static Tensor zeros(long dim0, long dim1, long dim2, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => zeros(new[] { dim0, dim1, dim2 }, dtype, device, requires_grad);

        public static Tensor zeros(long dim0, long dim1, long dim2, long dim3, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => zeros(new[] { dim0, dim1, dim2, dim3 }, dtype, device, requires_grad);

        public static Tensor ones(long[] size, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
        {
            var result = empty(size, dtype, device);
            result.fill_(1);
            result.requires_grad = requires_grad;
            return result;
        }

        public static Tensor ones(long size, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => ones(new[] { size }, dtype, device, requires_grad);

        public static Tensor ones(long rows, long columns, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => ones(new[] { rows, columns }, dtype, device, requires_grad);

        public static Tensor ones(long dim0, long dim1, long dim2, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => ones(new[] { dim0, dim1, dim2 }, dtype, device, requires_grad);

        public static Tensor ones(long dim0, long dim1, long dim2, long dim3, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => ones(new[] { dim0, dim1, dim2, dim3 }, dtype, device, requires_grad);

        /// <summary>Standard normal values from the (seeded, deterministic) generator.</summary>
        public static Tensor randn(long[] size, ScalarType? dtype = null, Device device = null, bool requires_grad = false, Generator generator = null)
        {
            var result = empty(size, dtype, device);
            var g = generator ?? DefaultGenerator;
            for (long i = 0; i < result.numel(); i++) result.fixture_set(i, g.NextNormal());
            result.requires_grad = requires_grad;
            return result;
        }

        public static Tensor randn(long size, ScalarType? dtype = null, Device device = null, bool requires_grad = false, Generator generator = null)
            => randn(new[] { size }, dtype, device, requires_grad, generator);

        public static Tensor randn(long rows, long columns, ScalarType? dtype = null, Device device = null, bool requires_grad = false, Generator generator = null)
            => randn(new[] { rows, columns }, dtype, device, requires_grad, generator);

        public static Tensor randn(long dim0, long dim1, long dim2, ScalarType? dtype = null, Device device = null, bool requires_grad = false, Generator generator = null)
            => randn(new[] { dim0, dim1, dim2 }, dtype, device, requires_grad, generator);

        public static Tensor randn(long dim0, long dim1, long dim2, long dim3, ScalarType? dtype = null, Device device = null, bool requires_grad = false, Generator generator = null)
            => randn(new[] { dim0, dim1, dim2, dim3 }, dtype, device, requires_grad, generator);

        /// <summary>Uniform values in [0, 1) from the (seeded, deterministic) generator.</summary>
        public static Tensor rand(long[] size, ScalarType? dtype = null, Device device = null, bool requires_grad = false, Generator generator = null)
        {
            var result = empty(size, dtype, device);
            var g = generator ?? DefaultGenerator;
            for (long i = 0; i < result.numel(); i++) result.fixture_set(i, g.NextDouble());
            result.requires_grad = requires_grad;
            return result;
        }

        public static Tensor rand(long size, ScalarType? dtype = null, Device device = null, bool requires_grad = false, Generator generator = null)
            => rand(new[] { size }, dtype, device, requires_grad, generator);

        public static Tensor rand(long rows, long columns, ScalarType? dtype = null, Device device = null, bool requires_grad = false, Generator generator = null)
            => rand(new[] { rows, columns }, dtype, device, requires_grad, generator);

        public static Tensor empty_like(Tensor input, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => empty(input.shape, dtype ?? input.dtype, device, requires_grad);

        public static Tensor zeros_like(Tensor input, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => zeros(input.shape, dtype ?? input.dtype, device, requires_grad);

        public static Tensor ones_like(Tensor input, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => ones(input.shape, dtype ?? input.dtype, device, requires_grad);
    }
}

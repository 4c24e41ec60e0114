using System;
using System.IO;
using System.Linq;
using WdGen.Optimization;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization.Engine;
using WdGen.Optimization.Formats;
using Xunit;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>
    /// bfloat16 and block-wise int8 optimizer state: the codecs' rounding and error bounds, and the engine's staged update,
    /// which must equal the float32 update run on the decoded state (with the small formats' arithmetic), bit for bit,
    /// with only the stored state rounded.
    /// </summary>
    public sealed unsafe class StateFormatTests
    {
        public static TheoryData<FusedAlgorithm, StateFormat> Cases()
        {
            var data = new TheoryData<FusedAlgorithm, StateFormat>();
            foreach (var algorithm in OptimizerAlgorithm.All.Select(a => a.Kind))
            {
                data.Add(algorithm, StateFormat.BFloat16);
                data.Add(algorithm, StateFormat.Int8);
            }

            return data;
        }

        [Fact]
        public void BFloat16_rounds_to_nearest_even_in_the_vector_path_and_the_tail()
        {
            var rng = new Random(3);
            var values = new float[1003];
            for (var i = 0; i < values.Length; i++)
            {
                var bits = (uint)rng.Next() ^ ((uint)rng.Next() << 16);
                values[i] = (i % 5) switch
                {
                    0 => BitConverter.UInt32BitsToSingle((bits & 0xFFFF0000u) | 0x8000u), // exact ties
                    1 => BitConverter.UInt32BitsToSingle(bits),                          // anything, NaN and Inf included
                    _ => (float)(rng.NextDouble() - 0.5) * MathF.Pow(10, rng.Next(-40, 38)),
                };
            }

            values[0] = float.MaxValue;
            values[1] = float.PositiveInfinity;
            values[2] = float.NaN;
            values[3] = -1e-45f;
            var nans = new[] { 0x7F800001u, 0xFFC00000u, 0xFFFFFFFFu, 0x7FFFFFFFu, 0x7FBFFFFFu, 0xFF80C000u }; // signalling, x86's default, all ones, …
            for (var k = 0; k < nans.Length; k++)
            {
                values[4 + k] = BitConverter.UInt32BitsToSingle(nans[k]);
            }

            foreach (var simd in Simd.Available)
            {
                var encoded = new ushort[values.Length];
                var decoded = new float[values.Length];
                var stochastic = new ushort[values.Length];
                var scalar = new ushort[values.Length];
                fixed (float* v = values)
                fixed (ushort* e = encoded)
                fixed (float* d = decoded)
                fixed (ushort* s = stochastic)
                fixed (ushort* r = scalar)
                {
                    BFloat16.Encode(v, e, values.Length, simd);
                    BFloat16.Decode(e, d, values.Length);
                    BFloat16.EncodeStochastic(v, s, values.Length, first: 12345, seed: 7, simd);
                    BFloat16.EncodeStochastic(v, r, values.Length, first: 12345, seed: 7, SimdPath.Scalar);
                }

                for (var i = 0; i < values.Length; i++)
                {
                    Assert.True(Nearest(values[i]) == encoded[i], $"{simd}, element {i}: {values[i]}");
                    Assert.Equal(BitConverter.UInt32BitsToSingle((uint)encoded[i] << 16), decoded[i]);
                    if (float.IsNaN(values[i]))
                    {
                        Assert.True(encoded[i] == BFloat16.NaN && stochastic[i] == BFloat16.NaN, $"{simd}, element {i}: NaN {BitConverter.SingleToUInt32Bits(values[i]):X8} became {encoded[i]:X4} / {stochastic[i]:X4}, not 0x7FC0");
                    }
                }

                Assert.True(scalar.AsSpan().SequenceEqual(stochastic), $"{simd}: stochastic rounding differs from the scalar code");
            }
        }

        [Fact]
        public void Int8_blocks_stay_within_their_error_bounds_and_split_work_does_not_change_a_byte()
        {
            var rng = new Random(11);
            const int n = 4 * Int8Blocks.BlockSize + 77;
            foreach (var range in new[] { StateRange.Signed, StateRange.NonNegative })
            {
                var values = new float[n];
                for (var i = 0; i < n; i++)
                {
                    var magnitude = (float)Math.Pow(10, -8 * rng.NextDouble()); // eight decades within each block
                    values[i] = range == StateRange.Signed ? (rng.Next(2) == 0 ? -magnitude : magnitude) : magnitude * magnitude;
                }

                values[5] = range == StateRange.Signed ? -3f : 9f;  // an outlier stays in its block
                values[300] = 0;
                var buffer = new byte[Int8Blocks.Bytes(n)];
                var decoded = new float[n];
                fixed (float* v = values)
                fixed (byte* b = buffer)
                fixed (float* d = decoded)
                {
                    Int8Blocks.Encode(range, v, b, n, 0, n);
                    Int8Blocks.Decode(range, b, n, 0, d, n);
                    for (var block = 0; block * Int8Blocks.BlockSize < n; block++)
                    {
                        var start = block * Int8Blocks.BlockSize;
                        var length = Math.Min(Int8Blocks.BlockSize, n - start);
                        var scale = *Int8Blocks.Scales(b, n, start);
                        for (var i = start; i < start + length; i++)
                        {
                            // |x|/scale keeps 3 significant bits: a relative error of at most 1/16, or zero below the
                            // smallest code (1.25·2^-16 of the scale for signed codes, 1.25·2^-32 for non-negative ones).
                            var smallest = scale * Math.Pow(2, range == StateRange.Signed ? -16 : -32) * 1.25; // the smallest code
                            var error = Math.Abs((double)decoded[i] - values[i]);
                            var ok = decoded[i] == 0 ? Math.Abs(values[i]) <= smallest : error <= Math.Abs(values[i]) / 16 * 1.0001;
                            Assert.True(ok, $"{range} element {i}: {values[i]} decoded as {decoded[i]} (scale {scale})");
                            Assert.True(values[i] == 0 || decoded[i] == 0 || Math.Sign(decoded[i]) == Math.Sign(values[i]));
                        }
                    }

                    // The block holding the outlier is exact there and keeps it to itself.
                    Assert.Equal(values[5], decoded[5]);
                    Assert.True(*Int8Blocks.Scales(b, n, Int8Blocks.BlockSize) < 1.1f);

                    // Encoding block by block from other starting points and lengths gives the same bytes.
                    var split = new byte[buffer.Length];
                    fixed (byte* s = split)
                    {
                        Int8Blocks.Encode(range, v, s, n, 0, Int8Blocks.BlockSize);
                        Int8Blocks.Encode(range, v + Int8Blocks.BlockSize, s, n, Int8Blocks.BlockSize, n - Int8Blocks.BlockSize);
                    }

                    Assert.Equal(buffer, split);

                    // Every instruction set this machine has gives the same bytes and values as the scalar code.
                    foreach (var simd in Simd.Available)
                    {
                        var (codes, values2) = Int8RoundTrip(values, range, simd);
                        Assert.True(buffer.AsSpan().SequenceEqual(codes), $"{range}, {simd}: codes differ");
                        Assert.True(decoded.AsSpan().SequenceEqual(values2), $"{range}, {simd}: decoded values differ");
                    }
                }
            }
        }

        [Fact]
        public void Every_instruction_set_codes_the_edges_of_float32_as_the_scalar_code_does()
        {
            // The AVX-512 encoder has no upper clamp (|x|·(1/scale) ≤ 1 + 2 ulp rounds to the top code): blocks whose
            // scale is near float32's largest or smallest normal, denormal values and signed zeros, each path against the
            // scalar code.
            var blocks = new[]
            {
                new[] { -0f, 1e-45f, 3e38f, -3.4028235e38f, 1f, -1e-30f, 0f, 2.5e38f },
                new[] { 1e-38f, 5e-39f, -1.2e-38f, 1.17549435e-38f, -0f, 1e-45f, 3e-39f, 0f },
                new[] { 1.17549435e-38f * 1.5f, 1.17549435e-38f, -1.17549435e-38f * 1.999f, 1e-44f, 0f, 0f, 0f, 0f },
                new[] { 1f, 0.99999994f, -0.9999999f, 0.9375f, 0.96875f, -0.96875f, 0.984375f, 1.0078125f },
            };
            foreach (var range in new[] { StateRange.Signed, StateRange.NonNegative })
            {
                foreach (var pattern in blocks)
                {
                    // A whole block and a short tail, so the vector loops and the scalar tail both see every pattern.
                    var values = Enumerable.Range(0, Int8Blocks.BlockSize + 40)
                        .Select(i => range == StateRange.Signed ? pattern[i % pattern.Length] : Math.Abs(pattern[i % pattern.Length]))
                        .ToArray();
                    byte[]? expectedCodes = null;
                    float[]? expectedValues = null;
                    foreach (var simd in Simd.Available)
                    {
                        var (buffer, decoded) = Int8RoundTrip(values, range, simd);
                        expectedCodes ??= buffer;
                        expectedValues ??= decoded;
                        Assert.True(expectedCodes.AsSpan().SequenceEqual(buffer), $"{range}, {simd}, block starting {values[0]}: codes differ from the scalar code");
                        Assert.True(expectedValues.Select(BitConverter.SingleToInt32Bits).SequenceEqual(decoded.Select(BitConverter.SingleToInt32Bits)), $"{range}, {simd}, block starting {values[0]}: values differ");
                    }
                }
            }
        }

        [Theory]
        [InlineData(float.NaN)]
        [InlineData(float.PositiveInfinity)]
        [InlineData(float.NegativeInfinity)]
        public void Int8_keeps_non_finite_blocks_non_finite(float bad)
        {
            var values = Enumerable.Range(0, Int8Blocks.BlockSize).Select(i => i * 0.01f).ToArray();
            values[17] = bad;
            foreach (var simd in Simd.Available)
            {
                var decoded = Int8RoundTrip(values, StateRange.Signed, simd).Values;
                Assert.All(decoded, x => Assert.True(float.IsNaN(x), $"{simd}: {x}"));
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void A_step_on_small_state_is_the_float32_step_on_the_decoded_state(FusedAlgorithm algorithm, StateFormat format)
        {
            // Step by step from a common point: the float32 engine gets the small engine's state (decoded exactly through
            // an explicit format conversion), both step, and the parameters must agree bit for bit, the stored state being
            // the float32 state rounded into the format.
            var model = new FusedTestModel(algorithm);
            using var small = model.Create(threads: 2, chunk: 1024, state: format);
            using var reference = model.Create(threads: 1);
            reference.Float32MatchesPyTorch = false; // the small formats' arithmetic (Adam: one division fewer)
            var values = model.Clone();
            for (var step = 0; step < 8; step++)
            {
                CopyState(small, reference, convertFormat: true);

                var expected = values.Select(a => (float[])a.Clone()).ToArray();
                reference.Step(expected, model.Gradients[step]);
                small.Step(values, model.Gradients[step]);
                for (var p = 0; p < values.Length; p++)
                {
                    Assert.True(expected[p].AsSpan().SequenceEqual(values[p]), $"step {step}, {model.Specs[p].Name}: parameters differ");
                    foreach (var spec in small.Algorithm.States)
                    {
                        var stored = FusedTestModel.State(small, p, spec.Name);
                        var rounded = RoundTrip(FusedTestModel.State(reference, p, spec.Name), small.SlotFormat(p), spec.Range);
                        Assert.True(rounded.AsSpan().SequenceEqual(stored), $"step {step}, {model.Specs[p].Name}.{spec.Name}: stored state is not the float32 state rounded");
                    }
                }
            }
        }

        [Theory]
        [InlineData(FusedAlgorithm.Adam)]
        [InlineData(FusedAlgorithm.AdamW)]
        public void The_small_formats_arithmetic_stays_within_float32_accuracy_of_PyTorchs(FusedAlgorithm algorithm)
        {
            // Same float32 state, one step each from a common point: the one-division denominator moves every parameter by
            // what PyTorch's two divisions do, within a few ulp of the update (and one ulp of the parameter for rounding).
            var model = new FusedTestModel(algorithm);
            using var exact = model.Create();
            using var cheap = model.Create();
            cheap.Float32MatchesPyTorch = false;
            var before = model.Clone();
            model.Run(exact, before, 0, 3);
            var differing = 0;
            for (var step = 3; step < 9; step++)
            {
                CopyState(exact, cheap, convertFormat: false);

                cheap.Groups[0].LearningRate = exact.Groups[0].LearningRate = 1e-2 * (1 + (step % 3));
                var a = before.Select(x => (float[])x.Clone()).ToArray();
                var b = before.Select(x => (float[])x.Clone()).ToArray();
                exact.Step(a, model.Gradients[step]);
                cheap.Step(b, model.Gradients[step]);
                for (var p = 0; p < a.Length; p++)
                {
                    for (var i = 0; i < a[p].Length; i++)
                    {
                        var update = Math.Abs((double)a[p][i] - before[p][i]);
                        var allowed = (4 * update * Math.Pow(2, -23)) + Math.Abs((double)a[p][i]) * Math.Pow(2, -23);
                        Assert.True(Math.Abs((double)a[p][i] - b[p][i]) <= allowed, $"step {step}, {model.Specs[p].Name}[{i}]: {a[p][i]} (exact) against {b[p][i]}");
                        differing += a[p][i] != b[p][i] ? 1 : 0;
                    }
                }

                before = a;
            }

            Assert.True(differing > 0, "the one-division arithmetic was not used");
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Small_state_results_do_not_depend_on_threads_or_chunks(FusedAlgorithm algorithm, StateFormat format)
        {
            var model = new FusedTestModel(algorithm);
            int[]? first = null;
            foreach (var (threads, chunk) in new[] { (1, 65536), (2, 256), (3, 4096) })
            {
                using var opt = model.Create(threads, chunk, state: format);
                var values = model.Clone();
                model.Run(opt, values, 0, 6);
                var snapshot = FusedTestModel.Snapshot(opt, values);
                first ??= snapshot;
                Assert.True(first.SequenceEqual(snapshot), $"threads={threads} chunk={chunk} differs");
            }
        }

        [Fact]
        public void State_bytes_shrink_and_small_tensors_keep_float32()
        {
            var specs = new[] { new FusedParameterSpec("big", 0, 1 << 20), new FusedParameterSpec("bias", 0, 1000) };
            long Bytes(StateFormat format)
            {
                using var opt = new OptimizerEngine(FusedAlgorithm.AdamW, new[] { new FusedGroupOptions() }, specs, "fp", state: format);
                Assert.Equal(format, opt.SlotFormat(0));
                Assert.Equal(format == StateFormat.Int8 ? StateFormat.Float32 : format, opt.SlotFormat(1));
                return opt.StateBytes;
            }

            var float32 = Bytes(StateFormat.Float32);
            Assert.Equal(2 * ((1 << 20) + 1000) * 4L, float32);
            Assert.Equal(2 * ((1 << 20) + 1000) * 2L, Bytes(StateFormat.BFloat16));
            var int8 = Bytes(StateFormat.Int8);
            Assert.Equal(2 * (Int8Blocks.Bytes(1 << 20) + 4000L), int8);
            Assert.True(int8 <= 0.3 * float32, $"int8 state is {int8} bytes against {float32}");
        }

        [Fact]
        public void Int8_needs_chunks_on_block_boundaries()
        {
            var e = Assert.Throws<ArgumentException>(() => new FusedTestModel(FusedAlgorithm.AdamW).Create(chunk: 1000, state: StateFormat.Int8));
            Assert.Contains("ChunkElements", e.Message);
            Assert.Contains("256", e.Message);
        }

        [Theory]
        [InlineData(StateFormat.BFloat16, StateFormat.Float32)]
        [InlineData(StateFormat.Int8, StateFormat.Float32)]
        [InlineData(StateFormat.Float32, StateFormat.Int8)]
        [InlineData(StateFormat.Int8, StateFormat.BFloat16)]
        public void A_file_of_another_format_loads_only_with_an_explicit_conversion(StateFormat saved, StateFormat loaded)
        {
            var model = new FusedTestModel(FusedAlgorithm.AdamW);
            var path = Path.Combine(Path.GetTempPath(), $"wdgen-format-{Guid.NewGuid():N}.state");
            try
            {
                using var source = model.Create(state: saved);
                var values = model.Clone();
                model.Run(source, values, 0, 3);
                source.SaveState(path);

                using var target = model.Create(state: loaded);
                var before = FusedTestModel.Snapshot(target, values);
                var e = Assert.Throws<InvalidDataException>(() => target.LoadState(path));
                Assert.Contains("convertFormat", e.Message);
                Assert.Contains("another format than this optimizer: 'p", e.Message);
                Assert.True(before.SequenceEqual(FusedTestModel.Snapshot(target, values)), "a refused load changed the state");

                target.LoadState(path, convertFormat: true);
                for (var p = 0; p < model.Specs.Length; p++)
                {
                    Assert.Equal(source.StepCount(p), target.StepCount(p));
                    foreach (var spec in source.Algorithm.States)
                    {
                        var expected = RoundTrip(FusedTestModel.State(source, p, spec.Name), target.SlotFormat(p), spec.Range);
                        Assert.Equal(expected, FusedTestModel.State(target, p, spec.Name));
                    }
                }
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Theory]
        [InlineData(StateFormat.BFloat16)]
        [InlineData(StateFormat.Int8)]
        public void A_resumed_run_equals_the_uninterrupted_one(StateFormat format)
        {
            var model = new FusedTestModel(FusedAlgorithm.AdamW);
            var path = Path.Combine(Path.GetTempPath(), $"wdgen-resume-{Guid.NewGuid():N}.state");
            try
            {
                using var straight = model.Create(state: format);
                var expected = model.Clone();
                model.Run(straight, expected, 0, 8);

                using var first = model.Create(state: format);
                var values = model.Clone();
                model.Run(first, values, 0, 4);
                first.SaveState(path);
                using var resumed = model.Create(threads: 1, state: format);
                resumed.LoadState(path);
                model.Run(resumed, values, 4, 8);
                Assert.True(FusedTestModel.Snapshot(straight, expected).SequenceEqual(FusedTestModel.Snapshot(resumed, values)));
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Theory]
        [InlineData("BFloat16Master", StateFormat.Float32)]
        [InlineData("BFloat16Master", StateFormat.Int8)]
        [InlineData("BFloat16Stochastic", StateFormat.BFloat16)]
        public void Bfloat16_parameter_results_do_not_depend_on_threads_or_chunks(string storageName, StateFormat format)
        {
            var storage = Enum.Parse<ParameterStorage>(storageName);
            var model = new FusedTestModel(FusedAlgorithm.AdamW);
            ushort[][] Run(int threads, int chunk)
            {
                using var opt = new OptimizerEngine(
                    FusedAlgorithm.AdamW, FusedTestModel.Groups(), model.Specs, "fp", new FusedEngineOptions { ThreadCount = threads, ChunkElements = chunk }, null, format, storage);
                var values = model.Initial.Select(a => a.Select(BFloat16.Round).ToArray()).ToArray();
                for (var step = 0; step < 5; step++)
                {
                    var grads = model.Gradients[step].Select(g => g?.Select(BFloat16.Round).ToArray()).ToArray();
                    var handles = values.Concat(grads).Select(a => a == null ? default : System.Runtime.InteropServices.GCHandle.Alloc(a, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
                    try
                    {
                        for (var p = 0; p < values.Length; p++)
                        {
                            opt.SetBuffers(p, handles[p].AddrOfPinnedObject(), grads[p] == null ? 0 : handles[values.Length + p].AddrOfPinnedObject());
                        }

                        Assert.True(opt.Step().Applied);
                    }
                    finally
                    {
                        foreach (var handle in handles.Where(h => h.IsAllocated))
                        {
                            handle.Free();
                        }
                    }
                }

                return values;
            }

            var reference = Run(1, 65536);
            foreach (var (threads, chunk) in new[] { (2, 256), (3, 1024) })
            {
                var other = Run(threads, chunk);
                for (var p = 0; p < reference.Length; p++)
                {
                    Assert.True(reference[p].SequenceEqual(other[p]), $"threads={threads} chunk={chunk}: {model.Specs[p].Name} differs");
                }
            }

            Assert.Contains(reference, a => a.Length > 0 && !a.SequenceEqual(model.Initial[Array.IndexOf(reference, a)].Select(BFloat16.Round)));
        }

        [Fact]
        public void A_non_finite_bfloat16_gradient_is_found()
        {
            var specs = new[] { new FusedParameterSpec("w", 0, 100) };
            using var opt = new OptimizerEngine(
                FusedAlgorithm.AdamW, new[] { new FusedGroupOptions() }, specs, "fp", new FusedEngineOptions { CheckNonFinite = true }, null, StateFormat.Float32, ParameterStorage.BFloat16Master);
            var values = new ushort[100];
            var grads = Enumerable.Repeat(BFloat16.Round(0.5f), 100).ToArray();
            grads[77] = BFloat16.Round(float.PositiveInfinity);
            fixed (ushort* v = values)
            fixed (ushort* g = grads)
            {
                opt.SetBuffers(0, (nint)v, (nint)g);
                var result = opt.Step();
                Assert.False(result.Applied);
                Assert.Equal(new[] { "w" }, result.NonFiniteParameters);
            }
        }

        [Fact]
        public void Int8_flushes_blocks_of_denormals_to_zero_and_the_vector_and_scalar_paths_agree()
        {
            // A block whose largest value is denormal: 1/scale overflows, so it is stored as zeros (in both paths).
            foreach (var n in new[] { Int8Blocks.BlockSize, 20 })
            {
                var tiny = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? 0f : (i % 2 == 0 ? 1e-39f : -2e-39f)).ToArray();
                var decoded = RoundTripBlock(tiny, StateRange.Signed);
                Assert.All(decoded, x => Assert.Equal(0f, x));
            }

            // The same 31 values coded by the scalar tail (a block of 31) and by the vector loop (a block of 32 whose
            // extra element is 0): the same codes.
            var rng = new Random(5);
            foreach (var range in new[] { StateRange.Signed, StateRange.NonNegative })
            {
                var values = Enumerable.Range(0, 31).Select(_ => (float)((range == StateRange.Signed ? rng.NextDouble() - 0.5 : rng.NextDouble()) * Math.Pow(10, -rng.Next(0, 6)))).ToArray();
                values[3] = range == StateRange.Signed ? -2f : 2f;
                var scalar = RoundTripBlock(values, range);
                var vector = RoundTripBlock(values.Append(0f).ToArray(), range);
                Assert.Equal(scalar, vector.Take(31).ToArray());
            }
        }

        [Fact]
        public void Clipping_reads_bfloat16_gradients_as_bfloat16()
        {
            var specs = new[] { new FusedParameterSpec("w", 0, 1000), new FusedParameterSpec("v", 0, 77) };
            using var opt = new OptimizerEngine(
                FusedAlgorithm.AdamW, new[] { new FusedGroupOptions() }, specs, "fp", null, null, StateFormat.Float32, ParameterStorage.BFloat16Master);
            opt.MaxGradNorm = 1.0;
            var values = specs.Select(s => new ushort[s.Length]).ToArray();
            var grads = specs.Select((s, i) => Enumerable.Range(0, (int)s.Length).Select(j => BFloat16.Round((j % 7 - 3) * 0.25f + i)).ToArray()).ToArray();
            var expected = Math.Sqrt(grads.SelectMany(g => g).Sum(h => Math.Pow(BFloat16.Widen(h), 2)));
            fixed (ushort* v0 = values[0])
            fixed (ushort* v1 = values[1])
            fixed (ushort* g0 = grads[0])
            fixed (ushort* g1 = grads[1])
            {
                opt.SetBuffers(0, (nint)v0, (nint)g0);
                opt.SetBuffers(1, (nint)v1, (nint)g1);
                opt.Step();
            }

            Assert.Equal(expected, opt.LastGradNorm!.Value, 9);
        }

        private static float[] RoundTripBlock(float[] values, StateRange range) => Int8RoundTrip(values, range, Simd.Best).Values;

        /// <summary>Encodes <paramref name="values"/> as one int8 tensor and decodes it, on one instruction set.</summary>
        private static (byte[] Codes, float[] Values) Int8RoundTrip(float[] values, StateRange range, SimdPath simd)
        {
            var buffer = new byte[Int8Blocks.Bytes(values.Length)];
            var decoded = new float[values.Length];
            fixed (float* v = values)
            fixed (byte* b = buffer)
            fixed (float* d = decoded)
            {
                Int8Blocks.Encode(range, v, b, values.Length, 0, values.Length, simd);
                Int8Blocks.Decode(range, b, values.Length, 0, d, values.Length, simd);
            }

            return (buffer, decoded);
        }

        /// <summary>Loads <paramref name="source"/>'s state into <paramref name="target"/> through a state file in memory.</summary>
        private static void CopyState(OptimizerEngine source, OptimizerEngine target, bool convertFormat)
        {
            using var stream = new MemoryStream();
            source.SaveState(stream);
            stream.Position = 0;
            target.Commit(target.ReadState(stream, "the other engine's state", null, convertFormat));
        }

        /// <summary>The nearest bfloat16 by exhaustive comparison of the two neighbours (ties: even), every NaN as PyTorch's 0x7FC0.</summary>
        private static ushort Nearest(float x)
        {
            var bits = BitConverter.SingleToUInt32Bits(x);
            if (float.IsNaN(x))
            {
                return 0x7FC0;
            }

            var down = (ushort)(bits >> 16);
            var up = (ushort)(down + 1);
            if ((bits & 0xFFFF) == 0)
            {
                return down;
            }

            var dDown = Math.Abs((double)x - BitConverter.UInt32BitsToSingle((uint)down << 16));
            var upValue = (double)BitConverter.UInt32BitsToSingle((uint)up << 16);
            if (double.IsInfinity(upValue))
            {
                // Past the largest finite bfloat16: round to Inf from the halfway point up, as IEEE overflow does.
                return (bits & 0xFFFF) >= 0x8000 ? up : down;
            }

            var dUp = Math.Abs((double)x - upValue);
            return dDown < dUp ? down : dUp < dDown ? up : (down & 1) == 0 ? down : up;
        }

        private static float[] RoundTrip(float[] values, StateFormat format, StateRange range)
        {
            var encoded = new byte[Math.Max(1, StateCodec.Bytes(format, values.Length))];
            var decoded = new float[values.Length];
            fixed (float* v = values)
            fixed (byte* e = encoded)
            fixed (float* d = decoded)
            {
                StateCodec.Convert(StateFormat.Float32, (byte*)v, format, e, range, values.Length);
                StateCodec.Convert(format, e, StateFormat.Float32, (byte*)d, range, values.Length);
            }

            return decoded;
        }
    }
}

using System;
using System.IO;
using System.Linq;
using WdGen.Optimization;
using WdGen.Optimization.Backends.Cpu;
using WdGen.Optimization.Engine;
using Xunit;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>
    /// The engine's hooks around every algorithm: clipping inside the step equals the unclipped step on gradients scaled
    /// by the same float32 coefficient, bit for bit, in every state format and for any thread count; the moving average;
    /// and version-3 state files (the schedule's position, the average) next to versions 1 and 2.
    /// </summary>
    public sealed class TrainingHooksTests : IDisposable
    {
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wdgen-hooks-");

        public void Dispose() => _dir.Delete(recursive: true);

        [Theory]
        [InlineData(FusedAlgorithm.AdamW, StateFormat.Float32, 1)]
        [InlineData(FusedAlgorithm.Adam, StateFormat.BFloat16, 3)]
        [InlineData(FusedAlgorithm.Sgd, StateFormat.Int8, 2)]
        [InlineData(FusedAlgorithm.Lion, StateFormat.Float32, 4)]
        public void Clipping_inside_the_step_equals_the_step_on_gradients_times_the_coefficient(FusedAlgorithm algorithm, StateFormat state, int threads)
        {
            var model = new FusedTestModel(algorithm);
            using var clipped = model.Create(threads, chunk: 4096, state: state);
            using var manual = model.Create(1, state: state);
            clipped.MaxGradNorm = 3.0;
            var a = model.Clone();
            var b = model.Clone();
            for (var s = 0; s < 8; s++)
            {
                var grads = model.Gradients[s];
                var copy = grads.Select(g => (float[]?)g?.Clone()).ToArray();
                clipped.Step(a, grads);
                Assert.Equal(model.Gradients[s].Select(g => g?.ToArray()), copy.Select(g => g?.ToArray())); // the gradients are read, not written

                var norm = clipped.LastGradNorm!.Value;
                var expected = Math.Sqrt(grads.Where(g => g != null).SelectMany(g => g!).Sum(x => (double)x * x));
                Assert.Equal(expected, norm, expected * 1e-12);
                var scale = (float)(3.0 / (norm + 1e-6));
                Assert.True(scale < 1, "the test's gradients must be clipped");
                manual.Step(b, grads.Select(g => g?.Select(x => x * scale).ToArray()).ToArray());
                Assert.Equal(FusedTestModel.Snapshot(manual, b), FusedTestModel.Snapshot(clipped, a));
            }
        }

        [Fact]
        public void The_norm_does_not_depend_on_the_thread_count()
        {
            var model = new FusedTestModel(FusedAlgorithm.AdamW, scale: 3);
            var norms = new[] { (1, 4096), (4, 4096), (3, 4096) }.Select(c =>
            {
                using var engine = model.Create(c.Item1, chunk: c.Item2);
                engine.MaxGradNorm = double.PositiveInfinity;
                engine.Step(model.Clone(), model.Gradients[0]);
                return engine.LastGradNorm!.Value;
            }).ToArray();
            Assert.Equal(norms[0], norms[1]);
            Assert.Equal(norms[0], norms[2]);
        }

        [Fact]
        public unsafe void One_times_a_float_is_that_float_for_every_class_of_value()
        {
            var values = new[] { 0f, -0f, 1.5f, -3e-39f, float.Epsilon, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN, BitConverter.Int32BitsToSingle(0x7fc00001) };
            var scaled = new float[values.Length];
            fixed (float* v = values, s = scaled)
            {
                GradientNorm.Scale(v, s, 1f, values.Length);
            }

            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), scaled.Select(BitConverter.SingleToInt32Bits));
        }

        [Fact]
        public void The_moving_average_starts_at_the_parameters_and_follows_ema_d_plus_p_1_minus_d()
        {
            var model = new FusedTestModel(FusedAlgorithm.AdamW);
            using var engine = model.Create(2, chunk: 1000);
            using var plain = model.Create(1);
            engine.EnableEma(0.75);
            var a = model.Clone();
            var b = model.Clone();
            var expected = new float[model.Specs.Length][];
            for (var s = 0; s < 5; s++)
            {
                engine.Step(a, model.Gradients[s]);
                plain.Step(b, model.Gradients[s]);
                Assert.Equal(FusedTestModel.Snapshot(plain, b), FusedTestModel.Snapshot(engine, a));
                for (var p = 0; p < a.Length; p++)
                {
                    if (model.Gradients[s][p] is null)
                    {
                        continue;
                    }

                    expected[p] = expected[p] is null ? (float[])a[p].Clone() : expected[p].Zip(a[p], (e, x) => MathF.FusedMultiplyAdd(x, 0.25f, e * 0.75f)).ToArray();
                }
            }

            for (var p = 0; p < a.Length; p++)
            {
                var ema = new float[model.Specs[p].Length];
                Assert.Equal(expected[p] is not null, engine.ReadEma(p, ema));
                Assert.Equal(expected[p] ?? new float[ema.Length], ema);
            }
        }

        [Fact]
        public void Version_3_files_hold_the_step_counter_and_the_average_and_version_2_files_still_load()
        {
            var model = new FusedTestModel(FusedAlgorithm.Adam);
            var path = Path.Combine(_dir.FullName, "v3.bin");
            var plainPath = Path.Combine(_dir.FullName, "v2.bin");
            using (var engine = model.Create(2))
            using (var plain = model.Create(2))
            {
                engine.Schedule = LearningRateSchedule.WarmupLinear(2, 10, 0.1);
                engine.EnableEma(0.5);
                model.Run(engine, model.Clone(), 0, 4);
                model.Run(plain, model.Clone(), 0, 4);
                engine.SaveState(path);
                plain.SaveState(plainPath);
                Assert.Equal(4, engine.ScheduleStep);
            }

            Assert.Equal(3, BitConverter.ToInt32(File.ReadAllBytes(path), 8));
            Assert.Equal(2, BitConverter.ToInt32(File.ReadAllBytes(plainPath), 8)); // no schedule, no average: as before

            using var resumed = model.Create(1);
            resumed.Schedule = LearningRateSchedule.Constant();
            resumed.EnableEma(0.5);
            resumed.LoadState(path);
            Assert.Equal(4, resumed.ScheduleStep);
            Assert.True(resumed.ReadEma(4, new float[model.Specs[4].Length]));

            using var withoutFeatures = model.Create(1);
            withoutFeatures.LoadState(path); // the average and the step counter are dropped

            resumed.LoadState(plainPath); // version 2: the largest step count, averages start again
            Assert.Equal(4, resumed.ScheduleStep);
            Assert.False(resumed.ReadEma(4, new float[model.Specs[4].Length]));
        }
    }
}

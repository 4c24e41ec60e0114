using System;
using System.Linq;
using WdGen.Optimization;
using WdGen.Optimization.Engine;
using Xunit;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>Determinism, skipping, the non-finite check, allocation, the work list and input validation.</summary>
    public sealed unsafe class FusedEngineTests
    {
        [Theory]
        [InlineData(FusedAlgorithm.AdamW)]
        [InlineData(FusedAlgorithm.Adam)]
        [InlineData(FusedAlgorithm.Sgd)]
        [InlineData(FusedAlgorithm.Lion)]
        public void Results_are_bit_identical_for_any_thread_count_chunk_size_and_run(FusedAlgorithm algorithm)
        {
            var model = new FusedTestModel(algorithm);
            int[]? reference = null;
            foreach (var (threads, chunk) in new[] { (1, 65536), (2, 65536), (2, 1000), (5, 13), (16, 4096), (1, 1), (2, 65536) })
            {
                using var opt = model.Create(threads, chunk);
                var values = model.Clone();
                model.Run(opt, values, 0, 10);
                var snapshot = FusedTestModel.Snapshot(opt, values);
                if (reference == null)
                {
                    reference = snapshot;
                }
                else
                {
                    Assert.True(reference.SequenceEqual(snapshot), $"threads={threads} chunk={chunk} differs from threads=1");
                }
            }
        }

        [Theory]
        [InlineData(FusedAlgorithm.AdamW)]
        [InlineData(FusedAlgorithm.Adam)]
        [InlineData(FusedAlgorithm.Sgd)]
        [InlineData(FusedAlgorithm.Lion)]
        public void Each_parameter_steps_as_it_would_alone(FusedAlgorithm algorithm)
        {
            // The engine shares one coefficient row between neighbours of the same group, step count, mask presence and
            // newly created state. The test model's parameters differ in all four (gradients missing on some steps,
            // masks on some, two groups, SGD's momentum created at the first step): each must match an engine of its own.
            var model = new FusedTestModel(algorithm);
            var specs = model.Specs.Select((s, i) => s with { GroupIndex = i < 5 ? 0 : 2 }).ToArray(); // neighbours share groups
            using var all = model.Create(threads: 1, specs: specs);
            var values = model.Clone();
            model.Run(all, values, 0, 10);
            for (var p = 0; p < specs.Length; p++)
            {
                using var alone = new OptimizerEngine(algorithm, FusedTestModel.Groups(), new[] { specs[p] }, "fp", new FusedEngineOptions { ThreadCount = 1 });
                var own = new[] { (float[])model.Initial[p].Clone() };
                for (var s = 0; s < 10; s++)
                {
                    alone.Groups[0].LearningRate = 1e-2 * (1 + (s % 3)); // as FusedTestModel.Run
                    alone.Step(own, new[] { model.Gradients[s][p] });
                }

                Assert.True(own[0].AsSpan().SequenceEqual(values[p]), $"{algorithm}, {model.Specs[p].Name} differs from the same parameter stepped alone");
            }
        }

        [Fact]
        public void Many_short_steps_on_an_oversubscribed_pool_match_one_thread()
        {
            // Stresses the worker pool's claim/finish protocol: tiny steps, more threads than cores.
            var specs = Enumerable.Range(0, 40).Select(i => new FusedParameterSpec($"w{i}", i % 2, 1 + i * 3)).ToArray();
            float[][] Run(int threads)
            {
                var groups = new[] { new FusedGroupOptions { WeightDecay = 0.1 }, new FusedGroupOptions { Amsgrad = true } };
                using var opt = new OptimizerEngine(FusedAlgorithm.AdamW, groups, specs, "fp", new FusedEngineOptions { ThreadCount = threads, ChunkElements = 8 });
                var values = specs.Select(s => Enumerable.Range(0, (int)s.Length).Select(j => j * 0.01f).ToArray()).ToArray();
                var grads = specs.Select(s => Enumerable.Range(0, (int)s.Length).Select(j => (j % 7 - 3) * 0.1f).ToArray()).ToArray();
                for (var step = 0; step < 400; step++)
                {
                    opt.Step(values, grads);
                }

                return values;
            }

            var reference = Run(1);
            var parallel = Run(6);
            for (var p = 0; p < specs.Length; p++)
            {
                Assert.Equal(reference[p], parallel[p]);
            }
        }

        [Fact]
        public void Parameters_without_gradient_are_untouched_and_do_not_count_a_step()
        {
            var model = new FusedTestModel(FusedAlgorithm.AdamW);
            using var opt = model.Create(2);
            var values = model.Clone();
            var grads = model.Gradients[0].ToArray();
            grads[4] = null;
            opt.Step(values, grads);
            Assert.Equal(model.Initial[4], values[4]);
            Assert.Equal(0, opt.StepCount(4));
            Assert.Equal(1, opt.StepCount(5));
            Assert.All(FusedTestModel.State(opt, 4, "exp_avg"), v => Assert.Equal(0f, v));
            Assert.NotEqual(model.Initial[5], values[5]);
        }

        [Fact]
        public void Non_finite_gradients_skip_the_whole_step_and_name_the_parameters()
        {
            var model = new FusedTestModel(FusedAlgorithm.Adam);
            using var opt = model.Create(2, chunk: 512, check: true);
            var values = model.Clone();
            model.Run(opt, values, 0, 2);
            var before = FusedTestModel.Snapshot(opt, values);
            var grads = model.Gradients[2].Select(g => (float[]?)g?.Clone()).ToArray();
            grads[3] = grads[3]!.ToArray();
            grads[3]![5] = float.NaN;
            grads[6]![60000] = float.PositiveInfinity;
            var result = opt.Step(values, grads);
            Assert.False(result.Applied);
            Assert.Equal(new[] { "p3", "p6" }, result.NonFiniteParameters);
            Assert.Equal(0, result.UpdatedParameters);
            Assert.True(before.SequenceEqual(FusedTestModel.Snapshot(opt, values)), "a skipped step changed the state");

            var clean = opt.Step(values, model.Gradients[2]);
            Assert.True(clean.Applied);
            Assert.Empty(clean.NonFiniteParameters);
            Assert.Equal(model.Gradients[2].Count(g => g != null), clean.UpdatedParameters);
        }

        [Fact]
        public void Steady_state_step_allocates_nothing_on_the_calling_thread()
        {
            var model = new FusedTestModel(FusedAlgorithm.AdamW);
            using var opt = model.Create(2, chunk: 4096, check: true);
            var values = model.Clone();
            var grads = model.Gradients[0].Select((g, i) => g ?? new float[values[i].Length]).ToArray();
            var handles = values.Concat(grads).Select(a => System.Runtime.InteropServices.GCHandle.Alloc(a, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
            try
            {
                for (var p = 0; p < values.Length; p++)
                {
                    if (p % 2 == 0)
                    {
                        opt.SetBuffers(p, handles[p].AddrOfPinnedObject(), values[p].Length,
                            handles[values.Length + p].AddrOfPinnedObject(), grads[p].Length);
                    }
                    else
                    {
                        opt.SetBuffers(p, handles[p].AddrOfPinnedObject(), handles[values.Length + p].AddrOfPinnedObject()); // unchecked overload
                    }
                }

                for (var i = 0; i < 5; i++)
                {
                    opt.Step();
                }

                var before = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 0; i < 50; i++)
                {
                    opt.Groups[0].LearningRate = 1e-3 * (i + 1);
                    opt.Step();
                }

                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            finally
            {
                foreach (var h in handles)
                {
                    h.Free();
                }
            }
        }

        [Fact]
        public void Work_list_covers_every_element_once_with_bounded_chunks()
        {
            var list = new FusedWorkList(new long[] { 0, 1, 10, 25, 3 }, new[] { 0, 1, 0, 2, 1 }, new[] { false, true, false, false, true }, 10);
            Assert.Equal(39, list.TotalElements);
            Assert.Equal(0, list.ChunksOf(0).Length);
            Assert.Equal(new[] { 0L, 10, 20 }, list.ChunksOf(3).ToArray().Select(c => c.Offset));
            Assert.Equal(new[] { 10, 10, 5 }, list.ChunksOf(3).ToArray().Select(c => c.Length));
            Assert.All(list.Chunks.ToArray(), c => Assert.Equal(list.Group(c.Parameter), c.Group));
            Assert.Equal(1 + 1 + 3 + 1, list.Chunks.Length);
            Assert.True(list.IsMasked(1));

            // Batches pack consecutive chunks up to the chunk size and cover every chunk once, in order.
            var batches = Enumerable.Range(0, list.BatchCount).Select(b => list.ChunksOfBatch(b).ToArray()).ToArray();
            Assert.Equal(list.Chunks.ToArray(), batches.SelectMany(b => b));
            Assert.All(batches, b => Assert.InRange(b.Sum(c => c.Length), 1, 10));
            Assert.Equal(new[] { 1, 1, 1, 1, 2 }, batches.Select(b => b.Length)); // [p1] [p2] [p3] [p3] [p3 tail, p4]

            var small = new FusedWorkList(Enumerable.Repeat(1000L, 100).ToArray(), new int[100], new bool[100], 65536);
            Assert.Equal(2, small.BatchCount); // 65 tensors of 1,000 fit in one batch of 65,536
        }

        [Fact]
        public void A_name_in_two_groups_is_rejected_naming_it()
        {
            var e = Assert.Throws<ArgumentException>(() => new OptimizerEngine(FusedAlgorithm.AdamW, FusedTestModel.Groups(),
                new[] { new FusedParameterSpec("fc.weight", 0, 4), new FusedParameterSpec("fc.weight", 1, 4) }, "fp"));
            Assert.Contains("'fc.weight'", e.Message);
            Assert.Contains("groups 0 and 1", e.Message);

            e = Assert.Throws<ArgumentException>(() => new OptimizerEngine(FusedAlgorithm.AdamW, FusedTestModel.Groups(),
                new[] { new FusedParameterSpec("fc.bias", 2, 4), new FusedParameterSpec("fc.bias", 2, 4) }, "fp"));
            Assert.Contains("'fc.bias' appears twice in group 2", e.Message);
        }

        [Fact]
        public void Mask_group_and_length_errors_name_the_parameter()
        {
            var groups = FusedTestModel.Groups();
            var e = Assert.Throws<ArgumentException>(() => new OptimizerEngine(FusedAlgorithm.Adam, groups,
                new[] { new FusedParameterSpec("emb.weight", 0, 4, new float[3]) }, "fp"));
            Assert.Contains("'emb.weight'", e.Message);
            Assert.Contains("decay mask has 3 elements", e.Message);

            e = Assert.Throws<ArgumentException>(() => new OptimizerEngine(FusedAlgorithm.Adam, groups,
                new[] { new FusedParameterSpec("emb.weight", 0, 2, new[] { 1f, float.NaN }) }, "fp"));
            Assert.Contains("'emb.weight'", e.Message);

            e = Assert.Throws<ArgumentException>(() => new OptimizerEngine(FusedAlgorithm.Adam, groups,
                new[] { new FusedParameterSpec("head.bias", 7, 2) }, "fp"));
            Assert.Contains("'head.bias' names group 7", e.Message);

            using var opt = new OptimizerEngine(FusedAlgorithm.Adam, groups,
                new[] { new FusedParameterSpec("a", 0, 4), new FusedParameterSpec("b", 1, 5) }, "fp");
            e = Assert.Throws<ArgumentException>(() => opt.Step(new[] { new float[4], new float[6] }, new[] { new float[4], new float[5] }));
            Assert.Contains("'b': the parameter array has 6 elements but the parameter has 5", e.Message);
            e = Assert.Throws<ArgumentException>(() => opt.Step(new[] { new float[4], new float[5] }, new[] { new float[3], null }));
            Assert.Contains("'a': the gradient array has 3 elements", e.Message);
            var p = new float[5];
            var handle = System.Runtime.InteropServices.GCHandle.Alloc(p, System.Runtime.InteropServices.GCHandleType.Pinned);
            try
            {
                var pp = (float*)handle.AddrOfPinnedObject();
                e = Assert.Throws<ArgumentException>(() => opt.SetBuffers(1, (nint)pp, 5, (nint)pp, 4));
                Assert.Contains("'b': the gradient has 4 elements", e.Message);
                opt.SetBuffers(0, 0, (nint)pp);
                var ex = Assert.Throws<InvalidOperationException>(() => opt.Step());
                Assert.Contains("'a' has a gradient but no parameter buffer", ex.Message);
            }
            finally
            {
                handle.Free();
            }
        }

        [Fact]
        public void Bad_hyper_parameters_are_rejected_naming_them()
        {
            var g = new FusedGroupOptions();
            Assert.Contains("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => g.LearningRate = double.NaN).Message);
            Assert.Contains("LearningRate must be ≥ 0", Assert.Throws<ArgumentOutOfRangeException>(() => g.LearningRate = -1e-3).Message);
            Assert.Contains("WeightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => g.WeightDecay = double.PositiveInfinity).Message);
            Assert.Contains("Beta1", Assert.Throws<ArgumentOutOfRangeException>(() => g.Beta1 = 1.0).Message);
            Assert.Contains("Beta2", Assert.Throws<ArgumentOutOfRangeException>(() => g.Beta2 = double.NaN).Message);
            Assert.Contains("Eps", Assert.Throws<ArgumentOutOfRangeException>(() => g.Eps = double.NegativeInfinity).Message);
            Assert.Contains("Momentum", Assert.Throws<ArgumentOutOfRangeException>(() => g.Momentum = -0.1).Message);
            Assert.Contains("Dampening", Assert.Throws<ArgumentOutOfRangeException>(() => g.Dampening = double.NaN).Message);
            Assert.Equal(1e-3, g.LearningRate); // unchanged by the failed sets

            var nesterov = new FusedGroupOptions { Nesterov = true, Momentum = 0.9, Dampening = 0.1 };
            var e = Assert.Throws<ArgumentException>(() => new OptimizerEngine(FusedAlgorithm.Sgd, new[] { nesterov }, new[] { new FusedParameterSpec("w", 0, 1) }, "fp"));
            Assert.Contains("Group 0: Nesterov", e.Message);
        }

        [Fact]
        public void Learning_rate_changes_between_steps_take_effect()
        {
            var group = new FusedGroupOptions { LearningRate = 0.5 };
            using var opt = new OptimizerEngine(FusedAlgorithm.Sgd, new[] { group }, new[] { new FusedParameterSpec("w", 0, 3) }, "fp");
            var w = new[] { 1f, 2f, 3f };
            opt.Step(new[] { w }, new[] { new[] { 1f, 1f, 1f } });
            Assert.Equal(new[] { 0.5f, 1.5f, 2.5f }, w);
            opt.Groups[0].LearningRate = 0.25;
            opt.Step(new[] { w }, new[] { new[] { 1f, 1f, 1f } });
            Assert.Equal(new[] { 0.25f, 1.25f, 2.25f }, w);
        }
    }
}

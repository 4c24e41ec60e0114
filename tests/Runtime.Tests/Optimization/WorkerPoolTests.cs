using System;
using System.Linq;
using System.Threading;
using WdGen.Optimization;
using WdGen.Optimization.Backends.Cpu;
using WdGen.Optimization.Engine;
using Xunit;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>The CPU backend's worker pool: every item exactly once, small runs on the caller alone, failures, disposal.</summary>
    public sealed class WorkerPoolTests
    {
        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(7)]
        public void Every_item_runs_exactly_once_in_every_run(int threads)
        {
            using var pool = new WorkerPool(threads);
            foreach (var count in new[] { 1, 2, 3, 64, 1000, 2, 1 })
            {
                for (var repeat = 0; repeat < 50; repeat++)
                {
                    var hits = new int[count];
                    pool.Run(count, i => Interlocked.Increment(ref hits[i]));
                    Assert.All(hits, h => Assert.Equal(1, h));
                }
            }
        }

        [Fact]
        public void A_run_of_one_item_stays_on_the_calling_thread_and_wakes_no_worker()
        {
            using var pool = new WorkerPool(4);
            var caller = Environment.CurrentManagedThreadId;
            var shared = pool.SharedRuns;
            for (var i = 0; i < 100; i++)
            {
                var ranOn = -1;
                pool.Run(1, _ => ranOn = Environment.CurrentManagedThreadId);
                Assert.Equal(caller, ranOn);
            }

            Assert.Equal(shared, pool.SharedRuns);
            pool.Run(2, _ => { });
            Assert.Equal(shared + 1, pool.SharedRuns);
        }

        [Fact]
        public void A_small_models_step_is_one_batch_so_it_runs_on_the_caller()
        {
            // 26 tensors, 2,592 parameters (a small model): the work list packs them into one batch.
            var lengths = Enumerable.Range(0, 26).Select(i => (long)(i % 4 == 2 ? 256 : 16)).ToArray();
            lengths[0] = lengths[25] = 384;
            var work = new FusedWorkList(lengths, new int[26], new bool[26], FusedEngineOptions.DefaultChunkElements);
            Assert.Equal(1, work.BatchCount);
        }

        [Theory]
        [InlineData(1, 1)]
        [InlineData(3, 1)]
        [InlineData(3, 40)]
        public void A_failure_is_rethrown_after_every_other_item_ran_and_the_pool_stays_usable(int threads, int count)
        {
            using var pool = new WorkerPool(threads);
            var ran = 0;
            var error = Assert.Throws<AggregateException>(() => pool.Run(count, i =>
            {
                Interlocked.Increment(ref ran);
                if (i == count / 2)
                {
                    throw new InvalidOperationException("item " + i);
                }
            }));
            Assert.Equal("item " + count / 2, error.InnerException!.Message);
            Assert.Equal(count, ran);
            var hits = new int[count];
            pool.Run(count, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }

        [Fact]
        public void Runs_after_the_workers_went_to_sleep_wake_them_and_complete()
        {
            using var pool = new WorkerPool(3);
            for (var round = 0; round < 5; round++)
            {
                Thread.Sleep(WorkerPool.WorkerSpin * 4); // the workers block after their short spin
                var hits = new int[16];
                pool.Run(16, i => Interlocked.Increment(ref hits[i]));
                Assert.All(hits, h => Assert.Equal(1, h));
            }
        }

        [Fact]
        public void Dispose_is_idempotent_and_a_disposed_pool_refuses_to_run()
        {
            var pool = new WorkerPool(3);
            pool.Dispose();
            pool.Dispose();
            Assert.Throws<ObjectDisposedException>(() => pool.Run(2, _ => { }));
        }

        [Fact]
        public void An_unset_thread_count_takes_the_given_default_in_a_copy_and_a_set_one_is_kept()
        {
            var unset = new FusedEngineOptions { ChunkElements = 123, CheckNonFinite = true };
            var defaulted = unset.WithDefaultThreadCount(3);
            Assert.Null(unset.ThreadCount);
            Assert.Equal(3, defaulted.ThreadCount);
            Assert.Equal(123, defaulted.ChunkElements);
            Assert.True(defaulted.CheckNonFinite);
            var set = new FusedEngineOptions { ThreadCount = 5 };
            Assert.Same(set, set.WithDefaultThreadCount(3));
        }
    }
}

using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace WdGen.Optimization.Backends.Cpu
{
    /// <summary>
    /// Persistent worker threads for the fused step. <see cref="Run"/> publishes a numbered batch of items (chunk
    /// indices), wakes the workers and processes items on the calling thread too; every thread claims items one at a
    /// time until none are left. The caller waits for items that were <em>claimed</em> to finish, never for a
    /// worker that has not started — so a descheduled worker on an oversubscribed machine cannot stall a step (a
    /// late worker finds nothing left and goes back to sleep). Nothing is allocated per run (the item delegate is
    /// cached by the caller). Which thread processes which item does not affect results: items are independent.
    /// <para>
    /// The pool shares the machine with libtorch's own threads (OpenMP), which run the forward and backward passes
    /// between two steps and spin for a while after each parallel region. So the pool is cooperative:
    /// <list type="bullet">
    /// <item>A run of one item (a small model's whole step: the work list packs small tensors into one batch) is
    /// processed on the calling thread alone. No worker is woken, so none can claim the item and then lose its core to
    /// a spinning OpenMP thread while the caller waits for it (a step of ~10 µs became milliseconds that way), and
    /// none spins afterwards on a core the next forward pass needs.</item>
    /// <item>After a run, workers spin only briefly (<see cref="WorkerSpin"/>, enough to catch a run that follows at
    /// once, e.g. the non-finite check and then the update), then block on a monitor: an idle optimizer costs no CPU
    /// and takes no core from libtorch between steps.</item>
    /// </list>
    /// </para>
    /// </summary>
    internal sealed class WorkerPool : IDisposable
    {
        /// <summary>How long a worker spins for the next run before it blocks.</summary>
        internal static readonly TimeSpan WorkerSpin = TimeSpan.FromMicroseconds(50);

        private const int CallerSpinIterations = 4000;
        private static readonly long WorkerSpinTicks = Math.Max(1, (long)(WorkerSpin.TotalSeconds * Stopwatch.Frequency));
        private readonly Thread[] _threads;
        private readonly object _gate = new();
        private readonly Action<int>?[] _items = new Action<int>?[2]; // by batch parity, so a late reader of batch B
        private readonly int[] _counts = new int[2];                   // never sees batch B+1's description
        private long _ticket;      // (batch number << 32) | next unclaimed item
        private int _finished;     // items finished in the current batch
        private int _batch;        // current batch number (wakes the workers when it changes)
        private int _sleepers;
        private Exception? _failure;
        private volatile bool _disposed;

        public WorkerPool(int threadCount)
        {
            ThreadCount = Math.Max(1, threadCount);
            _threads = new Thread[ThreadCount - 1];
            for (var t = 0; t < _threads.Length; t++)
            {
                _threads[t] = new Thread(WorkerLoop)
                {
                    IsBackground = true,
                    Name = $"WdGen fused optimizer worker {t + 1}",
                };
                _threads[t].Start();
            }
        }

        public int ThreadCount { get; }

        /// <summary>Runs published to the workers (runs of one item, processed on the caller alone, are not counted).</summary>
        internal long SharedRuns => Volatile.Read(ref _batch);

        /// <summary>Runs <paramref name="item"/>(i) for every i in [0, count) on the pool and the caller; rethrows a failure.</summary>
        public void Run(int count, Action<int> item)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (count == 0)
            {
                return;
            }

            if (count == 1 || _threads.Length == 0)
            {
                RunOnCaller(count, item);
                return;
            }

            var batch = _batch + 1;
            _items[batch & 1] = item;
            _counts[batch & 1] = count;
            _failure = null;
            Volatile.Write(ref _finished, 0);
            Interlocked.Exchange(ref _ticket, (long)batch << 32);
            Interlocked.Exchange(ref _batch, batch); // full fence: pairs with the worker's increment of _sleepers
            if (Volatile.Read(ref _sleepers) > 0)
            {
                lock (_gate)
                {
                    Monitor.PulseAll(_gate);
                }
            }

            Work(batch);

            // Wait only for items other threads have claimed and are processing.
            var spins = 0;
            while (Volatile.Read(ref _finished) != count)
            {
                if (spins++ < CallerSpinIterations)
                {
                    Thread.SpinWait(16);
                }
                else
                {
                    Thread.Yield();
                }
            }

            if (_failure is { } failure)
            {
                throw new AggregateException("A fused optimizer worker failed.", failure);
            }
        }

        /// <summary>Every item on the calling thread, in order; the first failure is rethrown after all items ran, as on the pool.</summary>
        private static void RunOnCaller(int count, Action<int> item)
        {
            Exception? failure = null;
            for (var i = 0; i < count; i++)
            {
                try
                {
                    item(i);
                }
                catch (Exception e)
                {
                    failure ??= e;
                }
            }

            if (failure is not null)
            {
                throw new AggregateException("A fused optimizer worker failed.", failure);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Work(int batch)
        {
            var slot = batch & 1;
            for (var item = Claim(batch, slot); item >= 0; item = Claim(batch, slot))
            {
                try
                {
                    _items[slot]!(item);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _failure, e, null);
                }

                Interlocked.Increment(ref _finished);
            }
        }

        /// <summary>Claims the next item of <paramref name="batch"/>, or returns -1 when none is left or a newer batch started.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Claim(int batch, int slot)
        {
            while (true)
            {
                var ticket = Volatile.Read(ref _ticket);
                if ((int)(ticket >> 32) != batch || (int)ticket >= Volatile.Read(ref _counts[slot]))
                {
                    return -1;
                }

                if (Interlocked.CompareExchange(ref _ticket, ticket + 1, ticket) == ticket)
                {
                    // The claimed item is unfinished, so the caller cannot have moved past this batch: the slot is ours.
                    return (int)ticket;
                }
            }
        }

        private void WorkerLoop()
        {
            var seen = 0;
            while (true)
            {
                // A short spin (a run that follows at once), then block: between steps the cores belong to libtorch.
                var deadline = Stopwatch.GetTimestamp() + WorkerSpinTicks;
                while (Volatile.Read(ref _batch) == seen && !_disposed && Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(16);
                }

                if (Volatile.Read(ref _batch) == seen && !_disposed)
                {
                    lock (_gate)
                    {
                        Interlocked.Increment(ref _sleepers);
                        while (Volatile.Read(ref _batch) == seen && !_disposed)
                        {
                            Monitor.Wait(_gate);
                        }

                        Interlocked.Decrement(ref _sleepers);
                    }
                }

                if (_disposed)
                {
                    return;
                }

                seen = Volatile.Read(ref _batch);
                Work(seen);
            }
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            lock (_gate)
            {
                _disposed = true;
                Monitor.PulseAll(_gate);
            }

            foreach (var thread in _threads)
            {
                thread.Join();
            }
        }
    }
}

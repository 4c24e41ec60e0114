using System;
using System.Collections.Generic;

namespace WdGen.Optimization.Engine
{
    /// <summary>One contiguous slice of one parameter: the unit of work a kernel processes.</summary>
    /// <param name="Parameter">The parameter's index in the optimizer.</param>
    /// <param name="Group">The parameter's group index (selects the hyper-parameters).</param>
    /// <param name="Offset">The first element of the slice within the parameter.</param>
    /// <param name="Length">The number of elements in the slice (1 ≤ Length ≤ chunk size).</param>
    public readonly record struct FusedChunk(int Parameter, int Group, long Offset, int Length);

    /// <summary>
    /// The work of one fused step described independently of any device: every parameter cut into chunks of at
    /// most <see cref="ChunkElements"/> elements, each chunk knowing its parameter, group and whether a decay mask
    /// applies. The CPU engine hands chunks to worker threads; a GPU backend can upload the same table and launch
    /// one block per chunk. Built once; a step allocates nothing.
    /// </summary>
    public sealed class FusedWorkList
    {
        private readonly FusedChunk[] _chunks;
        private readonly int[] _firstChunk;
        private readonly long[] _lengths;
        private readonly int[] _groups;
        private readonly bool[] _masked;
        private readonly int[] _batchStart;

        /// <summary>Cuts parameters into chunks.</summary>
        /// <param name="lengths">Element count of each parameter.</param>
        /// <param name="groups">Group index of each parameter.</param>
        /// <param name="masked">Whether each parameter has a per-element decay mask.</param>
        /// <param name="chunkElements">The maximum chunk length (≥ 1).</param>
        public FusedWorkList(IReadOnlyList<long> lengths, IReadOnlyList<int> groups, IReadOnlyList<bool> masked, int chunkElements)
        {
            ArgumentNullException.ThrowIfNull(lengths);
            ArgumentNullException.ThrowIfNull(groups);
            ArgumentNullException.ThrowIfNull(masked);
            if (chunkElements < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkElements), chunkElements, "The chunk size must be at least 1 element.");
            }

            if (groups.Count != lengths.Count || masked.Count != lengths.Count)
            {
                throw new ArgumentException("lengths, groups and masked must have one entry per parameter.");
            }

            ChunkElements = chunkElements;
            _lengths = new long[lengths.Count];
            _groups = new int[lengths.Count];
            _masked = new bool[lengths.Count];
            _firstChunk = new int[lengths.Count + 1];
            long chunkCount = 0;
            for (var p = 0; p < lengths.Count; p++)
            {
                if (lengths[p] < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(lengths), lengths[p], $"Parameter {p} has a negative length.");
                }

                _lengths[p] = lengths[p];
                _groups[p] = groups[p];
                _masked[p] = masked[p];
                _firstChunk[p] = checked((int)chunkCount);
                chunkCount += (lengths[p] + chunkElements - 1) / chunkElements;
                TotalElements += lengths[p];
            }

            _firstChunk[lengths.Count] = checked((int)chunkCount);
            _chunks = new FusedChunk[chunkCount];
            var c = 0;
            for (var p = 0; p < _lengths.Length; p++)
            {
                for (long offset = 0; offset < _lengths[p]; offset += chunkElements)
                {
                    _chunks[c++] = new FusedChunk(p, _groups[p], offset, (int)Math.Min(chunkElements, _lengths[p] - offset));
                }
            }

            // Batches: runs of consecutive chunks of at most chunkElements elements in total (small tensors share one),
            // the unit a thread claims, so 10,000 tiny tensors cost ~150 claims, not 10,000.
            var starts = new List<int>();
            long inBatch = chunkElements; // "full": the first chunk opens a batch
            for (var i = 0; i < _chunks.Length; i++)
            {
                if (inBatch + _chunks[i].Length > chunkElements)
                {
                    starts.Add(i);
                    inBatch = 0;
                }

                inBatch += _chunks[i].Length;
            }

            starts.Add(_chunks.Length);
            _batchStart = starts.ToArray();
        }

        /// <summary>The maximum chunk length in elements.</summary>
        public int ChunkElements { get; }

        /// <summary>The number of parameters described.</summary>
        public int ParameterCount => _lengths.Length;

        /// <summary>The sum of all parameter lengths.</summary>
        public long TotalElements { get; }

        /// <summary>All chunks, parameter by parameter, in element order.</summary>
        public ReadOnlySpan<FusedChunk> Chunks => _chunks;

        /// <summary>The element count of a parameter.</summary>
        /// <param name="parameter">The parameter index.</param>
        /// <returns>The length.</returns>
        public long Length(int parameter) => _lengths[parameter];

        /// <summary>The group index of a parameter.</summary>
        /// <param name="parameter">The parameter index.</param>
        /// <returns>The group index.</returns>
        public int Group(int parameter) => _groups[parameter];

        /// <summary>Whether a parameter has a per-element decay mask.</summary>
        /// <param name="parameter">The parameter index.</param>
        /// <returns>True when masked.</returns>
        public bool IsMasked(int parameter) => _masked[parameter];

        /// <summary>
        /// The number of batches: runs of consecutive chunks holding at most <see cref="ChunkElements"/> elements in
        /// total (a full-size chunk is a batch of its own; small tensors are packed together). A batch is what one
        /// thread (or one GPU block) claims at a time.
        /// </summary>
        public int BatchCount => _batchStart.Length - 1;

        /// <summary>The chunks of one batch.</summary>
        /// <param name="batch">The batch index, in [0, <see cref="BatchCount"/>).</param>
        /// <returns>A slice of <see cref="Chunks"/>.</returns>
        public ReadOnlySpan<FusedChunk> ChunksOfBatch(int batch) =>
            _chunks.AsSpan(_batchStart[batch], _batchStart[batch + 1] - _batchStart[batch]);

        /// <summary>The index in <see cref="Chunks"/> of the first chunk of one batch.</summary>
        /// <param name="batch">The batch index, in [0, <see cref="BatchCount"/>).</param>
        /// <returns>The chunk index.</returns>
        internal int FirstChunkOfBatch(int batch) => _batchStart[batch];

        /// <summary>The chunks of one parameter (empty for a zero-length parameter).</summary>
        /// <param name="parameter">The parameter index.</param>
        /// <returns>A slice of <see cref="Chunks"/>.</returns>
        public ReadOnlySpan<FusedChunk> ChunksOf(int parameter) =>
            _chunks.AsSpan(_firstChunk[parameter], _firstChunk[parameter + 1] - _firstChunk[parameter]);
    }
}

using System;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization.Engine;

namespace WdGen.Optimization.Backends
{
    /// <summary>
    /// Where an engine's tensors live and how a step runs there: memory (zeroed, 64-byte aligned), copies to and from the
    /// host, and the algorithm's update over the engine's tables. The engine owns everything else (specs, steps, state
    /// layout, state files), so a device is added by adding a backend.
    /// </summary>
    internal unsafe interface IEngineBackend : IDisposable
    {
        /// <summary>What the backend runs on, e.g. "cpu, 2 threads".</summary>
        string Name { get; }

        /// <summary>
        /// Takes the engine's tables once; every <see cref="Step"/> reads them as they are then: one slot per parameter
        /// (a null gradient means no update), and per parameter one row of <see cref="OptimizerAlgorithm.CoefficientSize"/> bytes.
        /// </summary>
        void Bind(OptimizerAlgorithm algorithm, FusedWorkList work, TensorSlot[] slots, byte[] coefficients);

        /// <summary>Null when <see cref="Step"/> runs on state stored in <paramref name="format"/> and parameters stored as <paramref name="parameters"/>; else why not.</summary>
        string? Unsupported(StateFormat format, ParameterStorage parameters);

        /// <summary>Zeroed memory on the backend's device, at least 64-byte aligned.</summary>
        nint Allocate(long bytes);

        void Free(nint address);

        void Upload(nint destination, void* source, long bytes);

        void Download(void* destination, nint source, long bytes);

        /// <summary>Copies between two buffers on the backend's device.</summary>
        void Copy(nint destination, nint source, long bytes);

        /// <summary>Zeroes memory on the device, ordered with the steps (and, on CUDA, with libtorch's work).</summary>
        void Zero(nint destination, long bytes);

        /// <summary>Sets <c>found[p]</c> to 1 for every parameter with a gradient that holds NaN or ±Inf.</summary>
        void FindNonFinite(byte[] found);

        /// <summary>Applies the algorithm's update to every slot with a gradient.</summary>
        void Step();

        /// <summary>
        /// The sum of the squares of every gradient element (slots with a gradient), for gradient clipping inside the
        /// step. Deterministic whatever the threads: each work-list chunk sums in double over
        /// <see cref="Cpu.GradientNorm.Lanes"/> lanes (lane j: elements j, j + Lanes, … in order; a float's square is exact in
        /// double), the lanes are added in lane order, and the chunks' sums in work-list order (parameter by parameter),
        /// identically on every backend.
        /// </summary>
        double GradientSumOfSquares();
    }
}

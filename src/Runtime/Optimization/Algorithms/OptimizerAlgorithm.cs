using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using WdGen.Optimization.Engine;
using WdGen.Optimization.Formats;

namespace WdGen.Optimization.Algorithms
{
    /// <summary>How the engine allocates one of an algorithm's state buffers.</summary>
    internal enum StateAllocation
    {
        /// <summary>For every parameter when the optimizer is created, in one arena per state (consecutive tensors stay consecutive in memory).</summary>
        Arena,

        /// <summary>Zeroed at the first step that needs it (<see cref="OptimizerAlgorithm.Needs"/>); that step is told so.</summary>
        OnDemand,
    }

    /// <summary>
    /// One per-parameter state buffer of an algorithm: its name (state files are keyed by it), allocation, and whether its
    /// values can be negative (which picks its <see cref="StateFormat.Int8"/> code).
    /// </summary>
    internal sealed record StateSpec(string Name, StateAllocation Allocation, StateRange Range = StateRange.Signed);

    /// <summary>
    /// One update rule, as PyTorch keeps one per kernel file: its state buffers by name, the per-step coefficients it
    /// computes on the host (torch's double-precision scalars, cast to float where ATen casts them), its CPU update of a
    /// chunk and the CUDA kernel that does the same. The engine, the backends and the state file know nothing else about
    /// it, so an algorithm is added by adding its files and listing it in <see cref="All"/>.
    /// </summary>
    internal abstract unsafe class OptimizerAlgorithm
    {
        /// <summary>Every algorithm the engine runs.</summary>
        public static IReadOnlyList<OptimizerAlgorithm> All { get; } = new OptimizerAlgorithm[] { AdamW.Instance, Adam.Instance, Sgd.Instance, Lion.Instance };

        public abstract FusedAlgorithm Kind { get; }

        /// <summary>The name state files record (as torch.optim's class name, lower case).</summary>
        public abstract string Name { get; }

        /// <summary>The state buffers, in the order of <see cref="TensorSlot"/>'s state pointers (at most <see cref="TensorSlot.MaxStates"/>).</summary>
        public abstract IReadOnlyList<StateSpec> States { get; }

        /// <summary>Whether a parameter of <paramref name="group"/> uses state <paramref name="state"/> (an index into <see cref="States"/>).</summary>
        public abstract bool Needs(int state, FusedGroupOptions group);

        /// <summary>Refuses option combinations the rule does not define; every message names the group.</summary>
        public virtual void Validate(FusedGroupOptions group, int groupIndex)
        {
        }

        /// <summary>The size of one coefficient row in bytes (the CPU update's and the CUDA kernel's per-tensor scalars).</summary>
        public abstract int CoefficientSize { get; }

        /// <summary>The coefficient struct, declared to the CUDA kernel from this one definition.</summary>
        public abstract Type CoefficientType { get; }

        /// <summary>The flag values the coefficients use, declared to the CUDA kernel as macros.</summary>
        public abstract Type FlagsType { get; }

        /// <summary>The CUDA kernel's source (embedded next to this file) and its entry point.</summary>
        public abstract string CudaSource { get; }

        public abstract string CudaKernel { get; }

        /// <summary>Writes one parameter's coefficients for a step.</summary>
        /// <param name="row">Exactly <see cref="CoefficientSize"/> bytes.</param>
        /// <param name="group">The parameter's group.</param>
        /// <param name="step">The parameter's step count including this step (≥ 1).</param>
        /// <param name="masked">Whether the parameter has a decay mask.</param>
        /// <param name="created">Bit k set: state k was allocated (zeroed) for this step.</param>
        /// <param name="exact">
        /// True for an optimizer with float32 state: torch.optim's float operations exactly, so results equal PyTorch's bit
        /// for bit. False for bfloat16 or int8 state (all of its tensors), whose results have no PyTorch counterpart: the update may
        /// use cheaper arithmetic of float32 accuracy (Adam: one division per element instead of two), the same on the
        /// CPU and in the CUDA kernel.
        /// </param>
        public abstract void WriteCoefficients(Span<byte> row, FusedGroupOptions group, long step, bool masked, int created, bool exact);

        /// <summary>
        /// The CPU update of elements [offset, offset + length) of one tensor, whose state is float32 or bfloat16
        /// (<see cref="TensorSlot.Format"/>; the backend stages anything else to float32 first).
        /// </summary>
        public abstract void Update(in TensorSlot tensor, ReadOnlySpan<byte> row, long offset, int length);

        /// <summary>The algorithm of <paramref name="kind"/>.</summary>
        public static OptimizerAlgorithm Of(FusedAlgorithm kind)
        {
            foreach (var algorithm in All)
            {
                if (algorithm.Kind == kind)
                {
                    return algorithm;
                }
            }

            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown algorithm.");
        }

        /// <summary>The algorithm a state file names, or null.</summary>
        public static OptimizerAlgorithm? Named(string name)
        {
            foreach (var algorithm in All)
            {
                if (algorithm.Name == name)
                {
                    return algorithm;
                }
            }

            return null;
        }

        /// <summary>The index of a state by name, or -1.</summary>
        public int StateIndex(string name)
        {
            for (var k = 0; k < States.Count; k++)
            {
                if (States[k].Name == name)
                {
                    return k;
                }
            }

            return -1;
        }
    }

    /// <summary>An algorithm whose coefficient row is <typeparamref name="TCoefficients"/>: the byte plumbing, once.</summary>
    internal abstract class OptimizerAlgorithm<TCoefficients> : OptimizerAlgorithm
        where TCoefficients : unmanaged
    {
        public sealed override int CoefficientSize => System.Runtime.CompilerServices.Unsafe.SizeOf<TCoefficients>();

        public sealed override Type CoefficientType => typeof(TCoefficients);

        public sealed override void WriteCoefficients(Span<byte> row, FusedGroupOptions group, long step, bool masked, int created, bool exact)
        {
            var coefficients = Coefficients(group, step, masked, created, exact);
            MemoryMarshal.Write(row, in coefficients);
        }

        public sealed override void Update(in TensorSlot tensor, ReadOnlySpan<byte> row, long offset, int length)
        {
            ref readonly var c = ref MemoryMarshal.AsRef<TCoefficients>(row);
            if (tensor.Format == (int)StateFormat.BFloat16)
            {
                UpdateBFloat16(in tensor, in c, offset, length);
            }
            else
            {
                UpdateFloat32(in tensor, in c, offset, length);
            }
        }

        protected abstract TCoefficients Coefficients(FusedGroupOptions group, long step, bool masked, int created, bool exact);

        // One instantiation each of the algorithm's generic update (Update<TState>, with its state elements read and
        // written through TState). Plain virtual methods, because a call to a generic virtual method is looked up at run
        // time on every call, which 10,000 small tensors per step would pay 10,000 times.
        protected abstract void UpdateFloat32(in TensorSlot tensor, in TCoefficients c, long offset, int length);

        protected abstract void UpdateBFloat16(in TensorSlot tensor, in TCoefficients c, long offset, int length);
    }
}

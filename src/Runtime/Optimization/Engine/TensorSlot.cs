using System.Runtime.InteropServices;

namespace WdGen.Optimization.Engine
{
    /// <summary>
    /// One tensor of the current step, as every backend's update reads it: addresses on the engine's device (null where
    /// absent) and the row of its coefficients. The CPU updates read it directly; the CUDA kernel reads the same rows
    /// from its tensor table, declared to it from this definition (<c>wdg_tensor</c>).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct TensorSlot
    {
        /// <summary>The most state buffers an algorithm may have.</summary>
        public const int MaxStates = 4;

        public float* Param;
        public float* Grad;  // null: no gradient this step, the tensor is skipped
        public float* Mask;  // per-element decay mask, or null
        public float* State0; // the algorithm's states, in the order of its StateSpecs
        public float* State1;
        public float* State2;
        public float* State3;
        public long Numel;
        public int Coefficients; // the tensor's row of coefficients (CUDA: of the launch's table)
        public int Reserved;

        public float* State(int k) => k switch { 0 => State0, 1 => State1, 2 => State2, _ => State3 };

        public void SetState(int k, float* value)
        {
            switch (k)
            {
                case 0: State0 = value; break;
                case 1: State1 = value; break;
                case 2: State2 = value; break;
                default: State3 = value; break;
            }
        }
    }

    /// <summary>One block of a CUDA launch (<c>wdg_block</c>): chunk <see cref="Chunk"/> of tensor <see cref="Tensor"/> of the launch's table.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BlockEntry
    {
        public int Tensor;
        public int Chunk;
    }
}

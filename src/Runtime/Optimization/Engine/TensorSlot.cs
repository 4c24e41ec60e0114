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
        public float* State0; // the algorithm's states, in the order of its StateSpecs (encoded bytes unless Format is Float32)
        public float* State1;
        public float* State2;
        public float* State3;
        public long Numel;
        public int Coefficients; // the tensor's row of coefficients (CUDA: of the launch's table)
        public int Format;       // the StateFormat its state buffers are stored in (float32 ones are used in place)
        public float* Model;     // bfloat16 parameters with master weights: the model's bfloat16 copy (Param is the float32 master)
        public int Storage;      // TensorStorage flags: how Param, Grad and Model are stored
        public int Seed;         // this step's stochastic-rounding key (TensorStorage.BFloat16Parameter)
        public float* Ema;       // the engine's float32 moving average of the parameter (TensorHooks.Ema), or null
        public float GradScale;  // TensorHooks.ScaleGradient: every gradient element is multiplied by it (float32) before the update
        public float EmaDecay;   // (float)d: ema = fma(p, EmaRest, ema * EmaDecay) after the update
        public float EmaRest;    // (float)(1 - d)
        public int Hooks;        // TensorHooks: the generic per-tensor work around the algorithm's update (0: none)
        public int NonNegative;  // bit k set: state k is non-negative (its StateRange), which picks its int8 code (CUDA)

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

    /// <summary>How a tensor's parameter and gradient are stored (float32 when no flag is set).</summary>
    [System.Flags]
    internal enum TensorStorage
    {
        None = 0,
        BFloat16Gradient = 1,  // Grad holds bfloat16 values
        BFloat16Parameter = 2, // Param holds bfloat16 values, updated in place with stochastic rounding
        Master = 4,            // Param is a float32 master copy; Model gets it rounded to nearest bfloat16 after each update
        FirstMaster = 8,       // this step creates the master copy from Model first
    }

    /// <summary>
    /// The engine's generic work around every algorithm's update, per tensor (both backends, every algorithm):
    /// gradient clipping's scale before it, the weights' moving average after it. None set: the update runs exactly as
    /// without these features.
    /// </summary>
    [System.Flags]
    internal enum TensorHooks
    {
        None = 0,
        ScaleGradient = 1, // g = g * GradScale (float32 multiply), then the algorithm's update
        Ema = 2,           // after the update: ema = fma(p, EmaRest, ema * EmaDecay)
        EmaInit = 4,       // with Ema, at the tensor's first step: ema = p (after the update) instead
    }

    /// <summary>One block of a CUDA launch (<c>wdg_block</c>): chunk <see cref="Chunk"/> of tensor <see cref="Tensor"/> of the launch's table.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BlockEntry
    {
        public int Tensor;
        public int Chunk;
    }
}

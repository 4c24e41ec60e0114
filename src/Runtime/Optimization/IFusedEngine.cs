using System;
using System.Collections.Generic;

namespace WdGen.Optimization
{
    /// <summary>What the TorchSharp adapter asks of an engine, whichever device it runs on.</summary>
    internal interface IFusedEngine : IDisposable
    {
        /// <summary>The groups' options: changing them affects the next step.</summary>
        IReadOnlyList<FusedGroupOptions> Groups { get; }

        /// <summary>Points parameter <paramref name="index"/> at its data and gradient (zero: no gradient this step).</summary>
        void SetBuffers(int index, IntPtr param, IntPtr grad);

        /// <summary>Updates every parameter that has a gradient, in one pass.</summary>
        FusedStepResult Step();

        /// <summary>Sets <paramref name="elements"/> floats at <paramref name="address"/> (on the engine's device) to zero.</summary>
        void ZeroBuffer(IntPtr address, long elements);

        void SaveState(string path);

        void LoadState(string path);
    }
}

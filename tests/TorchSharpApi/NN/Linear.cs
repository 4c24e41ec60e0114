// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    namespace Modules
    {
        /// <summary>y = x Wᵀ + b. Registers weight [out, in], then bias [out].</summary>
        public sealed class Linear : torch.nn.Module<Tensor, Tensor>
        {
            internal Linear(long inputSize, long outputSize, bool hasBias, ScalarType? dtype)
                : base(nameof(Linear))
            {
                register_parameter("weight", FixtureInit.KaimingWeight(new[] { outputSize, inputSize }, inputSize, dtype));
                if (hasBias)
                {
                    register_parameter("bias", FixtureInit.Uniform(new[] { outputSize }, inputSize > 0 ? 1.0 / Math.Sqrt(inputSize) : 0, dtype));
                }
            }

            public override Tensor forward(Tensor tensor)
                => throw new NotImplementedException("The TorchSharp fixture does not run Linear.forward.");

            public Parameter bias
            {
                get => FixtureParameter("bias");
                set => FixtureSetParameter("bias", value);
            }

            public Parameter weight
            {
                get => FixtureParameter("weight");
                set => FixtureSetParameter("weight", value ?? throw new ArgumentNullException(nameof(weight)));
            }
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static Linear Linear(long inputSize, long outputSize, bool hasBias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Linear(inputSize, outputSize, hasBias, dtype);
            }
        }
    }
}

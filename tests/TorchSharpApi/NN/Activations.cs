// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    namespace Modules
    {
        /// <summary>max(0, x). No parameters.</summary>
        public sealed class ReLU : torch.nn.Module<Tensor, Tensor>
        {
            internal ReLU(bool inplace)
                : base(nameof(ReLU))
            {
                this.inplace = inplace;
            }

            public bool inplace { get; }

            public override Tensor forward(Tensor tensor)
            {
                var result = inplace ? tensor : tensor.clone();
                for (long i = 0; i < result.numel(); i++)
                {
                    if (result.fixture_get(i) < 0) result.fixture_set(i, 0);
                }

                return result;
            }
        }

        /// <summary>GELU. No parameters.</summary>
        public sealed class GELU : torch.nn.Module<Tensor, Tensor>
        {
            internal GELU()
                : base(nameof(GELU))
            {
            }

            public override Tensor forward(Tensor tensor)
                => throw new NotImplementedException("The TorchSharp fixture does not run GELU.forward.");
        }

        /// <summary>Dropout. No parameters. The fixture's forward is the identity in eval mode or with p = 0.</summary>
        public sealed class Dropout : torch.nn.Module<Tensor, Tensor>
        {
            internal Dropout(double p, bool inplace)
                : base(nameof(Dropout))
            {
                this.p = p;
                this.inplace = inplace;
            }

            public double p { get; }

            public bool inplace { get; }

            public override Tensor forward(Tensor tensor)
            {
                if (!training || p == 0) return inplace ? tensor : tensor.clone();
                throw new NotImplementedException("The TorchSharp fixture does not run Dropout.forward in training mode.");
            }
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static ReLU ReLU(bool inplace = false) => new ReLU(inplace);

            public static GELU GELU() => new GELU();

            public static Dropout Dropout(double p = 0.5, bool inplace = false) => new Dropout(p, inplace);
        }
    }
}

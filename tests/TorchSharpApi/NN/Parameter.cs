// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    namespace Modules
    {
        /// <summary>
        /// A tensor that is a module parameter. The fixture's constructor makes a new wrapper (new Handle) of the
        /// given tensor, sharing its data, gradient and requires_grad.
        /// </summary>
        public class Parameter : Tensor
        {
            public Parameter(Tensor data, bool requires_grad = true)
                : base(data.impl)
            {
                this.requires_grad = requires_grad;
            }
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static Parameter Parameter(Tensor data, bool requires_grad = true) => new Parameter(data, requires_grad);
        }
    }
}

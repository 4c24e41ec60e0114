// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md and TorchSharp's public
// signatures (v0.99–v0.106). Added for samples/Gpt and samples/Vision, which compile against the fixture in CI;
// views are real, the heavy math and autograd are not (the fixture never trains a model).
using System;
using System.Collections.Generic;
using System.Linq;

namespace TorchSharp
{
    public static partial class torch
    {
        public partial class Tensor
        {
            /// <summary>A view with another shape over the same elements (one dimension may be -1).</summary>
            public Tensor view(params long[] shape)
            {
                if (shape is null) throw new ArgumentNullException(nameof(shape));
                var resolved = (long[])shape.Clone();
                var inferred = Array.IndexOf(resolved, -1L);
                if (inferred >= 0)
                {
                    long known = 1;
                    for (var i = 0; i < resolved.Length; i++)
                    {
                        if (i != inferred) known *= resolved[i];
                    }

                    if (known == 0 || numel() % known != 0) throw new ArgumentException($"view: shape [{string.Join(", ", shape)}] is invalid for {numel()} elements.");
                    resolved[inferred] = numel() / known;
                }

                return new Tensor(new FixtureTensorImpl(storage, resolved, impl.RequiresGrad));
            }

            /// <summary>A contiguous tensor with the same elements; fixture tensors always are, so a new wrapper of this one.</summary>
            public Tensor contiguous() => new Tensor(impl);

            /// <summary>Mean over <paramref name="dimensions"/>.</summary>
            public Tensor mean(long[] dimensions, bool keepdim = false, ScalarType? type = null)
                => throw new NotImplementedException("fixture: Tensor.mean along dimensions is not computed by the TorchSharp fixture.");

            public Tensor transpose(long dim0, long dim1)
                => throw new NotImplementedException("fixture: Tensor.transpose is not computed by the TorchSharp fixture.");

            public Tensor matmul(Tensor target)
                => throw new NotImplementedException("fixture: Tensor.matmul is not computed by the TorchSharp fixture.");

            /// <summary>Back-propagates from this tensor. The fixture has no autograd.</summary>
            public void backward(IList<Tensor> grad_tensors = null, bool create_graph = false, bool retain_graph = false, IList<Tensor> inputs = null)
                => throw new NotImplementedException("fixture: the TorchSharp fixture has no autograd; tests set gradients with fixture_set_grad.");
        }

        /// <summary>A 1-D tensor of [0, stop) in steps of 1.</summary>
        public static Tensor arange(Scalar stop, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => arange(0, stop, 1, dtype, device, requires_grad);

        /// <summary>A 1-D tensor of [start, stop) in steps of 1.</summary>
        public static Tensor arange(Scalar start, Scalar stop, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
            => arange(start, stop, 1, dtype, device, requires_grad);

        /// <summary>A 1-D tensor of [start, stop) in steps of <paramref name="step"/>; Int64 when all three are integers.</summary>
        public static Tensor arange(Scalar start, Scalar stop, Scalar step, ScalarType? dtype = null, Device device = null, bool requires_grad = false)
        {
            if (step.Value == 0) throw new ArgumentException("arange: step must not be zero.", nameof(step));
            var count = (long)Math.Max(0, Math.Ceiling((stop.Value - start.Value) / step.Value));
            var type = dtype ?? (start.IsIntegral && stop.IsIntegral && step.IsIntegral ? ScalarType.Int64 : get_default_dtype());
            var result = empty(new[] { count }, type, device, requires_grad: false);
            for (long i = 0; i < count; i++) result.fixture_set(i, start.Value + i * step.Value);
            if (requires_grad) result.requires_grad = true;
            return result;
        }

        public static partial class nn
        {
            /// <summary>How a loss reduces over the batch.</summary>
            public enum Reduction : long
            {
                None = 0,
                Mean = 1,
                Sum = 2,
            }

            public static partial class functional
            {
                /// <summary>log_softmax and nll_loss in one function.</summary>
                public static Tensor cross_entropy(Tensor input, Tensor target, Tensor weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0.0)
                    => throw new NotImplementedException("fixture: cross_entropy is not computed by the TorchSharp fixture.");

                /// <summary>Softmax along <paramref name="dim"/>.</summary>
                public static Tensor softmax(Tensor input, long dim, ScalarType? dtype = null)
                    => throw new NotImplementedException("fixture: softmax is not computed by the TorchSharp fixture.");
            }
        }
    }
}

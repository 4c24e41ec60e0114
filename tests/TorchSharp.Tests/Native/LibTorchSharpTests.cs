using System;
using TorchSharp;
using WdGen.Native;
using Xunit;
using static TorchSharp.torch;

namespace WdGen.TorchSharp.Tests.Native
{
    /// <summary>The LibTorchSharp exports the fused step reads, checked against TorchSharp's public API on real tensors.</summary>
    public sealed class LibTorchSharpTests
    {
        [Fact]
        public void Contiguity_is_read_as_the_one_byte_bool_it_is()
        {
            var matrix = torch.randn(3, 4);

            Assert.True(LibTorchSharp.IsContiguous(matrix.Handle));
            Assert.False(LibTorchSharp.IsContiguous(matrix.t().Handle));
            Assert.False(LibTorchSharp.IsContiguous(matrix[.., TensorIndex.Slice(0, 4, 2)].Handle));
            Assert.Equal(matrix.t().is_contiguous(), LibTorchSharp.IsContiguous(matrix.t().Handle));
        }

        [Fact]
        public void Type_device_and_size_agree_with_TorchSharps_public_api()
        {
            foreach (var tensor in new[] { torch.ones(5), torch.ones(2, 3, dtype: ScalarType.Float64), torch.ones(4, dtype: ScalarType.BFloat16), torch.empty(7, device: torch.device("meta")) })
            {
                Assert.Equal(tensor.dtype, LibTorchSharp.ElementType(tensor.Handle));
                Assert.Equal(tensor.device_type, LibTorchSharp.DeviceType(tensor.Handle));
                Assert.Equal(tensor.numel(), LibTorchSharp.ElementCount(tensor.Handle));
            }
        }

        [Fact]
        public unsafe void The_data_address_includes_the_storage_offset()
        {
            var vector = torch.arange(10, dtype: ScalarType.Float32);
            var tail = vector[TensorIndex.Slice(3, null)];

            Assert.Equal(vector.storage<float>().data_ptr(), LibTorchSharp.Data(vector.Handle));
            Assert.Equal(LibTorchSharp.Data(vector.Handle) + (3 * sizeof(float)), LibTorchSharp.Data(tail.Handle));
            Assert.Equal(3f, *(float*)LibTorchSharp.Data(tail.Handle));
        }

        [Fact]
        public void A_gradient_handle_is_new_and_zero_when_there_is_none()
        {
            var parameter = new global::TorchSharp.Modules.Parameter(torch.ones(3));
            Assert.Equal(IntPtr.Zero, LibTorchSharp.Grad(parameter.Handle));

            parameter.grad = torch.full(3, 2f);
            var gradient = LibTorchSharp.Grad(parameter.Handle);
            try
            {
                Assert.NotEqual(IntPtr.Zero, gradient);
                Assert.Equal(3, LibTorchSharp.ElementCount(gradient));
                Assert.Equal(LibTorchSharp.Data(parameter.grad!.Handle), LibTorchSharp.Data(gradient));
            }
            finally
            {
                LibTorchSharp.Dispose(gradient);
            }
        }
    }
}

using System;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchSharpApi.Tests
{
    public class TensorTests
    {
        [Fact]
        public void Factories_make_cpu_tensors_of_the_asked_shape_and_type()
        {
            using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 }, requires_grad: true);
            using var b = torch.tensor(new double[] { 1, 2 });
            using var s = torch.tensor(2.5f);
            using var z = torch.zeros(new long[] { 2, 3 });
            using var o = torch.ones(3);
            using var r = torch.randn(2, 2);

            Assert.Equal(new long[] { 2, 2 }, a.shape);
            Assert.True(a.requires_grad);
            Assert.Equal(ScalarType.Float32, a.dtype);
            Assert.Equal(ScalarType.Float64, b.dtype);
            Assert.Empty(s.shape);
            Assert.Equal(2.5f, s.ToSingle());
            Assert.Equal(6, z.numel());
            Assert.Equal(3.0, o.sum().ToDouble());
            Assert.Equal(DeviceType.CPU, r.device_type);
            Assert.True(r.is_contiguous());
        }

        [Fact]
        public void Randn_is_deterministic_after_manual_seed()
        {
            torch.manual_seed(3);
            using var a = torch.randn(5);
            torch.manual_seed(3);
            using var b = torch.randn(5);
            Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
        }

        [Fact]
        public void Arithmetic_supports_same_shape_and_scalars_only()
        {
            using var a = torch.tensor(new float[] { 1, 2, 3 });
            using var b = torch.tensor(new float[] { 4, 5, 6 });
            using var one = torch.tensor(new float[] { 10 });
            using var c = torch.zeros(2);

            Assert.Equal(new float[] { 4, 10, 18 }, (a * b).data<float>().ToArray());
            Assert.Equal(new float[] { 5, 7, 9 }, (a + b).data<float>().ToArray());
            Assert.Equal(new float[] { -3, -3, -3 }, (a - b).data<float>().ToArray());
            Assert.Equal(new float[] { 2, 4, 6 }, (a * 2.0).data<float>().ToArray());
            Assert.Equal(new float[] { 2, 4, 6 }, (2.0 * a).data<float>().ToArray());
            Assert.Equal(new float[] { 11, 12, 13 }, (a + one).data<float>().ToArray());
            Assert.Equal(new float[] { 1, 4, 9 }, a.square().data<float>().ToArray());
            Assert.Equal(new float[] { 1, 4, 9 }, a.pow(2).data<float>().ToArray());
            Assert.Equal(14f, a.square().sum().item<float>());
            Assert.Equal(new float[] { 9, 12, 15 }, a.add(b, alpha: 2).data<float>().ToArray());
            Assert.Throws<NotSupportedException>(() => a + c);
        }

        [Fact]
        public void Clone_copies_and_detach_shares_data()
        {
            using var a = torch.tensor(new float[] { 1, 2 }, requires_grad: true);
            using var copy = a.clone();
            using var view = a.detach();

            a.data<float>()[0] = 9;
            Assert.Equal(1f, copy.data<float>()[0]);
            Assert.Equal(9f, view.data<float>()[0]);
            Assert.False(view.requires_grad);
            Assert.NotEqual(a.Handle, view.Handle);
            Assert.Equal(Shim.THSTensor_data(a.Handle), Shim.THSTensor_data(view.Handle));
        }

        [Fact]
        public void Grad_is_null_until_set_and_a_new_wrapper_each_call()
        {
            using var p = nn.Parameter(torch.zeros(2));
            Assert.Null(p.grad());

            using var g = torch.ones(2);
            p.fixture_set_grad(g);
            using var g1 = p.grad();
            using var g2 = p.grad();
            Assert.NotEqual(g1.Handle, g2.Handle);
            Assert.Equal(Shim.THSTensor_data(g1.Handle), Shim.THSTensor_data(g2.Handle));

            p.fixture_set_grad(null);
            Assert.Null(p.grad());
        }

        [Fact]
        public void Disposed_tensors_refuse_their_handle()
        {
            var t = torch.ones(1);
            t.Dispose();
            Assert.True(t.IsInvalid);
            Assert.Throws<InvalidOperationException>(() => t.Handle);
        }

        [Fact]
        public void No_grad_and_dispose_scope_are_disposable()
        {
            using (torch.no_grad())
            {
                Assert.False(torch.is_grad_enabled());
            }

            Assert.True(torch.is_grad_enabled());
            using var scope = torch.NewDisposeScope();
            Assert.NotNull(scope);
        }
    }
}

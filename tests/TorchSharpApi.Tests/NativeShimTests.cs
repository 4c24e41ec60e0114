using System;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace TorchSharpApi.Tests
{
    public class NativeShimTests
    {
        [Fact]
        public void The_shim_is_copied_next_to_referencing_assemblies()
        {
            var dir = Path.GetDirectoryName(typeof(NativeShimTests).Assembly.Location);
            Assert.True(File.Exists(Path.Combine(dir, "libLibTorchSharp.so")));
            Assert.True(File.Exists(Path.Combine(dir, "TorchSharp.dll")));
        }

        [Fact]
        public void Shim_reads_the_tensor_header()
        {
            using var f = torch.zeros(2, 3);
            using var d = torch.zeros(4, ScalarType.Float64);

            Assert.Equal(6, Shim.THSTensor_numel(f.Handle));
            Assert.Equal(4, Shim.THSTensor_element_size(f.Handle));
            Assert.Equal((sbyte)ScalarType.Float32, Shim.THSTensor_type(f.Handle));
            Assert.Equal((int)DeviceType.CPU, Shim.THSTensor_device_type(f.Handle));
            Assert.Equal(1, Shim.THSTensor_is_contiguous(f.Handle));
            Assert.NotEqual(IntPtr.Zero, Shim.THSTensor_data(f.Handle));

            Assert.Equal(8, Shim.THSTensor_element_size(d.Handle));
            Assert.Equal((sbyte)ScalarType.Float64, Shim.THSTensor_type(d.Handle));
        }

        [Fact]
        public unsafe void Shim_data_pointer_is_the_tensor_storage()
        {
            using var t = torch.tensor(new float[] { 1, 2, 3 });
            var p = (float*)Shim.THSTensor_data(t.Handle);
            Assert.Equal(2f, p[1]);
            p[1] = 5;
            Assert.Equal(5f, t.data<float>()[1]);
        }

        [Fact]
        public void Tied_weight_is_listed_twice_with_two_handles_and_one_data_pointer()
        {
            using var model = new TiedModel();

            var ps = model.named_parameters().ToList();
            Assert.Equal(new[] { "tok.weight", "head.weight", "head.bias" }, ps.Select(p => p.name));

            var tok = ps[0].parameter;
            var head = ps[1].parameter;
            Assert.NotSame(tok, head);
            Assert.NotEqual(tok.Handle, head.Handle);
            Assert.Equal(Shim.THSTensor_data(tok.Handle), Shim.THSTensor_data(head.Handle));
            Assert.Equal(Shim.THSTensor_numel(tok.Handle), Shim.THSTensor_numel(head.Handle));
            Assert.Equal(Shim.THSTensor_type(tok.Handle), Shim.THSTensor_type(head.Handle));

            // The two wrappers are one tensor: a write through one is seen through the other.
            tok.data<float>()[0] = 42;
            Assert.Equal(42f, head.data<float>()[0]);
        }

        [Fact]
        public void Disposing_one_tied_wrapper_keeps_the_data_alive_for_the_other()
        {
            var emb = nn.Embedding(4, 2);
            using var head = nn.Linear(2, 4, hasBias: false);
            head.weight = emb.weight;
            var data = Shim.THSTensor_data(head.weight.Handle);
            emb.Dispose();

            Assert.Equal(data, Shim.THSTensor_data(head.weight.Handle));
            Assert.Equal(8, head.weight.data<float>().ToArray().Length);
        }

        [Fact]
        public void THSTensor_grad_returns_a_new_handle_owned_by_the_caller()
        {
            using var p = nn.Parameter(torch.ones(3));
            Assert.Equal(IntPtr.Zero, Shim.THSTensor_grad(p.Handle));

            using var g = torch.tensor(new float[] { 0.5f, -1, 2 });
            p.fixture_set_grad(g);

            var gh = Shim.THSTensor_grad(p.Handle);
            try
            {
                Assert.NotEqual(IntPtr.Zero, gh);
                Assert.NotEqual(g.Handle, gh);
                Assert.NotEqual(p.Handle, gh);
                Assert.Equal(Shim.THSTensor_data(g.Handle), Shim.THSTensor_data(gh));
                Assert.Equal(3, Shim.THSTensor_numel(gh));

                var again = Shim.THSTensor_grad(p.Handle);
                Assert.NotEqual(gh, again);
                Shim.THSTensor_dispose(again);
            }
            finally
            {
                Shim.THSTensor_dispose(gh);
            }

            // Disposing the caller's handle freed neither the gradient nor its data.
            using var managed = p.grad();
            Assert.Equal(new float[] { 0.5f, -1, 2 }, managed.data<float>().ToArray());
        }

        [Fact]
        public void Tied_wrappers_share_one_gradient()
        {
            using var model = new TiedModel();
            using var g = torch.ones(model.Tok.weight.shape);
            model.Tok.weight.fixture_set_grad(g);

            var ps = model.parameters().ToList();
            var g0 = Shim.THSTensor_grad(ps[0].Handle);
            var g1 = Shim.THSTensor_grad(ps[1].Handle);
            Assert.Equal(Shim.THSTensor_data(g0), Shim.THSTensor_data(g1));
            Shim.THSTensor_dispose(g0);
            Shim.THSTensor_dispose(g1);
        }

        [Fact]
        public void Shim_dispose_ignores_handles_owned_by_managed_wrappers()
        {
            using var t = torch.ones(2);
            Shim.THSTensor_dispose(t.Handle);
            Assert.Equal(2, Shim.THSTensor_numel(t.Handle));
        }

        internal sealed class TiedModel : nn.Module<Tensor, Tensor>
        {
            private readonly Embedding tok = nn.Embedding(5, 3);
            private readonly Linear head = nn.Linear(3, 5);

            public TiedModel() : base(nameof(TiedModel))
            {
                RegisterComponents();
                head.weight = tok.weight;
            }

            public Embedding Tok => tok;

            public Linear Head => head;

            public override Tensor forward(Tensor input) => throw new NotImplementedException();
        }
    }
}

using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace TorchSharpApi.Tests
{
    public class LayerTests
    {
        private static string[] Names(nn.Module m) => m.named_parameters().Select(p => p.name).ToArray();

        private static long[][] Shapes(nn.Module m) => m.parameters().Select(p => p.shape).ToArray();

        [Fact]
        public void Linear_registers_weight_then_bias()
        {
            using var lin = nn.Linear(4, 3);
            Assert.Equal(new[] { "weight", "bias" }, Names(lin));
            Assert.Equal(new[] { new long[] { 3, 4 }, new long[] { 3 } }, Shapes(lin));
            Assert.Same(lin.weight, lin.named_parameters().First().parameter);

            using var noBias = nn.Linear(4, 3, hasBias: false);
            Assert.Equal(new[] { "weight" }, Names(noBias));
            Assert.Null(noBias.bias);
        }

        [Fact]
        public void Convolutions_register_weight_then_bias_with_torch_shapes()
        {
            using var c1 = nn.Conv1d(4, 6, 3);
            using var c2 = nn.Conv2d(4, 6, 3, groups: 2);
            using var c3 = nn.Conv3d(4, 6, (1, 2, 3));
            using var t2 = nn.ConvTranspose2d(4, 6, 3, bias: false);

            Assert.Equal(new[] { "weight", "bias" }, Names(c1));
            Assert.Equal(new long[] { 6, 4, 3 }, c1.weight.shape);
            Assert.Equal(new long[] { 6, 2, 3, 3 }, c2.weight.shape);
            Assert.Equal(new long[] { 6, 4, 1, 2, 3 }, c3.weight.shape);
            Assert.Equal(new[] { "weight" }, Names(t2));
            Assert.Equal(new long[] { 4, 6, 3, 3 }, t2.weight.shape);
        }

        [Fact]
        public void Norms_register_affine_parameters_and_running_buffers()
        {
            using var ln = nn.LayerNorm(new long[] { 2, 3 });
            using var lnPlain = nn.LayerNorm(3, elementwise_affine: false);
            using var bn = nn.BatchNorm2d(5);
            using var inorm = nn.InstanceNorm1d(5);
            using var inormAffine = nn.InstanceNorm2d(5, affine: true, track_running_stats: true);
            using var gn = nn.GroupNorm(2, 6);

            Assert.Equal(new[] { "weight", "bias" }, Names(ln));
            Assert.Equal(new long[] { 2, 3 }, ln.weight.shape);
            Assert.Empty(Names(lnPlain));
            Assert.Equal(new[] { "weight", "bias" }, Names(bn));
            Assert.Equal(new[] { "running_mean", "running_var", "num_batches_tracked" }, bn.named_buffers().Select(b => b.name));
            Assert.Equal(ScalarType.Int64, bn.num_batches_tracked.dtype);
            Assert.Empty(Names(inorm));
            Assert.Empty(inorm.named_buffers());
            Assert.Equal(new[] { "weight", "bias" }, Names(inormAffine));
            Assert.Equal(3, inormAffine.named_buffers().Count());
            Assert.Equal(new[] { "weight", "bias" }, Names(gn));
            Assert.Equal(new long[] { 6 }, gn.bias.shape);
            Assert.Equal(new float[] { 1, 1, 1, 1, 1, 1 }, gn.weight.data<float>().ToArray());
            Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0 }, gn.bias.data<float>().ToArray());
        }

        [Fact]
        public void Embeddings_register_weight()
        {
            using var emb = nn.Embedding(10, 4, padding_idx: 1);
            using var bag = nn.EmbeddingBag(10, 4);

            Assert.Equal(new[] { "weight" }, Names(emb));
            Assert.Equal(new long[] { 10, 4 }, emb.weight.shape);
            Assert.All(Enumerable.Range(4, 4), i => Assert.Equal(0f, emb.weight.data<float>()[i]));
            Assert.Equal(new[] { "weight" }, Names(bag));
        }

        [Fact]
        public void MultiheadAttention_registers_flat_libtorch_names_in_libtorch_order()
        {
            using var mha = nn.MultiheadAttention(8, 2);
            Assert.Equal(new[] { "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias" }, Names(mha));
            Assert.Equal(new long[] { 24, 8 }, mha.get_parameter("in_proj_weight").shape);
            Assert.Empty(mha.named_children());

            using var kv = nn.MultiheadAttention(8, 2, add_bias_kv: true, kdim: 4, vdim: 6);
            Assert.Equal(
                new[] { "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight", "out_proj.bias" },
                Names(kv));
            Assert.Equal(new long[] { 8, 4 }, kv.get_parameter("k_proj_weight").shape);
            Assert.Equal(new long[] { 1, 1, 8 }, kv.get_parameter("bias_k").shape);

            using var noBias = nn.MultiheadAttention(8, 2, bias: false);
            Assert.Equal(new[] { "in_proj_weight", "out_proj.weight" }, Names(noBias));
        }

        [Fact]
        public void Activations_and_dropout_have_no_parameters()
        {
            using var relu = nn.ReLU();
            using var gelu = nn.GELU();
            using var drop = nn.Dropout(0.1);

            Assert.Empty(relu.parameters());
            Assert.Empty(gelu.parameters());
            Assert.Empty(drop.parameters());
        }

        [Fact]
        public void Initial_values_are_repeatable_after_manual_seed()
        {
            torch.manual_seed(7);
            using var a = nn.Linear(3, 3);
            torch.manual_seed(7);
            using var b = nn.Linear(3, 3);
            using var c = nn.Linear(3, 3);

            Assert.Equal(a.weight.data<float>().ToArray(), b.weight.data<float>().ToArray());
            Assert.NotEqual(a.weight.data<float>().ToArray(), c.weight.data<float>().ToArray());
            Assert.All(a.weight.data<float>().ToArray(), v => Assert.InRange(v, -1 / MathF.Sqrt(3), 1 / MathF.Sqrt(3)));
        }

        [Fact]
        public void Setting_a_weight_replaces_the_registered_parameter_in_place()
        {
            using var lin = nn.Linear(2, 2);
            using var replacement = nn.Parameter(torch.zeros(2, 2));
            lin.weight = replacement;

            Assert.Equal(new[] { "weight", "bias" }, Names(lin));
            Assert.NotEqual(replacement.Handle, lin.weight.Handle);
            Assert.Equal(new float[] { 0, 0, 0, 0 }, lin.weight.data<float>().ToArray());

            lin.bias = null;
            Assert.Equal(new[] { "weight" }, Names(lin));
        }
    }
}

// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    namespace Modules
    {
        /// <summary>
        /// Multi-head attention. Like TorchSharp's (a native libtorch module whose parameters are registered
        /// flat, by their libtorch names), it has no child modules and registers, in libtorch's order:
        /// in_proj_weight [3E, E] (or q_proj_weight [E, E], k_proj_weight [E, kdim], v_proj_weight [E, vdim]
        /// when kdim or vdim differ from E), in_proj_bias [3E] (with bias), bias_k and bias_v [1, 1, E]
        /// (with add_bias_kv), then out_proj.weight [E, E] and out_proj.bias [E] (with bias).
        /// </summary>
        public sealed class MultiheadAttention : torch.nn.Module<Tensor, Tensor, Tensor, Tensor, bool, Tensor, Tuple<Tensor, Tensor>>
        {
            internal MultiheadAttention(long embed_dim, long num_heads, bool bias, bool add_bias_kv, long kdim, long vdim)
                : base(nameof(MultiheadAttention))
            {
                if (num_heads <= 0 || embed_dim % num_heads != 0) throw new ArgumentException("num_heads must divide embed_dim.");
                if (kdim == embed_dim && vdim == embed_dim)
                {
                    register_parameter("in_proj_weight", FixtureInit.XavierUniform(new[] { 3 * embed_dim, embed_dim }, null));
                }
                else
                {
                    register_parameter("q_proj_weight", FixtureInit.XavierUniform(new[] { embed_dim, embed_dim }, null));
                    register_parameter("k_proj_weight", FixtureInit.XavierUniform(new[] { embed_dim, kdim }, null));
                    register_parameter("v_proj_weight", FixtureInit.XavierUniform(new[] { embed_dim, vdim }, null));
                }

                if (bias)
                {
                    register_parameter("in_proj_bias", FixtureInit.Constant(new[] { 3 * embed_dim }, 0, null));
                }

                if (add_bias_kv)
                {
                    register_parameter("bias_k", FixtureInit.Normal(new[] { 1L, 1, embed_dim }, Math.Sqrt(2.0 / (1 + embed_dim)), null));
                    register_parameter("bias_v", FixtureInit.Normal(new[] { 1L, 1, embed_dim }, Math.Sqrt(2.0 / (1 + embed_dim)), null));
                }

                register_parameter("out_proj.weight", FixtureInit.KaimingWeight(new[] { embed_dim, embed_dim }, embed_dim, null));
                if (bias)
                {
                    register_parameter("out_proj.bias", FixtureInit.Constant(new[] { embed_dim }, 0, null));
                }
            }

            public override Tuple<Tensor, Tensor> forward(Tensor query, Tensor key, Tensor value, Tensor key_padding_mask, bool need_weights, Tensor attn_mask)
                => throw new NotImplementedException("The TorchSharp fixture does not run MultiheadAttention.forward.");

            public new Tuple<Tensor, Tensor> call(Tensor query, Tensor key, Tensor value, Tensor key_padding_mask = null, bool need_weights = true, Tensor attn_mask = null)
                => base.call(query, key, value, key_padding_mask, need_weights, attn_mask);
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static MultiheadAttention MultiheadAttention(long embedded_dim, long num_heads, double dropout = 0.0, bool bias = true, bool add_bias_kv = false, bool add_zero_attn = false, long? kdim = null, long? vdim = null)
                => new MultiheadAttention(embedded_dim, num_heads, bias, add_bias_kv, kdim ?? embedded_dim, vdim ?? embedded_dim);
        }
    }
}

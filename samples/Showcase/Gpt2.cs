using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using WdGen.Samples;

namespace WdGen.Showcase
{
    /// <summary>GPT-2's sizes; <see cref="Small"/> is GPT-2 small (124M parameters).</summary>
    public sealed record Gpt2Config(int Vocabulary, int Context, int Width, int Heads, int Layers)
    {
        public static Gpt2Config Small { get; } = new(Vocabulary: 50257, Context: 1024, Width: 768, Heads: 12, Layers: 12);
    }

    /// <summary>
    /// GPT-2 with the parameter names of the original checkpoints (wte, wpe, h.N.attn.c_attn, …, ln_f) and an output
    /// head tied to the token embedding. One tensor is then both an embedding (no decay) and a Linear weight (decay);
    /// [NoDecay] on the head keeps the embedding's decision.
    /// </summary>
    [DecayGroups]
    public sealed partial class Gpt2 : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding wte;
        private readonly Embedding wpe;
        private readonly ModuleList<Block> h;
        private readonly LayerNorm ln_f;
        [NoDecay] private readonly Linear lm_head;

        public Gpt2(Gpt2Config config)
            : base(nameof(Gpt2))
        {
            wte = nn.Embedding(config.Vocabulary, config.Width);
            wpe = nn.Embedding(config.Context, config.Width);
            var blocks = new Block[config.Layers];
            for (var i = 0; i < blocks.Length; i++)
            {
                blocks[i] = new Block(config);
            }

            h = nn.ModuleList(blocks);
            ln_f = nn.LayerNorm(config.Width);
            lm_head = nn.Linear(config.Width, config.Vocabulary, hasBias: false);
            lm_head.weight = wte.weight!;
            RegisterComponents();
        }

        /// <summary>Token ids [batch, time] → logits [batch, time, vocabulary].</summary>
        public override Tensor forward(Tensor tokens)
        {
            var x = wte.call(tokens).add(wpe.call(torch.arange(tokens.shape[1], dtype: ScalarType.Int64)), KeptScalars.One);
            foreach (var block in h)
            {
                x = block.call(x);
            }

            return lm_head.call(ln_f.call(x));
        }

        /// <summary>A pre-norm transformer block.</summary>
        public sealed class Block : nn.Module<Tensor, Tensor>
        {
            private readonly LayerNorm ln_1;
            private readonly Attention attn;
            private readonly LayerNorm ln_2;
            private readonly Mlp mlp;

            public Block(Gpt2Config config)
                : base(nameof(Block))
            {
                ln_1 = nn.LayerNorm(config.Width);
                attn = new Attention(config);
                ln_2 = nn.LayerNorm(config.Width);
                mlp = new Mlp(config);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x)
            {
                x = x.add(attn.call(ln_1.call(x)), KeptScalars.One);
                return x.add(mlp.call(ln_2.call(x)), KeptScalars.One);
            }
        }

        /// <summary>Causal multi-head self-attention with one fused query/key/value projection, as GPT-2 has it.</summary>
        public sealed class Attention : nn.Module<Tensor, Tensor>
        {
            private readonly Linear c_attn;
            private readonly Linear c_proj;
            private readonly int heads;

            public Attention(Gpt2Config config)
                : base(nameof(Attention))
            {
                c_attn = nn.Linear(config.Width, 3 * config.Width);
                c_proj = nn.Linear(config.Width, config.Width);
                heads = config.Heads;
                RegisterComponents();
            }

            public override Tensor forward(Tensor x)
            {
                var (batch, time, width) = (x.shape[0], x.shape[1], x.shape[2]);
                var qkv = c_attn.call(x).view(batch, time, 3, heads, width / heads).permute(2, 0, 3, 1, 4);
                var y = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: true);
                return c_proj.call(y.transpose(1, 2).contiguous().view(batch, time, width));
            }
        }

        /// <summary>The feed-forward part: width → 4·width → width with GELU.</summary>
        public sealed class Mlp : nn.Module<Tensor, Tensor>
        {
            private readonly Linear c_fc;
            private readonly Linear c_proj;

            public Mlp(Gpt2Config config)
                : base(nameof(Mlp))
            {
                c_fc = nn.Linear(config.Width, 4 * config.Width);
                c_proj = nn.Linear(4 * config.Width, config.Width);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => c_proj.call(nn.functional.gelu(c_fc.call(x)));
        }
    }

    /// <summary>The same tie without an attribute: the embedding and the head disagree, and WdGen refuses to guess.</summary>
    [DecayGroups]
    public sealed partial class TiedWithoutDecision : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding wte = nn.Embedding(16, 4);
        private readonly Linear lm_head = nn.Linear(4, 16, hasBias: false);

        public TiedWithoutDecision()
            : base(nameof(TiedWithoutDecision))
        {
            lm_head.weight = wte.weight!;
            RegisterComponents();
        }

        public override Tensor forward(Tensor tokens) => lm_head.call(wte.call(tokens));
    }
}

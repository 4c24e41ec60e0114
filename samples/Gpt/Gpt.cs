using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Samples.Gpt
{
    /// <summary>The model's sizes.</summary>
    public sealed record GptConfig(int Vocabulary, int BlockSize = 32, int Width = 64, int Heads = 4, int Depth = 2);

    /// <summary>
    /// A nanoGPT-style character model: token + position embeddings, pre-norm transformer blocks in a ModuleList,
    /// a final LayerNorm and an output head tied to the token embedding. WdGen decides what decays from the layer
    /// types: the Linear weights in attention and MLP decay; embeddings, LayerNorm, RMSNorm (by its [LayerRole]) and
    /// biases do not.
    /// </summary>
    [DecayGroups]
    public sealed partial class Gpt : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding wte;
        private readonly Embedding wpe;
        private readonly ModuleList<Block> blocks;
        private readonly LayerNorm ln_f;

        // The head shares its weight with wte (weight tying), so one tensor is both an embedding and a matmul weight,
        // and WdGen needs one decision for it. We keep the embedding's: no decay, hence [NoDecay] here. The other
        // choice, [Decay] on wte, decays the shared tensor (what nanoGPT does, since it decays every 2-D tensor).
        // Without either attribute the two roles disagree and GetDecayGroups() refuses to guess.
        [NoDecay] private readonly Linear lm_head;

        public Gpt(GptConfig config)
            : base(nameof(Gpt))
        {
            Config = config;
            wte = nn.Embedding(config.Vocabulary, config.Width);
            wpe = nn.Embedding(config.BlockSize, config.Width);
            var layers = new Block[config.Depth];
            for (var i = 0; i < layers.Length; i++)
            {
                layers[i] = new Block(config);
            }

            blocks = nn.ModuleList(layers);
            ln_f = nn.LayerNorm(config.Width);
            lm_head = nn.Linear(config.Width, config.Vocabulary, hasBias: false);
            lm_head.weight = wte.weight!;

            // GPT-2's initialization of the embeddings (std 0.02). TorchSharp's default, N(0, 1), makes the tied head's
            // first logits so large that the first loss is about 40 instead of ln(vocabulary) ≈ 4.
            using (torch.no_grad())
            {
                wte.weight!.normal_(0, 0.02);
                wpe.weight!.normal_(0, 0.02);
            }

            RegisterComponents();
        }

        public GptConfig Config { get; }

        /// <summary>Token ids [batch, BlockSize] → logits [batch, BlockSize, vocabulary].</summary>
        public override Tensor forward(Tensor tokens)
        {
            var length = tokens.shape[1];
            if (length != Config.BlockSize) throw new ArgumentException($"The model reads windows of exactly {Config.BlockSize} tokens, not {length}.");
            var positions = torch.arange(length, dtype: ScalarType.Int64);
            var x = wte.call(tokens).add(wpe.call(positions), KeptScalars.One);
            foreach (var block in blocks)
            {
                x = block.call(x);
            }

            return lm_head.call(ln_f.call(x));
        }
    }

    /// <summary>A pre-norm transformer block: x + attn(norm(x)), then x + mlp(norm(x)).</summary>
    public sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly RMSNorm norm1;
        private readonly CausalSelfAttention attn;
        private readonly RMSNorm norm2;
        private readonly Sequential mlp;

        public Block(GptConfig config)
            : base(nameof(Block))
        {
            norm1 = new RMSNorm(config.Width);
            attn = new CausalSelfAttention(config);
            norm2 = new RMSNorm(config.Width);
            mlp = nn.Sequential(
                nn.Linear(config.Width, 4 * config.Width),
                nn.GELU(),
                nn.Linear(4 * config.Width, config.Width));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            x = x.add(attn.call(norm1.call(x)), KeptScalars.One);
            return x.add(mlp.call(norm2.call(x)), KeptScalars.One);
        }
    }

    /// <summary>Multi-head causal self-attention with Linear projections for queries, keys, values and output.</summary>
    public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
    {
        private readonly Linear query;
        private readonly Linear key;
        private readonly Linear value;
        private readonly Linear proj;
        private readonly int heads;
        private readonly float[] maskValues;
        private readonly Scalar scale; // 1/√(head size), kept alive (see KeptScalars)

        public CausalSelfAttention(GptConfig config)
            : base(nameof(CausalSelfAttention))
        {
            if (config.Width % config.Heads != 0) throw new ArgumentException("Width must be a multiple of Heads.");
            heads = config.Heads;
            scale = 1.0 / Math.Sqrt(config.Width / config.Heads);
            query = nn.Linear(config.Width, config.Width);
            key = nn.Linear(config.Width, config.Width);
            value = nn.Linear(config.Width, config.Width);
            proj = nn.Linear(config.Width, config.Width);

            // Added to the attention scores: 0 where a position may look (itself and earlier), -inf after it. Kept as
            // an array, not a Tensor field, which TorchSharp would register (and save) as a buffer.
            var t = config.BlockSize;
            maskValues = new float[t * t];
            for (var i = 0; i < t; i++)
            {
                for (var j = i + 1; j < t; j++)
                {
                    maskValues[i * t + j] = float.NegativeInfinity;
                }
            }

            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var (batch, length, width) = (x.shape[0], x.shape[1], x.shape[2]);
            var headSize = width / heads;
            Tensor Heads(Linear projection) => projection.call(x).view(batch, length, heads, headSize).transpose(1, 2);
            var q = Heads(query);
            var k = Heads(key);
            var v = Heads(value);
            var mask = torch.tensor(maskValues, new long[] { length, length });
            var scores = q.matmul(k.transpose(-2, -1)).mul(scale).add(mask, KeptScalars.One);
            var attention = nn.functional.softmax(scores, -1);
            var y = attention.matmul(v).transpose(1, 2).contiguous().view(batch, length, width);
            return proj.call(y);
        }
    }

    /// <summary>
    /// Root-mean-square normalization, x / rms(x) · weight. TorchSharp has no RMSNorm, so WdGen cannot know it by
    /// type; [LayerRole(ParameterRole.Norm)] says what it is, and its weight is kept out of weight decay like
    /// LayerNorm's (without it, analyzer WDG010 asks to say so).
    /// </summary>
    [LayerRole(ParameterRole.Norm)]
    public sealed class RMSNorm : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter weight;
        private readonly Scalar eps; // kept alive (see KeptScalars)

        public RMSNorm(int width, double eps = 1e-6)
            : base(nameof(RMSNorm))
        {
            weight = nn.Parameter(torch.ones(width));
            this.eps = eps;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => x / x.square().mean(new long[] { -1 }, true).add(eps).sqrt() * weight;
    }
}

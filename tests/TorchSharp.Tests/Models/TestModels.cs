using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.TorchSharp.Tests.Models
{
    /// <summary>
    /// Three param groups (decay ×1, decay ×0.5, no decay), an embedding, a LayerNorm inside an unnamed Sequential,
    /// and optionally an output head tied to the embedding.
    /// </summary>
    [DecayGroups]
    public sealed partial class Net : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding wte = nn.Embedding(7, 5);
        private readonly Sequential body = nn.Sequential(nn.Linear(5, 9), nn.LayerNorm(9), nn.Linear(9, 5));
        [Decay(0.5)] private readonly Linear proj = nn.Linear(5, 5);
        [NoDecay] private readonly Linear lm_head = nn.Linear(5, 7, hasBias: false);

        public Net(bool tie = false)
            : base(nameof(Net))
        {
            if (tie)
            {
                lm_head.weight = wte.weight!;
            }

            RegisterComponents();
        }

        public override Tensor forward(Tensor tokens) => lm_head.call(proj.call(body.call(wte.call(tokens))));
    }

    /// <summary>A model with tensors large enough for block-wise int8 state (8,192 weights) next to small ones.</summary>
    [DecayGroups]
    public sealed partial class Wide : nn.Module<Tensor, Tensor>
    {
        private readonly Linear up = nn.Linear(64, 128);
        private readonly LayerNorm norm = nn.LayerNorm(128);
        private readonly Linear down = nn.Linear(128, 64);

        public Wide()
            : base(nameof(Wide)) => RegisterComponents();

        public override Tensor forward(Tensor input) => down.call(norm.call(up.call(input)));
    }

    /// <summary>A model whose one parameter is a strided view (every second column of a larger tensor).</summary>
    [DecayGroups]
    public sealed partial class Strided : nn.Module<Tensor, Tensor>
    {
        [Decay] private readonly Parameter weights = new(torch.randn(4, 6)[.., TensorIndex.Slice(0, 6, 2)]);

        public Strided()
            : base(nameof(Strided)) => RegisterComponents();

        public override Tensor forward(Tensor input) => input * weights;
    }
}

namespace WdGen.TorchSharp.Tests.Models
{
    /// <summary>Net's layers under other names: the same shapes and count, another decay-group fingerprint.</summary>
    [DecayGroups]
    public sealed partial class RenamedNet : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding tokens = nn.Embedding(7, 5);
        private readonly Sequential layers = nn.Sequential(nn.Linear(5, 9), nn.LayerNorm(9), nn.Linear(9, 5));
        [Decay(0.5)] private readonly Linear projection = nn.Linear(5, 5);
        [NoDecay] private readonly Linear head = nn.Linear(5, 7, hasBias: false);

        public RenamedNet()
            : base(nameof(RenamedNet)) => RegisterComponents();

        public override Tensor forward(Tensor input) => head.call(projection.call(layers.call(tokens.call(input))));
    }
}

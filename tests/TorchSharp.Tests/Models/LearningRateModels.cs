using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.TorchSharp.Tests.Models
{
    /// <summary>
    /// A pretrained part trained ten times slower: <c>[LearningRate(0.1)]</c> on a Sequential (decaying weights, biases
    /// and a LayerNorm inside) and, with <c>[NoDecay]</c>, on an adapter; four groups (decay, lr) = (1, 0.1), (1, 1),
    /// (0, 1), (0, 0.1).
    /// </summary>
    [DecayGroups]
    public sealed partial class FineTuned : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding wte = nn.Embedding(7, 5);
        [LearningRate(0.1)] private readonly Sequential backbone = nn.Sequential(nn.Linear(5, 9), nn.LayerNorm(9), nn.Linear(9, 5));
        [NoDecay, LearningRate(0.1)] private readonly Linear adapter = nn.Linear(5, 5);
        private readonly Linear head = nn.Linear(5, 7);

        public FineTuned()
            : base(nameof(FineTuned)) => RegisterComponents();

        public override Tensor forward(Tensor tokens) => head.call(adapter.call(backbone.call(wte.call(tokens))));
    }

    /// <summary>One transformer-like block: its own plan, with a Sequential inside (not the layer stack: the outer ModuleList is).</summary>
    [DecayGroups]
    public sealed partial class LayeredBlock : nn.Module<Tensor, Tensor>
    {
        private readonly LayerNorm ln = nn.LayerNorm(4);
        private readonly Sequential mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4));

        public LayeredBlock()
            : base(nameof(LayeredBlock)) => RegisterComponents();

        public override Tensor forward(Tensor x) => x + mlp.call(ln.call(x));
    }

    /// <summary>Embeddings, a ModuleList of three blocks, a final norm and a head: the layout layer-wise decay numbers.</summary>
    [DecayGroups]
    public sealed partial class Layered : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding embed = nn.Embedding(7, 4);
        private readonly Parameter position = new(torch.zeros(3, 4));
        private readonly ModuleList<LayeredBlock> blocks = nn.ModuleList(new LayeredBlock(), new LayeredBlock(), new LayeredBlock());
        private readonly LayerNorm norm = nn.LayerNorm(4);
        private readonly Linear head = nn.Linear(4, 7);

        public Layered()
            : base(nameof(Layered)) => RegisterComponents();

        public override Tensor forward(Tensor tokens)
        {
            var x = embed.call(tokens) + position;
            foreach (var block in blocks)
            {
                x = block.call(x);
            }

            return head.call(norm.call(x));
        }
    }
}

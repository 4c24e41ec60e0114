using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Benchmarks
{
    /// <summary>
    /// The small model of issue 16's "every regime at the limit": 26 tensors, 2,592 parameters (an embedding, six
    /// LayerNorm + Linear blocks, an untied head), compiled with WdGen's generator like a user's model. Its shapes are
    /// also <see cref="ParameterSet.SmallModel"/>, so the pointer-level rows and PyTorch see the same tensors.
    /// </summary>
    [DecayGroups]
    public sealed partial class SmallModel : nn.Module<Tensor, Tensor>
    {
        public const int Vocab = ParameterSet.SmallVocab;
        public const int Width = ParameterSet.SmallWidth;
        public const int Blocks = ParameterSet.SmallBlocks;

        private readonly Embedding wte = nn.Embedding(Vocab, Width);
        private readonly ModuleList<nn.Module<Tensor, Tensor>> blocks = new();
        private readonly Linear head = nn.Linear(Width, Vocab, hasBias: false);

        public SmallModel()
            : base(nameof(SmallModel))
        {
            for (var i = 0; i < Blocks; i++)
            {
                blocks.Add(nn.Sequential(nn.LayerNorm(Width), nn.Linear(Width, Width)));
            }

            RegisterComponents();
        }

        public override Tensor forward(Tensor tokens)
        {
            using var scope = NewDisposeScope();
            var x = wte.call(tokens);
            foreach (var block in blocks)
            {
                x = x + nn.functional.gelu(block.call(x));
            }

            return head.call(x).MoveToOuterDisposeScope();
        }
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Samples.Misuse
{
    /// <summary>A language model whose output head shares the embedding's weight.</summary>
    public sealed class TiedLm : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding tok;
        private readonly Linear head;

        public TiedLm()
            : base(nameof(TiedLm))
        {
            tok = nn.Embedding(10, 4);
            head = nn.Linear(4, 10, hasBias: false);
            head.weight = tok.weight!;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => head.call(tok.call(x));
    }

    /// <summary>WDG011: TorchSharp lists the tied tensor twice; the optimizer updates it twice per step.</summary>
    public static class Wdg011TiedWeights
    {
        public static torch.optim.Optimizer Build(TiedLm lm)
            => torch.optim.AdamW(lm.parameters(), lr: 1e-3, weight_decay: 0); // expect: WDG011
    }
}

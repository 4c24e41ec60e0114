using System.Linq;
using TorchSharp;

namespace WdGen.Samples.Misuse
{
    /// <summary>WDG003: a LINQ query as the parameters, re-run on every step() and zero_grad().</summary>
    public static class Wdg003LazyQuery
    {
        public static torch.optim.Optimizer Build(Net model)
            => torch.optim.AdamW(model.parameters().Where(p => p.requires_grad), lr: 1e-3, weight_decay: 0.01); // expect: WDG003
    }
}

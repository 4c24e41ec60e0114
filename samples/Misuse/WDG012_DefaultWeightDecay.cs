using TorchSharp;

namespace WdGen.Samples.Misuse
{
    /// <summary>
    /// WDG012: AdamW without weight_decay, as code ported from PyTorch writes it. PyTorch's AdamW would decay by 0.01;
    /// TorchSharp's default is 0, so nothing decays.
    /// </summary>
    public static class Wdg012DefaultWeightDecay
    {
        public static torch.optim.Optimizer Build(WeightsOnly model)
            => torch.optim.AdamW(model.parameters(), lr: 3e-4); // expect: WDG012
    }
}

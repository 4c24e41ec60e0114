using TorchSharp;

namespace WdGen.Samples.Misuse
{
    /// <summary>WDG002: every parameter (biases and LayerNorm included) gets weight decay.</summary>
    public static class Wdg002DecayOnBiasAndNorm
    {
        public static torch.optim.Optimizer Build(Net model)
            => torch.optim.AdamW(model.parameters(), lr: 3e-4, weight_decay: 0.1); // expect: WDG002
    }
}

using TorchSharp;

namespace WdGen.Samples.Misuse
{
    /// <summary>WDG014: clip_grad_norm_ over the parameters of a model with a tied weight counts the tied gradient twice.</summary>
    public static class Wdg014TiedGradientClipping
    {
        public static double Clip(TiedLm lm)
            => torch.nn.utils.clip_grad_norm_(lm.parameters(), max_norm: 1.0); // expect: WDG014
    }
}

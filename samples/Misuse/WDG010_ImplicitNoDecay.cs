using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Samples.Misuse
{
    /// <summary>
    /// WDG010: a custom norm module (TorchSharp has no RMSNorm) without [LayerRole]: WdGen does not decay it, but the
    /// code does not say so. The fix is [LayerRole(ParameterRole.Norm)] on the class.
    /// </summary>
    public sealed class Wdg010RmsNorm : nn.Module<Tensor, Tensor> // expect: WDG010
    {
        private readonly Parameter weight = nn.Parameter(torch.ones(4)); // expect: WDG010

        public Wdg010RmsNorm()
            : base(nameof(Wdg010RmsNorm))
            => RegisterComponents();

        public override Tensor forward(Tensor x) => x * weight;
    }
}

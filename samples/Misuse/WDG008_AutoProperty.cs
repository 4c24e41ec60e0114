using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Samples.Misuse
{
    /// <summary>WDG008: a module in an auto-property registers as "&lt;Head&gt;k__BackingField".</summary>
    public sealed class Wdg008AutoProperty : nn.Module<Tensor, Tensor>
    {
        public Wdg008AutoProperty()
            : base(nameof(Wdg008AutoProperty))
            => RegisterComponents();

        public Linear Head { get; } = nn.Linear(8, 2); // expect: WDG008

        public override Tensor forward(Tensor x) => Head.call(x);
    }
}

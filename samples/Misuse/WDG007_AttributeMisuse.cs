using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Samples.Misuse
{
    /// <summary>
    /// WDG007: [DecayGroups] on a class that is not partial: the generator cannot add its walk (so no GetDecayGroups()), so the
    /// attribute would do nothing. An error by default; this sample's .editorconfig lowers it to a warning.
    /// </summary>
    [DecayGroups]
    public sealed class Wdg007NotPartial : nn.Module<Tensor, Tensor> // expect: WDG007
    {
        private readonly Linear fc;

        public Wdg007NotPartial()
            : base(nameof(Wdg007NotPartial))
        {
            fc = nn.Linear(4, 4);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => fc.call(x);
    }
}

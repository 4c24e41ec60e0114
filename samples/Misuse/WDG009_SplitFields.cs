using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Samples.Misuse
{
    /// <summary>
    /// WDG009: parameter-bearing fields in two files (this one and WDG009_SplitFields.Head.cs): registration order
    /// then depends on the order the compiler saw the files.
    /// </summary>
    public sealed partial class Wdg009SplitFields : nn.Module<Tensor, Tensor> // expect: WDG009
    {
        private readonly Linear body = nn.Linear(4, 4);

        public Wdg009SplitFields()
            : base(nameof(Wdg009SplitFields))
            => RegisterComponents();

        public override Tensor forward(Tensor x) => head.call(body.call(x));
    }
}

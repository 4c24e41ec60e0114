using TorchSharp;
using TorchSharp.Modules;

namespace WdGen.Samples.Misuse
{
    /// <summary>The second half of <see cref="Wdg009SplitFields"/>.</summary>
    public sealed partial class Wdg009SplitFields
    {
        private readonly Linear head = torch.nn.Linear(4, 2);
    }
}

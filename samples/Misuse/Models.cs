using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Samples.Misuse
{
    /// <summary>A plain model without WdGen: two Linear layers around a LayerNorm.</summary>
    public sealed class Net : nn.Module<Tensor, Tensor>
    {
        public readonly Linear fc1;
        public readonly LayerNorm norm;
        public readonly Linear fc2;

        public Net()
            : base(nameof(Net))
        {
            fc1 = nn.Linear(4, 4);
            norm = nn.LayerNorm(4);
            fc2 = nn.Linear(4, 2);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => fc2.call(norm.call(fc1.call(x)));
    }

    /// <summary>The same model with WdGen's generated decay groups: what the fixes lead to.</summary>
    [DecayGroups]
    public sealed partial class GroupedNet : nn.Module<Tensor, Tensor>
    {
        public readonly Linear fc1;
        public readonly LayerNorm norm;
        public readonly Linear fc2;

        public GroupedNet()
            : base(nameof(GroupedNet))
        {
            fc1 = nn.Linear(4, 4);
            norm = nn.LayerNorm(4);
            fc2 = nn.Linear(4, 2);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => fc2.call(norm.call(fc1.call(x)));
    }
}

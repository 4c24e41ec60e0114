using TorchSharp;
using TorchSharp.Modules;
using WdGen;
using static TorchSharp.torch;

namespace Odd.Records
{
    // Not legal C#: a record can only derive from object or another record (CS8864), so a record cannot be a
    // TorchSharp module. The generator and analyzers must still not crash on it.
    [DecayGroups]
    public sealed partial record class RecordModel : nn.Module<Tensor, Tensor>
    {
        [Decay(0.5)] private readonly Linear fc = nn.Linear(2, 2);

        public RecordModel()
            : base(nameof(RecordModel))
        {
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input;
    }
}

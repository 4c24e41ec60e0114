using TorchSharp;
using TorchSharp.Modules;
using WdGen;
using static TorchSharp.torch;

namespace Odd.Records
{
    /// <summary>Legal records next to modules: a record holding a module, and a model holding a record.</summary>
    public sealed record class Head(Linear Projection, double Scale);

    public readonly record struct Shape(int Width, int Depth);

    [DecayGroups]
    public sealed partial class WithRecords : nn.Module<Tensor, Tensor>
    {
        private readonly Head head;     // a record is not a module: TorchSharp does not register what it holds
        private readonly Shape shape;
        private readonly Linear fc;

        public WithRecords()
            : base(nameof(WithRecords))
        {
            shape = new Shape(2, 1);
            head = new Head(nn.Linear(2, 2), 1.0);
            fc = nn.Linear(shape.Width, shape.Width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input;

        public static object Create() => new WithRecords();
    }
}

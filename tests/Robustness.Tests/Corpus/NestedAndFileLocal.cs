using TorchSharp;
using TorchSharp.Modules;
using WdGen;
using static TorchSharp.torch;

namespace Odd.Nested
{
    /// <summary>Models nested in a static class, two levels deep, and a file-local model (which the generator cannot extend).</summary>
    public static partial class Zoo
    {
        [DecayGroups]
        public sealed partial class Inner : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc;
            private readonly Embedding emb;

            public Inner()
                : base(nameof(Inner))
            {
                fc = nn.Linear(2, 2);
                emb = nn.Embedding(4, 2);
                RegisterComponents();
            }

            public override Tensor forward(Tensor input) => input;
        }

        internal partial class Middle
        {
            [DecayGroups]
            internal sealed partial class Deep : nn.Module<Tensor, Tensor>
            {
                private readonly Inner child;
                [NoDecay] private readonly Linear frozenHead;

                public Deep()
                    : base(nameof(Deep))
                {
                    child = new Inner();
                    frozenHead = nn.Linear(2, 1);
                    RegisterComponents();
                }

                public override Tensor forward(Tensor input) => input;
            }
        }

        public static object CreateDeep() => new Middle.Deep();

        public static object CreateHidden() => new Hidden();
    }

    /// <summary>File-local: generated code lives in another file, so the generator leaves it alone.</summary>
    [DecayGroups]
    file sealed partial class Hidden : nn.Module<Tensor, Tensor>
    {
        [NoDecay] private readonly Linear fc;

        public Hidden()
            : base(nameof(Hidden))
        {
            fc = nn.Linear(2, 2);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input;
    }

    file static class FileHelper
    {
        public static int Width => 2;
    }
}

using Groups = WdGen.DecayGroupsAttribute;
using Lin = TorchSharp.Modules.Linear;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;
using NoWD = WdGen.NoDecayAttribute;
using Tensor = TorchSharp.torch.Tensor;
using WD = WdGen.DecayAttribute;
using static TorchSharp.torch;

namespace Odd.Aliases
{
    /// <summary>WdGen's attributes (and TorchSharp's types) used through using aliases and full names.</summary>
    [Groups]
    public sealed partial class Aliased : Module
    {
        [WD(0.5)] private readonly Lin a;
        [NoWD] private readonly Lin b;
        [WdGen.Decay(2, IncludeBiases = false)] private readonly Lin c;
        [global::WdGen.NoDecayAttribute] private readonly TorchSharp.Modules.Parameter p;
        [WD] private readonly TorchSharp.Modules.Parameter q;

        public Aliased()
            : base(nameof(Aliased))
        {
            a = nn.Linear(2, 2);
            b = nn.Linear(2, 2);
            c = nn.Linear(2, 2);
            p = nn.Parameter(ones(2));
            q = nn.Parameter(ones(2));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input;

        public static object Create() => new Aliased();
    }

    /// <summary>No [DecayGroups]: an aliased member attribute alone makes it a model.</summary>
    public sealed partial class AliasOnly : Module
    {
        [WD(3)] private readonly Lin fc;

        public AliasOnly()
            : base(nameof(AliasOnly))
        {
            fc = nn.Linear(2, 2);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input;

        public static object Create() => new AliasOnly();
    }
}

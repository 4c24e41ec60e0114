using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using WdGen;
using static TorchSharp.torch;

namespace Odd.Arrays
{
    /// <summary>
    /// Modules held in an array and a List: TorchSharp's RegisterComponents() does not register them (only fields of
    /// module, Parameter or Tensor type), so named_parameters() and every optimizer miss them; ModuleList is the way.
    /// </summary>
    [DecayGroups]
    public sealed partial class Stacked : nn.Module<Tensor, Tensor>
    {
        private readonly Linear[] layers;
        private readonly List<Linear> extra;
        private readonly Parameter[] scales;
        private readonly ModuleList<Linear> registered;
        private readonly Linear head;

        public Stacked()
            : base(nameof(Stacked))
        {
            layers = new[] { nn.Linear(2, 2), nn.Linear(2, 2) };
            extra = new List<Linear> { nn.Linear(2, 2) };
            scales = new[] { nn.Parameter(torch.ones(2)) };
            registered = nn.ModuleList(nn.Linear(2, 2));
            head = nn.Linear(2, 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input;

        public static object Create() => new Stacked();
    }
}

using TorchSharp;
using TorchSharp.Modules;
using WdGen;
using static TorchSharp.torch;

namespace Odd.@event
{
    /// <summary>Verbatim identifiers: a namespace, a class and fields named after C# keywords.</summary>
    [DecayGroups]
    public sealed partial class @class : nn.Module<Tensor, Tensor>
    {
        private readonly Linear @int;
        [NoDecay] private readonly Linear @this;
        [Decay(0.5)] private readonly Parameter @base;

        public @class()
            : base("class")
        {
            @int = nn.Linear(2, 2);
            @this = nn.Linear(2, 2);
            @base = nn.Parameter(torch.ones(2));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input;

        public static object Create() => new @class();
    }
}

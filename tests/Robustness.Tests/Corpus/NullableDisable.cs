#nullable disable
using TorchSharp;
using TorchSharp.Modules;
using WdGen;
using static TorchSharp.torch;

namespace Odd.Legacy
{
    /// <summary>A file written before nullable reference types: oblivious fields, assigned late, a null check.</summary>
    [DecayGroups]
    public partial class Legacy : nn.Module<Tensor, Tensor>
    {
        private Linear fc;
        private LayerNorm norm;
        [Decay(0.25)] public Parameter scale;
        private string label;

        public Legacy()
            : base("Legacy")
        {
            Build();
            RegisterComponents();
        }

        private void Build()
        {
            fc = nn.Linear(2, 2);
            norm = nn.LayerNorm(2);
            scale = nn.Parameter(torch.ones(2));
            label = label ?? "legacy";
        }

        public override Tensor forward(Tensor input) => input;

        public static object Create() => new Legacy();
    }
}

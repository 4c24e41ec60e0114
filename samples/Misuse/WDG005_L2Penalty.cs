using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WdGen.Samples.Misuse
{
    /// <summary>A model of matmul weights only (its class says so with [LayerRole]), so weight decay on all of it is intended.</summary>
    [LayerRole(ParameterRole.Weight)]
    public sealed class WeightsOnly : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter w = nn.Parameter(torch.ones(4, 4));

        public WeightsOnly()
            : base(nameof(WeightsOnly))
            => RegisterComponents();

        public override Tensor forward(Tensor x) => x * w;
    }

    /// <summary>WDG005: Adam's weight_decay is an L2 penalty scaled by the adaptive step, not AdamW's decoupled decay.</summary>
    public static class Wdg005L2Penalty
    {
        public static torch.optim.Optimizer Build(WeightsOnly model)
            => torch.optim.Adam(model.parameters(), lr: 1e-3, weight_decay: 1e-4); // expect: WDG005
    }
}

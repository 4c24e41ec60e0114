using TorchSharp;
using TorchSharp.Modules;

namespace WdGen.Samples.Misuse
{
    /// <summary>WDG004: the convenience ParamGroup constructor sets lr = 1e-3, ignoring the optimizer's lr.</summary>
    public static class Wdg004ParamGroupLearningRate
    {
        public static torch.optim.Optimizer Build(Net model)
        {
            var weights = new AdamW.ParamGroup(new[] { model.fc1.weight, model.fc2.weight }, weight_decay: 0.1); // expect: WDG004
            var rest = new AdamW.ParamGroup(
                new[] { model.fc1.bias, model.norm.weight, model.norm.bias, model.fc2.bias },
                new AdamW.Options { weight_decay = 0 });
            return torch.optim.AdamW(new[] { weights, rest }, lr: 3e-4);
        }
    }
}

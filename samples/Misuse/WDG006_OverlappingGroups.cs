using TorchSharp;
using TorchSharp.Modules;

namespace WdGen.Samples.Misuse
{
    /// <summary>WDG006: fc1.weight in two groups (two states, two updates per step).</summary>
    public static class Wdg006OverlappingGroups
    {
        public static torch.optim.Optimizer Build(Net m)
            => torch.optim.AdamW(new[]
            {
                new AdamW.ParamGroup(new[] { m.fc1.weight, m.fc2.weight }, new AdamW.Options()),
                new AdamW.ParamGroup(
                    new[] { m.fc1.bias, m.fc2.bias, m.fc1.weight, m.norm.weight, m.norm.bias }, // expect: WDG006
                    new AdamW.Options { weight_decay = 0 }),
            }, weight_decay: 0.1);
    }
}

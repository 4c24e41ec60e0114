using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;

namespace WdGen.Samples.Misuse
{
    /// <summary>WDG001: a HashSet as an optimizer's parameters. Its order is not the model's, and optimizer state is positional.</summary>
    public static class Wdg001UnorderedCollection
    {
        public static torch.optim.Optimizer Build(Net model)
        {
            var decay = new HashSet<Parameter> { model.fc1.weight, model.fc2.weight };
            return torch.optim.AdamW(decay, lr: 1e-3, weight_decay: 0.01); // expect: WDG001
        }
    }
}

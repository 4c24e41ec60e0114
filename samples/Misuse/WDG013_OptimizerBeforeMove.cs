using TorchSharp;
using static TorchSharp.torch;

namespace WdGen.Samples.Misuse
{
    /// <summary>
    /// WDG013: the optimizer is built from the model's parameters, then model.to(device) replaces them: the optimizer
    /// holds stale ones and fails at its first step. Moving first is fine.
    /// </summary>
    public static class Wdg013OptimizerBeforeMove
    {
        public static torch.optim.Optimizer Build(GroupedNet model, Device device)
        {
            var optimizer = model.GetDecayGroups().ToAdamW(lr: 3e-4, weightDecay: 0.1); // expect: WDG013
            model.to(device);
            return optimizer;
        }

        public static torch.optim.Optimizer BuildAfterMoving(GroupedNet model, Device device)
        {
            model.to(device);
            return model.GetDecayGroups().ToAdamW(lr: 3e-4, weightDecay: 0.1);
        }
    }
}

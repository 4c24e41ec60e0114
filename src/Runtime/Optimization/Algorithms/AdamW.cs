namespace WdGen.Optimization.Algorithms
{
    /// <summary>
    /// AdamW (torch.optim.AdamW): decoupled weight decay, <c>p ← p·(1 − lr·wd·mask)</c>, then Adam's update. Its CPU and
    /// CUDA rules are <see cref="Adam"/>'s with the decoupled switch on; its state is Adam's.
    /// </summary>
    internal sealed class AdamW : Adam
    {
        public static new readonly AdamW Instance = new();

        private AdamW()
        {
        }

        public override FusedAlgorithm Kind => FusedAlgorithm.AdamW;

        public override string Name => "adamw";

        protected override bool Decoupled => true;
    }
}

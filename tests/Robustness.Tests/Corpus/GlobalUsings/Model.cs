namespace Odd.Global
{
    /// <summary>No using directives here: everything, including an alias of [Decay], comes from global usings in another file.</summary>
    [DecayGroups]
    public sealed partial class GlobalNet : nn.Module<Tensor, Tensor>
    {
        [Scaled(3)] private readonly Linear fc;
        private readonly LayerNorm norm;

        public GlobalNet()
            : base(nameof(GlobalNet))
        {
            fc = nn.Linear(2, 2);
            norm = nn.LayerNorm(2);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => input;

        public static object Create() => new GlobalNet();
    }
}

namespace WdGen.Generator.Tests.Infrastructure
{
    /// <summary>User model sources shared by snapshot, behaviour and incrementality tests.</summary>
    internal static class ModelSources
    {
        /// <summary>The example, completed into a model that constructs and registers its parts.</summary>
        public const string Gpt = """
            using TorchSharp;
            using TorchSharp.Modules;
            using WdGen;
            using static TorchSharp.torch;

            namespace Samples
            {
                [DecayGroups]
                public sealed partial class Gpt : nn.Module<Tensor, Tensor>
                {
                    private readonly Embedding wte;             // by policy: embeddings do not decay
                    private readonly ModuleList<Block> blocks;  // walked at run time, in index order
                    private readonly LayerNorm ln_f;            // norm: no decay
                    [NoDecay] private readonly Linear probe;    // nothing under this member decays
                    [Decay(0.5)] private readonly Linear head;  // its weights decay at 0.5 x the group's weight decay
                    private readonly Parameter temperature;     // raw parameter: no decay unless attributed

                    public Gpt(int vocabulary = 11, int width = 8, int depth = 2)
                        : base(nameof(Gpt))
                    {
                        wte = nn.Embedding(vocabulary, width);
                        var layers = new Block[depth];
                        for (var i = 0; i < depth; i++)
                        {
                            layers[i] = new Block(width);
                        }

                        blocks = nn.ModuleList(layers);
                        ln_f = nn.LayerNorm(width);
                        probe = nn.Linear(width, 2);
                        head = nn.Linear(width, vocabulary);
                        temperature = nn.Parameter(torch.ones(1));
                        RegisterComponents();
                    }

                    public override Tensor forward(Tensor input) => input;
                }

                public sealed class Block : nn.Module<Tensor, Tensor>
                {
                    private readonly RMSNorm norm;
                    private readonly Linear attn;
                    private readonly Sequential mlp;

                    public Block(int width)
                        : base(nameof(Block))
                    {
                        norm = new RMSNorm(width);
                        attn = nn.Linear(width, width);
                        mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width));
                        RegisterComponents();
                    }

                    public override Tensor forward(Tensor input) => input;
                }

                [LayerRole(ParameterRole.Norm)]
                public sealed class RMSNorm : nn.Module<Tensor, Tensor>
                {
                    private readonly Parameter weight;

                    public RMSNorm(int width)
                        : base(nameof(RMSNorm))
                    {
                        weight = nn.Parameter(torch.ones(width));
                        RegisterComponents();
                    }

                    public override Tensor forward(Tensor input) => input;
                }
            }
            """;
    }
}

namespace WdGen.Analyzers.Tests.Infrastructure
{
    /// <summary>Shared test models, written against the TorchSharp API fixture.</summary>
    internal static class Sources
    {
        public const string Usings = """
            using System.Collections.Generic;
            using System.Linq;
            using TorchSharp;
            using TorchSharp.Modules;
            using WdGen;
            using static TorchSharp.torch;

            """;

        /// <summary>A plain model (no WdGen attributes): two Linear layers around a LayerNorm.</summary>
        public const string Net = """
            public sealed class Net : nn.Module<Tensor, Tensor>
            {
                public readonly Linear fc1;
                public readonly LayerNorm norm;
                public readonly Linear fc2;

                public Net() : base("Net")
                {
                    fc1 = nn.Linear(4, 4);
                    norm = nn.LayerNorm(4);
                    fc2 = nn.Linear(4, 2);
                    RegisterComponents();
                }

                public override Tensor forward(Tensor x) => x;
            }

            """;

        /// <summary>The same model with generated groups.</summary>
        public const string GroupedNet = """
            [DecayGroups]
            public sealed partial class GroupedNet : nn.Module<Tensor, Tensor>
            {
                public readonly Linear fc1;
                public readonly LayerNorm norm;

                public GroupedNet() : base("GroupedNet")
                {
                    fc1 = nn.Linear(4, 4);
                    norm = nn.LayerNorm(4);
                    RegisterComponents();
                }

                public override Tensor forward(Tensor x) => x;
            }

            """;

        /// <summary>A model with weights only (no bias, norm or embedding), by its fields' types.</summary>
        public const string WeightsOnly = """
            public sealed class WeightsOnly : nn.Module<Tensor, Tensor>
            {
                private readonly Parameter w;

                public WeightsOnly() : base("WeightsOnly")
                {
                    w = nn.Parameter(torch.ones(4));
                    RegisterComponents();
                }

                public override Tensor forward(Tensor x) => x;
            }

            """;

        /// <summary>A language model whose head is tied to its embedding.</summary>
        public const string TiedLm = """
            public sealed class TiedLm : nn.Module<Tensor, Tensor>
            {
                private readonly Embedding tok;
                private readonly Linear head;

                public TiedLm() : base("TiedLm")
                {
                    tok = nn.Embedding(10, 4);
                    head = nn.Linear(4, 10, hasBias: false);
                    head.weight = tok.weight!;
                    RegisterComponents();
                }

                public override Tensor forward(Tensor x) => x;
            }

            """;

        public static string With(string body, params string[] models) => Usings + string.Concat(models) + body;
    }
}

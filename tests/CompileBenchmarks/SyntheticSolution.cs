using System.Collections.Generic;
using System.Text;

namespace WdGen.CompileBenchmarks
{
    /// <summary>
    /// A synthetic project: <c>models</c> [DecayGroups] model classes with 10 parameter-bearing fields each (Linear,
    /// LayerNorm, Embedding, Sequential, Parameter; some [Decay]/[NoDecay]) plus a training method per file, and
    /// <c>plains</c> plain classes, in <c>files</c> files: the first half of the files hold the models, the second
    /// half the plain classes.
    /// </summary>
    internal static class SyntheticSolution
    {
        public const string Usings = "using System.Collections.Generic;\nusing System.Linq;\nusing TorchSharp;\nusing TorchSharp.Modules;\nusing WdGen;\nusing static TorchSharp.torch;\n\n";

        public static List<(string Path, string Text)> Create(int models, int plains, int files)
        {
            var modelFiles = files / 2;
            var plainFiles = files - modelFiles;
            var result = new List<(string, string)>();
            for (var f = 0; f < modelFiles; f++)
            {
                var text = new StringBuilder(Usings).Append("namespace Synthetic.Models").Append(f).Append("\n{\n");
                var first = f * models / modelFiles;
                var last = (f + 1) * models / modelFiles;
                for (var i = first; i < last; i++)
                {
                    text.Append(Model(i));
                }

                text.Append("    public static class Training").Append(f).Append("\n    {\n");
                text.Append("        public static AdamW Create(Model").Append(first).Append(" model) => torch.optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.1);\n");
                text.Append("        public static AdamW Grouped(Model").Append(first).Append(" model) => torch.optim.AdamW(model.parameters().ToArray(), lr: 1e-3);\n");
                text.Append("    }\n}\n");
                result.Add(("Models" + f + ".cs", text.ToString()));
            }

            for (var f = 0; f < plainFiles; f++)
            {
                var text = new StringBuilder(Usings).Append("namespace Synthetic.Plain").Append(f).Append("\n{\n");
                for (var j = f * plains / plainFiles; j < (f + 1) * plains / plainFiles; j++)
                {
                    text.Append(Plain(j));
                }

                text.Append("}\n");
                result.Add(("Plain" + f + ".cs", text.ToString()));
            }

            return result;
        }

        public static string Model(int i)
            => $$"""
                [DecayGroups]
                public sealed partial class Model{{i}} : nn.Module<Tensor, Tensor>
                {
                    private readonly Embedding tokens;
                    private readonly Linear fc1;
                    private readonly LayerNorm norm1;
                    private readonly Linear fc2;
                    private readonly LayerNorm norm2;
                    private readonly Sequential mlp;
                    {{(i % 3 == 0 ? "[Decay(0.5)] " : string.Empty)}}private readonly Linear head;
                    [NoDecay] private readonly Linear probe;
                    [Decay] private readonly Parameter scale;
                    [NoDecay] private readonly Parameter temperature;

                    public Model{{i}}(int width = 8)
                        : base(nameof(Model{{i}}))
                    {
                        tokens = nn.Embedding(16, width);
                        fc1 = nn.Linear(width, width);
                        norm1 = nn.LayerNorm(width);
                        fc2 = nn.Linear(width, width);
                        norm2 = nn.LayerNorm(width);
                        mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width));
                        head = nn.Linear(width, {{2 + (i % 5)}});
                        probe = nn.Linear(width, 1);
                        scale = nn.Parameter(torch.ones(width));
                        temperature = nn.Parameter(torch.ones(1));
                        RegisterComponents();
                    }

                    public override Tensor forward(Tensor input)
                    {
                        var x = norm1.forward(fc1.forward(input));
                        x = norm2.forward(fc2.forward(x));
                        return head.forward(mlp.forward(x));
                    }
                }


                """;

        public static string Plain(int j)
            => $$"""
                public sealed class Plain{{j}}
                {
                    private readonly List<int> values = new();

                    public int Sum()
                    {
                        var total = 0;
                        foreach (var value in values)
                        {
                            total += value * {{j % 7 + 1}};
                        }

                        return total;
                    }

                    public string Describe(int k) => "Plain{{j}}:" + k + ":" + string.Join(",", values.Select(v => v + k));

                    public void Add(int value)
                    {
                        if (value > {{j}})
                        {
                            values.Add(value);
                        }
                        else
                        {
                            values.Insert(0, value);
                        }
                    }
                }


                """;
    }
}

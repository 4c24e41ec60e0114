using Xunit;
using static WdGen.Analyzers.Tests.Infrastructure.AnalyzerHarness;
using static WdGen.Analyzers.Tests.Infrastructure.Sources;

namespace WdGen.Analyzers.Tests
{
    /// <summary>
    /// The user questions behind the rules (shared/seeds), translated from PyTorch to TorchSharp: every WDG rule
    /// runs over each, and exactly the marked diagnostics appear.
    /// </summary>
    public sealed class SeedTests
    {
        private const string ResNetish = """
            public sealed class Block : nn.Module<Tensor, Tensor>
            {
                public readonly Conv2d conv1 = nn.Conv2d(3, 8, 3);
                public readonly BatchNorm2d bn1 = nn.BatchNorm2d(8);
                public readonly Sequential downsample = nn.Sequential(nn.Conv2d(8, 8, 1), nn.BatchNorm2d(8));
                public Block() : base("Block") => RegisterComponents();
                public override Tensor forward(Tensor x) => x;
            }

            """;

        [Fact]
        public void Seed_000_weight_decay_in_the_optimizer_call()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Block model, Parameter weights)
                    {
                        var sgd = torch.optim.SGD({|WDG002:model.parameters()|}, 1e-3, weight_decay: {|WDG005:1e-4|});
                        var adam = torch.optim.Adam({|WDG002:model.parameters()|}, lr: 1e-3, weight_decay: {|WDG005:1e-4|});
                        var single = torch.optim.SGD([weights], 0.1, weight_decay: {|WDG005:1|});
                        var none = torch.optim.SGD([weights], 0.1, weight_decay: 0);
                    }
                }
                """, ResNetish));
        }

        [Fact]
        public void Seed_001_module_walk_with_lists_and_the_convenience_group()
        {
            Verify(With("""
                public static class Train
                {
                    public static object Run(Net model)
                    {
                        var noDecay = new List<Parameter>();
                        var decay = new List<Parameter>();
                        foreach (var m in model.modules())
                        {
                            if (m is Linear lin) { decay.Add(lin.weight); noDecay.Add(lin.bias); }
                            else if (m is LayerNorm ln) { noDecay.Add(ln.weight); noDecay.Add(ln.bias); }
                        }

                        return torch.optim.AdamW(new[] { {|WDG004:new AdamW.ParamGroup(noDecay, weight_decay: 0)|}, new AdamW.ParamGroup(decay, new AdamW.Options()) }, weight_decay: 0.01);
                    }
                }
                """, Net));
        }

        [Fact]
        public void Seed_001_python_sets_are_unordered()
        {
            Verify(With("""
                public static class Train
                {
                    static HashSet<Parameter> WeightsOf(Linear l) => new HashSet<Parameter> { l.weight };

                    public static object Run(Net model)
                    {
                        var allParams = model.parameters().ToHashSet();
                        var wdParams = new HashSet<Parameter>();
                        foreach (var m in model.modules())
                        {
                            if (m is Linear l) wdParams.Add(l.weight);
                        }

                        var noWd = allParams.Except(wdParams);
                        var linears = new[] { model.fc1, model.fc2 };
                        torch.optim.SGD({|WDG001:linears.SelectMany(WeightsOf)|}, 0.1);
                        return torch.optim.AdamW(new[]
                        {
                            new AdamW.ParamGroup({|WDG001:noWd|}, new AdamW.Options { weight_decay = 0 }),
                            new AdamW.ParamGroup({|WDG001:wdParams|}, new AdamW.Options()),
                        }, weight_decay: 0.01);
                    }
                }
                """, Net));
        }

        [Fact]
        public void Seed_001_ordered_answers_are_clean()
        {
            Verify(With("""
                public static class Train
                {
                    public static (List<Parameter> Decay, List<Parameter> NoDecay) GetWdParams(Net model)
                    {
                        var decay = new List<Parameter>();
                        var noDecay = new List<Parameter>();
                        foreach (var (name, param) in model.named_parameters())
                        {
                            if (!param.requires_grad) continue;
                            if (name.Contains("weight") && !name.Contains("norm")) decay.Add(param); else noDecay.Add(param);
                        }

                        return (decay, noDecay);
                    }

                    public static void Run(Net model)
                    {
                        var allParams = model.parameters().ToArray();
                        var wdParams = new List<Parameter>();
                        foreach (var m in model.modules())
                        {
                            if (m is Linear l) wdParams.Add(l.weight);
                        }

                        var noWdParams = allParams.Where(p => !wdParams.Contains(p)).ToArray();
                        torch.optim.AdamW(new[] { new AdamW.ParamGroup(wdParams, new AdamW.Options()), new AdamW.ParamGroup(noWdParams, new AdamW.Options { weight_decay = 0 }) }, weight_decay: 0.01);
                        var (decay, noDecay) = GetWdParams(model);
                        torch.optim.AdamW(new[] { new AdamW.ParamGroup(decay, new AdamW.Options()), new AdamW.ParamGroup(noDecay, new AdamW.Options { weight_decay = 0 }) }, weight_decay: 0.01);
                    }
                }
                """, Net));
        }

        [Fact]
        public void Seed_003_slices_of_parameters_in_groups()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Net model)
                    {
                        torch.optim.Adam(new[]
                        {
                            {|WDG004:new Adam.ParamGroup({|WDG003:model.fc1.parameters().Take(1)|}, weight_decay: 0.01)|},
                            new Adam.ParamGroup(model.fc1.parameters().Skip(1).ToArray(), new Adam.Options { weight_decay = 0.02 }),
                        });
                    }
                }
                """, Net));
        }

        [Fact]
        public void Seed_002_custom_norm_without_a_role_and_the_generated_answer()
        {
            Verify(With("""
                public sealed class {|WDG010:LayerScaleNorm|} : nn.Module<Tensor, Tensor>
                {
                    private readonly Parameter {|WDG010:gain|} = nn.Parameter(torch.ones(4));
                    public LayerScaleNorm() : base("n") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }

                [DecayGroups]
                public sealed partial class Model : nn.Module<Tensor, Tensor>
                {
                    private readonly Linear fc = nn.Linear(4, 4);
                    private readonly LayerScaleNorm norm = new LayerScaleNorm();
                    public Model() : base("m") => RegisterComponents();
                    public override Tensor forward(Tensor x) => x;
                }

                public static class Train
                {
                    public static object Run(Model model) => model.GetDecayGroups().ToAdamW(1e-3, 0.01);
                }
                """));
        }
    }
}

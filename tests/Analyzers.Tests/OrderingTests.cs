using WdGen.Analyzers.Tests.Infrastructure;
using WdGen.CodeFixes;
using Xunit;
using static WdGen.Analyzers.Tests.Infrastructure.AnalyzerHarness;
using static WdGen.Analyzers.Tests.Infrastructure.Sources;

namespace WdGen.Analyzers.Tests
{
    /// <summary>WDG001: unordered collections handed to optimizers and groups.</summary>
    public sealed class OrderingTests
    {
        private static readonly string[] Only = { "WDG001", "WDG003" };

        [Theory]
        [InlineData("new HashSet<Parameter>(model.parameters())")]
        [InlineData("model.parameters().ToHashSet()")]
        [InlineData("new HashSet<Parameter>(model.parameters()).ToList()")]
        [InlineData("new HashSet<Parameter>(model.parameters()).Where(p => p.requires_grad)")]
        [InlineData("new Dictionary<string, Parameter>().Values")]
        [InlineData("new System.Collections.Concurrent.ConcurrentBag<Parameter>(model.parameters())")]
        [InlineData("System.Collections.Immutable.ImmutableHashSet.CreateRange(model.parameters())")]
        public void Unordered_sources_are_flagged(string expression)
        {
            Verify(With($$"""
                public static class Train
                {
                    public static object Run(Net model) => torch.optim.AdamW({|WDG001:{{expression}}|}, lr: 0.01);
                }
                """, Net), only: Only);
        }

        [Fact]
        public void Seed_set_difference_through_locals_is_flagged_in_every_overload_and_sink()
        {
            Verify(With("""
                public static class Train
                {
                    private static readonly HashSet<Parameter> Frozen = new HashSet<Parameter>();

                    public static void Run(Net model)
                    {
                        var all = new HashSet<Parameter>(model.parameters());
                        var wd = new HashSet<Parameter> { model.fc1.weight, model.fc2.weight };
                        all.ExceptWith(wd);
                        var noWd = all;
                        var named = new Dictionary<string, Parameter>();
                        torch.optim.AdamW({|WDG001:noWd|});
                        torch.optim.Adam({|WDG001:named.Values|});
                        torch.optim.SGD(learningRate: 0.1, parameters: {|WDG001:wd|});
                        new AdamW({|WDG001:Frozen|});
                        var g = new AdamW.ParamGroup({|WDG001:wd|}, new AdamW.Options());
                        var h = new AdamW.ParamGroup { Parameters = {|WDG001:wd|} };
                        var opt = torch.optim.AdamW(new[] { g, h });
                        opt.add_param_group(new AdamW.ParamGroup({|WDG001:[.. wd]|}, new AdamW.Options()));
                    }
                }
                """, Net), only: Only);
        }

        [Fact]
        public void Ordered_sources_from_the_seeds_are_not_flagged()
        {
            Verify(With("""
                public static class Train
                {
                    public static void Run(Net model, GroupedNet grouped)
                    {
                        var wd = new HashSet<Parameter> { model.fc1.weight, model.fc2.weight };
                        var decay = new List<Parameter>();
                        var noDecay = new List<Parameter>();
                        foreach (var (name, p) in model.named_parameters())
                        {
                            if (name.EndsWith("weight")) decay.Add(p); else noDecay.Add(p);
                        }

                        var all = model.parameters().ToArray();
                        var noWd = all.Where(p => !wd.Contains(p)).ToArray();
                        torch.optim.AdamW(model.parameters());
                        torch.optim.AdamW(model.named_parameters());
                        torch.optim.AdamW(all);
                        torch.optim.AdamW(noWd);
                        torch.optim.AdamW(model.parameters().Where(wd.Contains).ToArray());
                        torch.optim.AdamW(new[] { new AdamW.ParamGroup(decay, new AdamW.Options()), new AdamW.ParamGroup(noDecay, new AdamW.Options { weight_decay = 0 }) });
                        torch.optim.SGD([model.fc1.weight, model.fc1.bias], 0.1);
                        torch.optim.AdamW(model.parameters().OrderBy(p => p.numel()).ToList());
                        grouped.GetDecayGroups().ToAdamW(1e-3, 0.01);
                    }
                }
                """, Net, GroupedNet), only: Only);
        }

        [Fact]
        public void Fix_keeps_the_models_order()
        {
            var fixedSource = VerifyFix(With("""
                public static class Train
                {
                    public static object Run(Net model)
                    {
                        var all = new HashSet<Parameter>(model.parameters());
                        return torch.optim.AdamW(all, lr: 0.01);
                    }
                }
                """, Net), "WDG001", new UnorderedParametersCodeFix());
            Assert.Contains("torch.optim.AdamW(model.parameters().Where(all.Contains).ToArray(), lr: 0.01)", fixedSource);
        }

        [Fact]
        public void Fix_all_keeps_the_models_order_everywhere()
        {
            var fixedSource = VerifyFix(With("""
                public static class Train
                {
                    public static void Run(Net model)
                    {
                        var all = new HashSet<Parameter>(model.parameters());
                        torch.optim.AdamW(all);
                        torch.optim.Adam(all);
                    }
                }
                """, Net), "WDG001", new UnorderedParametersCodeFix(), fixAll: true);
            Assert.Contains("torch.optim.Adam(model.parameters().Where(all.Contains).ToArray())", fixedSource);
        }

        [Fact]
        public void Fix_uses_the_generated_groups_when_the_model_has_them()
        {
            var fixedSource = VerifyFix(With("""
                public static class Train
                {
                    public static object Run(GroupedNet model)
                    {
                        var all = model.parameters().ToHashSet();
                        return torch.optim.AdamW(all, 0.01, weight_decay: 0.1);
                    }
                }
                """, GroupedNet), "WDG001", new UseGeneratedGroupsCodeFix());
            Assert.Contains("return model.GetDecayGroups().ToAdamW(0.01, 0.1);", fixedSource);
        }
    }
}

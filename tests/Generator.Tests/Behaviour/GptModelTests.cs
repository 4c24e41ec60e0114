using System.Linq;
using TorchSharp.Modules;
using WdGen.Generator.Tests.Infrastructure;
using Xunit;

namespace WdGen.Generator.Tests.Behaviour
{
    /// <summary>The issue's Gpt example, compiled with the generator and run against the TorchSharp fixture.</summary>
    public class GptModelTests
    {
        private static readonly UserAssembly Models = UserAssembly.Compile(ModelSources.Gpt);

        private static readonly string[] BlockNames =
        {
            "norm.weight", "attn.weight", "attn.bias", "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias",
        };

        [Fact]
        public void Entries_follow_declaration_order_and_container_index_order()
        {
            var groups = UserAssembly.Groups(Models.Create("Samples.Gpt", 11, 8, 2));

            var expected = new[] { "wte.weight" }
                .Concat(BlockNames.Select(n => "blocks.0." + n))
                .Concat(BlockNames.Select(n => "blocks.1." + n))
                .Concat(new[] { "ln_f.weight", "ln_f.bias", "probe.weight", "probe.bias", "head.weight", "head.bias", "temperature" });
            Assert.Equal(expected, groups.Entries.Select(e => e.Name));
        }

        [Fact]
        public void Only_matmul_weights_decay_and_head_decays_at_half_strength()
        {
            var groups = UserAssembly.Groups(Models.Create("Samples.Gpt", 11, 8, 2));

            Assert.Equal(
                new[]
                {
                    ("blocks.0.attn.weight", 1.0), ("blocks.0.mlp.0.weight", 1.0), ("blocks.0.mlp.2.weight", 1.0),
                    ("blocks.1.attn.weight", 1.0), ("blocks.1.mlp.0.weight", 1.0), ("blocks.1.mlp.2.weight", 1.0),
                    ("head.weight", 0.5),
                },
                groups.Decay.Select(e => (e.Name, e.Scale)));
            Assert.Equal(ParameterRole.Norm, groups["blocks.0.norm.weight"].Role);
            Assert.Equal("RMSNorm.weight: RMSNorm has [LayerRole(Norm)]: normalization parameters never decay by default", groups["blocks.0.norm.weight"].Reason);
            Assert.Equal("[NoDecay] on Gpt.probe", groups["probe.weight"].Reason);
            Assert.Equal(ParameterRole.Other, groups["temperature"].Role);
        }

        [Fact]
        public void Every_trainable_tensor_of_named_parameters_appears_exactly_once()
        {
            var model = (TorchSharp.torch.nn.Module)Models.Create("Samples.Gpt", 11, 8, 3);

            var groups = UserAssembly.Groups(model);

            var registered = model.named_parameters().Select(p => p.name).ToList();
            Assert.Equal(registered.OrderBy(n => n), groups.Entries.Select(e => e.Name).OrderBy(n => n));
            Assert.Equal(groups.Entries.Count, groups.Decay.Count + groups.NoDecay.Count);
        }

        [Fact]
        public void Repeated_calls_give_the_same_order_and_fingerprint()
        {
            var first = UserAssembly.Groups(Models.Create("Samples.Gpt", 11, 8, 2));
            var second = UserAssembly.Groups(Models.Create("Samples.Gpt", 11, 8, 2));

            Assert.Equal(first.Entries.Select(e => e.Name), second.Entries.Select(e => e.Name));
            Assert.Equal(first.Fingerprint, second.Fingerprint);
        }

        [Fact]
        public void Compile_time_plan_agrees_with_the_run_time_groups()
        {
            var plan = Models.Plan("Samples.Gpt");
            var groups = UserAssembly.Groups(Models.Create("Samples.Gpt", 11, 8, 2));

            Assert.Equal(new[] { "wte", "blocks", "ln_f", "probe", "head", "temperature" }, plan.Members.Select(m => m.Name));
            Assert.True(plan.Members.Single(m => m.Name == "blocks").ResolvedAtRunTime);
            var planned = plan.Members.SelectMany(m => m.Parameters).ToList();
            Assert.Equal(8, planned.Count);
            foreach (var parameter in planned)
            {
                var entry = groups[parameter.Name];
                Assert.Equal((parameter.Role, parameter.Scale, parameter.Reason), (entry.Role, entry.Scale, entry.Reason));
            }
        }

        [Fact]
        public void Plan_prints_as_a_table()
        {
            var table = Models.Plan("Samples.Gpt").ToString();

            Assert.StartsWith("Decay plan of Gpt (from its declared fields):\n", table);
            Assert.Matches(@"\nhead\.weight\s+Linear \[Decay\(0\.5\)\]\s+×0\.5\s+Linear\.weight is a matmul/conv weight; \[Decay\(0\.5\)\] on Gpt\.head\n", table);
            Assert.Matches(@"\nblocks\s+ModuleList<Block>\s+run time\s+container: walked at run time", table);
        }
    }
}

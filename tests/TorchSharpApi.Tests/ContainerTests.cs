using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace TorchSharpApi.Tests
{
    public class ContainerTests
    {
        [Fact]
        public void Sequential_names_children_by_index_or_given_name()
        {
            using var seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1, hasBias: false));
            Assert.Equal(new[] { "0.weight", "0.bias", "2.weight" }, seq.named_parameters().Select(p => p.name));
            Assert.Equal(new[] { "0", "1", "2" }, seq.named_children().Select(c => c.name));
            Assert.Empty(seq.named_parameters(recurse: false));
            Assert.Equal(3, seq.Count);

            using var named = nn.Sequential(("fc", nn.Linear(2, 2)), ("act", nn.GELU()));
            Assert.Equal(new[] { "fc.weight", "fc.bias" }, named.named_parameters().Select(p => p.name));
        }

        [Fact]
        public void ModuleList_registers_items_held_when_its_parent_registers_it()
        {
            var list = new ModuleList<Linear>(nn.Linear(2, 2), nn.Linear(2, 2, hasBias: false));
            using var parent = new Parent(list);
            list.Add(nn.Linear(2, 2));

            Assert.Equal(3, list.Count);
            Assert.Equal(new[] { "layers.0.weight", "layers.0.bias", "layers.1.weight" }, parent.named_parameters().Select(p => p.name));
        }

        [Fact]
        public void ModuleDict_registers_by_key_in_insertion_order()
        {
            var dict = nn.ModuleDict(("z", (nn.Module)nn.Linear(2, 2)), ("a", nn.LayerNorm(2)));
            using var parent = new Parent(dict);

            Assert.Equal(new[] { "z", "a" }, dict.Keys);
            Assert.Equal(new[] { "layers.z.weight", "layers.z.bias", "layers.a.weight", "layers.a.bias" }, parent.named_parameters().Select(p => p.name));
        }

        [Fact]
        public void ParameterList_and_ParameterDict_register_their_parameters()
        {
            var plist = nn.ParameterList(nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(3)));
            using var p1 = new Parent(plist);
            Assert.Equal(new[] { "layers.0", "layers.1" }, p1.named_parameters().Select(p => p.name));

            var pdict = nn.ParameterDict(("gamma", nn.Parameter(torch.ones(2))), ("beta", nn.Parameter(torch.zeros(2))));
            using var p2 = new Parent(pdict);
            Assert.Equal(new[] { "layers.gamma", "layers.beta" }, p2.named_parameters().Select(p => p.name));
        }

        private sealed class Parent : nn.Module<Tensor, Tensor>
        {
            public Parent(nn.Module layers) : base(nameof(Parent)) => register_module("layers", layers);

            public override Tensor forward(Tensor input) => throw new System.NotImplementedException();
        }
    }
}

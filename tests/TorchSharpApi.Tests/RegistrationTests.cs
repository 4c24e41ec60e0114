// Module fields below are read by RegisterComponents through reflection only.
#pragma warning disable CS0414

using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using Xunit;
using static TorchSharp.torch;

namespace TorchSharpApi.Tests
{
    public class RegistrationTests
    {
        private sealed class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Linear proj = nn.Linear(4, 3);
            private readonly LayerNorm norm = nn.LayerNorm(3);
            private readonly Parameter scale = nn.Parameter(torch.ones(3));
            private readonly Tensor running = torch.zeros(3);
            private readonly Linear missing = null;

            [ComponentName(Name = "renamed")]
            private readonly Linear _hidden = nn.Linear(2, 2, hasBias: false);

            public Block() : base(nameof(Block))
            {
                RegisterComponents();
                Late = nn.Linear(2, 2);
            }

            public Linear Late { get; }

            public bool MissingIsNull => missing is null;

            public override Tensor forward(Tensor input) => throw new NotImplementedException();
        }

        private sealed class WithAutoProperty : nn.Module<Tensor, Tensor>
        {
            public WithAutoProperty() : base(nameof(WithAutoProperty))
            {
                Head = nn.Linear(2, 2);
                RegisterComponents();
            }

            public Linear Head { get; }

            public override Tensor forward(Tensor input) => throw new NotImplementedException();
        }

        private class BaseModel : nn.Module<Tensor, Tensor>
        {
            protected readonly Linear first = nn.Linear(2, 2);

            protected BaseModel() : base(nameof(BaseModel))
            {
            }

            public override Tensor forward(Tensor input) => throw new NotImplementedException();
        }

        private sealed class DerivedModel : BaseModel
        {
            private readonly Linear second = nn.Linear(2, 2);

            public DerivedModel()
            {
                RegisterComponents();
            }
        }

        private sealed class Outer : nn.Module<Tensor, Tensor>
        {
            private readonly Inner inner = new Inner();
            private readonly Linear tail = nn.Linear(2, 2);

            public Outer() : base(nameof(Outer)) => RegisterComponents();

            public override Tensor forward(Tensor input) => throw new NotImplementedException();
        }

        /// <summary>Never calls RegisterComponents itself: registering it as a child does.</summary>
        private sealed class Inner : nn.Module<Tensor, Tensor>
        {
            private readonly Linear a = nn.Linear(2, 2);
            private readonly Sequential b = nn.Sequential(nn.Linear(2, 2), nn.ReLU());

            public Inner() : base(nameof(Inner))
            {
            }

            public override Tensor forward(Tensor input) => throw new NotImplementedException();
        }

        [Fact]
        public void Fields_register_in_declaration_order_by_runtime_value()
        {
            using var block = new Block();

            Assert.True(block.MissingIsNull);
            Assert.Equal(
                new[] { "scale", "proj.weight", "proj.bias", "norm.weight", "norm.bias", "renamed.weight" },
                block.named_parameters().Select(p => p.name));
            Assert.Equal(new[] { "running" }, block.named_buffers().Select(b => b.name));
            Assert.Equal(new[] { "proj", "norm", "renamed" }, block.named_children().Select(c => c.name));
            Assert.Equal(new[] { "scale" }, block.named_parameters(recurse: false).Select(p => p.name));
        }

        [Fact]
        public void Parts_assigned_after_RegisterComponents_are_not_registered()
        {
            using var block = new Block();

            Assert.NotNull(block.Late);
            Assert.DoesNotContain(block.named_children(), c => c.module == block.Late);
            Assert.DoesNotContain(block.named_parameters(), p => p.name.StartsWith("Late", StringComparison.Ordinal));
        }

        [Fact]
        public void Auto_property_registers_under_its_backing_field_name()
        {
            using var m = new WithAutoProperty();

            Assert.Equal(
                new[] { "<Head>k__BackingField.weight", "<Head>k__BackingField.bias" },
                m.named_parameters().Select(p => p.name));
        }

        [Fact]
        public void Derived_fields_register_before_base_fields()
        {
            using var m = new DerivedModel();

            Assert.Equal(new[] { "second", "first" }, m.named_children().Select(c => c.name));
        }

        [Fact]
        public void Registering_a_child_runs_its_RegisterComponents()
        {
            using var m = new Outer();

            Assert.Equal(
                new[] { "inner.a.weight", "inner.a.bias", "inner.b.0.weight", "inner.b.0.bias", "tail.weight", "tail.bias" },
                m.named_parameters().Select(p => p.name));
        }

        [Fact]
        public void Named_modules_omits_the_root_and_lists_children_before_grandchildren()
        {
            using var m = new Outer();

            Assert.Equal(
                new[] { "inner", "tail", "inner.a", "inner.b", "inner.b.0", "inner.b.1" },
                m.named_modules().Select(x => x.name));
        }

        [Fact]
        public void Named_parameters_returns_the_same_objects_every_call()
        {
            using var m = new Outer();

            var first = m.parameters().ToList();
            var second = m.parameters().ToList();
            Assert.Equal(first.Count, second.Count);
            Assert.All(first.Zip(second), pair => Assert.Same(pair.First, pair.Second));
        }

        [Fact]
        public void Named_parameters_drops_repeats_by_handle()
        {
            using var shared = nn.Parameter(torch.ones(2));
            using var parent = new Holder();
            parent.Add("a", shared);
            parent.AddChild("child", new Holder());
            ((Holder)parent.children().Single()).Add("again", shared);

            Assert.Equal(new[] { "a" }, parent.named_parameters().Select(p => p.name));
        }

        [Fact]
        public void Register_methods_reject_bad_input_like_TorchSharp()
        {
            using var m = new Holder();
            using var p = nn.Parameter(torch.ones(1));
            m.Add("p", p);

            Assert.Throws<InvalidOperationException>(() => m.Add("p", p));
            Assert.Throws<ArgumentNullException>(() => m.register_parameter("q", null));
            Assert.Throws<ArgumentException>(() => m.register_module("a.b", nn.ReLU()));
            Assert.Throws<ArgumentException>(() => m.register_module(string.Empty, nn.ReLU()));
        }

        private sealed class Holder : nn.Module
        {
            public Holder() : base(nameof(Holder))
            {
            }

            public void Add(string name, Parameter p) => register_parameter(name, p);

            public void AddChild(string name, nn.Module m) => register_module(name, m);
        }
    }
}

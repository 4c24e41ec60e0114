using System;
using System.IO;
using System.Linq;
using TorchSharp;
using WdGen.TorchSharp.Tests.Models;
using Xunit;
using static TorchSharp.torch;
using static WdGen.TorchSharp.Tests.Support;

namespace WdGen.TorchSharp.Tests.Optimizers
{
    /// <summary>
    /// What the fused optimizers cannot update in place is refused with the parameter's name and the way out, when the
    /// optimizer is built or at the step that meets it, before anything is updated.
    /// </summary>
    public sealed class RefusalTests
    {
        [Fact]
        public void A_strided_parameter_is_refused_when_the_optimizer_is_built()
        {
            var groups = new Strided().GetDecayGroups();
            Assert.False(groups["weights"].Parameter.is_contiguous());

            var error = Assert.Throws<NotSupportedException>(() => groups.ToFusedAdamW(0.1, 0.1));

            Assert.Contains("The parameter of 'weights' is not contiguous", error.Message);
        }

        [Fact]
        public void A_transposed_gradient_is_refused_at_the_step_and_nothing_is_updated()
        {
            var groups = new Net().GetDecayGroups();
            var optimizer = groups.ToFusedAdamW(0.1, 0.1);
            foreach (var entry in groups.Entries)
            {
                entry.Parameter.grad = torch.ones_like(entry.Parameter);
            }

            var weight = groups["proj.weight"].Parameter;
            weight.grad = torch.randn(weight.shape[1], weight.shape[0]).t(); // the right shape, column-major
            var before = Snapshot(groups);

            var error = Assert.Throws<NotSupportedException>(() => optimizer.step());

            Assert.Contains("The gradient of 'proj.weight' is not contiguous", error.Message);
            Assert.All(groups.Entries, e => Assert.Equal(before[e.Name], Values(e.Parameter)));
        }

        [Theory]
        [InlineData(ScalarType.Float64, "float64")]
        [InlineData(ScalarType.Float16, "float16")]
        public void A_model_in_another_floating_type_is_refused_when_the_optimizer_is_built(ScalarType type, string name)
        {
            var model = new Net();
            model.to(type);
            var groups = model.GetDecayGroups();

            var error = Assert.Throws<NotSupportedException>(() => groups.ToFusedAdamW(0.1, 0.1));

            Assert.Matches($"The parameter of '[^']+' is {name}; the fused optimizers update float32 or bfloat16 tensors", error.Message);
        }

        [Theory]
        [InlineData("float64")]
        [InlineData("meta")]
        public void A_model_moved_or_cast_after_the_optimizer_was_built_is_named_at_the_step(string target)
        {
            var model = new Net();
            var groups = model.GetDecayGroups();
            var optimizer = groups.ToFusedAdamW(0.1, 0.1);

            if (target == "meta")
            {
                model.to(torch.device("meta"));
            }
            else
            {
                model.to(ScalarType.Float64);
            }

            var error = Assert.ThrowsAny<Exception>(() => optimizer.step());

            Assert.True(error is NotSupportedException or InvalidOperationException, error.ToString());
            Assert.Matches("'(wte|body|proj|lm_head)[^']*'", error.Message);
            Assert.Contains("after", error.Message); // "… create the optimizer after moving/casting the model"
        }

        [Fact]
        public void Parameters_on_two_devices_are_refused_naming_one_of_each()
        {
            // A CPU build of TorchSharp has one real device; the meta device (shapes without data) stands in for another.
            var model = new Net();
            model.named_children().Last().module.to(torch.device("meta"));

            var error = Assert.Throws<ArgumentException>(() => model.GetDecayGroups().ToFusedAdamW(0.1, 0.1));

            Assert.Matches("'[^']+' is on cpu and 'lm_head.weight' is on meta", error.Message);
        }
    }
}

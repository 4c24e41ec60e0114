using System;
using System.Linq;
using TorchSharp;
using WdGen.TorchSharp.Tests.Models;
using Xunit;
using static TorchSharp.torch;
using static WdGen.TorchSharp.Tests.Support;

namespace WdGen.TorchSharp.Tests.Optimizers
{
    /// <summary>groups.ClipGradNorm: the total norm over unique tensors, as clip_grad_norm_ computes it on them.</summary>
    public sealed class GradientClippingTests
    {
        [Fact]
        public void A_tied_gradient_counts_once_where_clip_grad_norm_over_parameters_counts_it_twice()
        {
            var model = new Net(tie: true);
            var groups = model.GetDecayGroups();
            var twin = Twin(model, () => new Net(tie: true));
            var twinGroups = twin.GetDecayGroups();
            SetGradients(groups, twinGroups, 1);
            var expected = Math.Sqrt(groups.Entries.Sum(e => Math.Pow(e.Parameter.grad!.norm().item<float>(), 2)));
            Assert.Equal(groups.Entries.Count + 1, model.parameters().Count()); // TorchSharp lists the tied tensor twice

            var unique = groups.ClipGradNorm(0.5);
            var doubled = nn.utils.clip_grad_norm_(twin.parameters(), 0.5);

            Assert.Equal(expected, unique, 4);
            Assert.True(doubled > unique * 1.0001, $"clip_grad_norm_ over parameters(): {doubled}, over unique tensors: {unique}");
            var clipped = Math.Sqrt(groups.Entries.Sum(e => Math.Pow(e.Parameter.grad!.norm().item<float>(), 2)));
            Assert.Equal(0.5, clipped, 4);
        }

        [Fact]
        public void A_non_finite_gradient_is_named_and_nothing_is_clipped_when_asked()
        {
            var groups = new Net().GetDecayGroups();
            foreach (var entry in groups.Entries)
            {
                entry.Parameter.grad = torch.ones_like(entry.Parameter);
            }

            groups["proj.weight"].Parameter.grad![0, 0] = float.NaN;

            var error = Assert.Throws<InvalidOperationException>(() => groups.ClipGradNorm(1.0, errorIfNonFinite: true));

            Assert.Contains("'proj.weight'", error.Message);
            Assert.Equal(1f, groups["wte.weight"].Parameter.grad![0, 0].item<float>());
            Assert.True(double.IsNaN(groups.ClipGradNorm(1.0)));
        }
    }
}

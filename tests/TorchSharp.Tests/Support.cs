using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace WdGen.TorchSharp.Tests
{
    /// <summary>Identical models and gradients for comparing two optimizers from a common point.</summary>
    internal static class Support
    {
        /// <summary>A second model of the same type with the same parameter values (each instance is initialized at random).</summary>
        public static T Twin<T>(T model, Func<T> create)
            where T : nn.Module
        {
            var twin = create();
            using (torch.no_grad())
            {
                foreach (var ((_, target), (_, source)) in twin.named_parameters().Zip(model.named_parameters()))
                {
                    target.copy_(source);
                }
            }

            return twin;
        }

        /// <summary>
        /// The same standard-normal gradient for the same tensor of both models (a tied tensor once), drawn for
        /// <paramref name="step"/>; entries named in <paramref name="without"/> get none this step.
        /// </summary>
        public static void SetGradients(DecayGroups<Parameter> a, DecayGroups<Parameter> b, int step, params string[] without)
        {
            torch.manual_seed(1000 + step);
            foreach (var (x, y) in a.Entries.Zip(b.Entries))
            {
                var gradient = without.Contains(x.Name) ? null : torch.randn_like(x.Parameter);
                x.Parameter.grad = gradient;
                y.Parameter.grad = gradient?.clone();
            }
        }

        /// <summary>
        /// Steps <paramref name="a"/> (over <paramref name="groupsA"/>) and <paramref name="b"/> (over the twin's
        /// <paramref name="groupsB"/>) on the same gradients for steps <paramref name="from"/> to <paramref name="to"/>;
        /// with <paramref name="compare"/>, asserts after each step that every parameter is the same, bit for bit.
        /// </summary>
        public static void StepInTurn(DecayGroups<Parameter> groupsA, torch.optim.Optimizer a, DecayGroups<Parameter> groupsB, torch.optim.Optimizer b, int from, int to, bool compare)
        {
            for (var step = from; step <= to; step++)
            {
                SetGradients(groupsA, groupsB, step);
                a.step();
                b.step();
                if (compare)
                {
                    foreach (var (x, y) in groupsA.Entries.Zip(groupsB.Entries))
                    {
                        Assert.Equal(Values(x.Parameter), Values(y.Parameter));
                    }
                }
            }
        }

        /// <summary>Asserts that every tensor agrees to <paramref name="tolerance"/> relative to its largest element.</summary>
        public static void AssertClose(DecayGroups<Parameter> actual, DecayGroups<Parameter> expected, string when, double tolerance = 1e-6)
        {
            foreach (var (x, y) in actual.Entries.Zip(expected.Entries))
            {
                var difference = RelativeDifference(x.Parameter, y.Parameter);
                Assert.True(difference <= tolerance, $"{when}: '{x.Name}' differs by {difference:G3} relative to its largest element (tolerance {tolerance:G1}).");
            }
        }

        /// <summary>max |a − b| / max |b|.</summary>
        public static double RelativeDifference(Tensor a, Tensor b)
        {
            using var scope = torch.NewDisposeScope();
            var scale = Math.Max(b.detach().abs().max().item<float>(), 1e-30);
            return (a.detach() - b.detach()).abs().max().item<float>() / scale;
        }

        public static float[] Values(Tensor tensor) => tensor.detach().contiguous().data<float>().ToArray();

        public static Dictionary<string, float[]> Snapshot(DecayGroups<Parameter> groups)
            => groups.Entries.ToDictionary(e => e.Name, e => Values(e.Parameter));
    }
}

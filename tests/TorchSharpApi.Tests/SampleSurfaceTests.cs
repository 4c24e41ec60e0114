using System;
using System.IO;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace TorchSharpApi.Tests
{
    /// <summary>The surface added for samples/Gpt and samples/Vision: real views, arange and save/load; no heavy math.</summary>
    public class SampleSurfaceTests
    {
        [Fact]
        public void View_shares_the_elements_and_infers_one_dimension()
        {
            using var a = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
            using var v = a.view(3, -1);
            using var c = v.contiguous();

            Assert.Equal(new long[] { 3, 2 }, v.shape);
            v.fill_(7);
            Assert.Equal(42.0, a.sum().ToDouble());
            Assert.Equal(new long[] { 3, 2 }, c.shape);
            Assert.Throws<ArgumentException>(() => a.view(4, -1));
        }

        [Fact]
        public void Arange_counts_from_start_to_stop()
        {
            using var a = torch.arange(4);
            using var b = torch.arange(1.0, 2.0, 0.25);

            Assert.Equal(ScalarType.Int64, a.dtype);
            Assert.Equal(new long[] { 0, 1, 2, 3 }, a.data<long>().ToArray());
            Assert.Equal(ScalarType.Float32, b.dtype);
            Assert.Equal(new float[] { 1, 1.25f, 1.5f, 1.75f }, b.data<float>().ToArray());
        }

        [Fact]
        public void Save_and_load_round_trip_parameters_by_name()
        {
            var path = Path.Combine(Path.GetTempPath(), "fixture-module-" + Guid.NewGuid().ToString("N") + ".bin");
            try
            {
                using var source = nn.Linear(3, 2);
                using var target = nn.Linear(3, 2);
                source.save(path);
                target.load(path);

                Assert.Equal(source.weight.data<float>().ToArray(), target.weight.data<float>().ToArray());
                Assert.Equal(source.bias.data<float>().ToArray(), target.bias.data<float>().ToArray());
                using var other = nn.Linear(2, 2);
                Assert.Throws<ArgumentException>(() => other.load(path));
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void Math_and_autograd_the_fixture_does_not_compute_say_so()
        {
            using var a = torch.ones(2, 2);
            using var t = torch.tensor(new long[] { 0, 1 });

            Assert.Throws<NotImplementedException>(() => a.matmul(a));
            Assert.Throws<NotImplementedException>(() => a.transpose(0, 1));
            Assert.Throws<NotImplementedException>(() => a.mean(new long[] { -1 }, true));
            Assert.Throws<NotImplementedException>(() => a.backward());
            Assert.Throws<NotImplementedException>(() => nn.functional.cross_entropy(a, t));
            Assert.Throws<NotImplementedException>(() => nn.functional.softmax(a, -1));
        }
    }
}

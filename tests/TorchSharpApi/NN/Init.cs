// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using TorchSharp.Modules;

namespace TorchSharp
{
    /// <summary>Deterministic initial values for the fixture's built-in layers (drawn from torch's seeded generator).</summary>
    internal static class FixtureInit
    {
        internal static Parameter Uniform(long[] shape, double bound, torch.ScalarType? dtype)
        {
            using var t = torch.empty(shape, dtype ?? torch.get_default_dtype());
            var g = torch.DefaultGenerator;
            for (long i = 0; i < t.numel(); i++) t.fixture_set(i, g.NextUniform(-bound, bound));
            return new Parameter(t);
        }

        internal static Parameter Normal(long[] shape, double std, torch.ScalarType? dtype)
        {
            using var t = torch.empty(shape, dtype ?? torch.get_default_dtype());
            var g = torch.DefaultGenerator;
            for (long i = 0; i < t.numel(); i++) t.fixture_set(i, std * g.NextNormal());
            return new Parameter(t);
        }

        internal static Parameter Constant(long[] shape, double value, torch.ScalarType? dtype)
        {
            using var t = torch.empty(shape, dtype ?? torch.get_default_dtype());
            t.fill_(value);
            return new Parameter(t);
        }

        /// <summary>kaiming_uniform_(a = √5) as torch uses for Linear and Conv weights: bound 1/√fan_in.</summary>
        internal static Parameter KaimingWeight(long[] shape, long fanIn, torch.ScalarType? dtype)
            => Uniform(shape, fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0, dtype);

        internal static Parameter XavierUniform(long[] shape, torch.ScalarType? dtype)
        {
            var fanOut = shape[0];
            long fanIn = 1;
            for (var i = 1; i < shape.Length; i++) fanIn *= shape[i];
            return Uniform(shape, Math.Sqrt(6.0 / (fanIn + fanOut)), dtype);
        }

        internal static torch.Tensor Buffer(long[] shape, double value, torch.ScalarType dtype)
        {
            var t = torch.empty(shape, dtype);
            t.fill_(value);
            return t;
        }
    }
}

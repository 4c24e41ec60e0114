using System.Collections.Generic;

namespace WdGen.Runtime.Tests.Grouping
{
    /// <summary>A stand-in for a TorchSharp Parameter: a wrapper over a shared "storage" (two wrappers can share one).</summary>
    internal sealed class FakeParameter
    {
        public FakeParameter(FakeStorage storage, bool requiresGrad = true)
        {
            Storage = storage;
            RequiresGrad = requiresGrad;
        }

        public FakeStorage Storage { get; }

        public bool RequiresGrad { get; set; }

        public static FakeParameter New(long elements) => new(new FakeStorage(elements));

        /// <summary>A second wrapper over the same storage, as TorchSharp makes for a tied weight.</summary>
        public FakeParameter Tie() => new(Storage, RequiresGrad);
    }

    internal sealed class FakeStorage
    {
        private static long nextAddress = 0x1000;

        public FakeStorage(long elements)
        {
            Elements = elements;
            Address = (nint)nextAddress;
            nextAddress += 0x1000;
        }

        public long Elements { get; }

        public nint Address { get; }
    }

    internal sealed class FakeInspector : IParameterInspector<FakeParameter>
    {
        public static readonly FakeInspector Instance = new();

        public TensorIdentity Identify(FakeParameter parameter)
            => TensorIdentity.Of(parameter.Elements() == 0 ? 0 : parameter.Storage.Address, parameter.Elements(), 6, parameter);

        public bool RequiresGrad(FakeParameter parameter) => parameter.RequiresGrad;
    }

    internal static class FakeParameterExtensions
    {
        public static long Elements(this FakeParameter parameter) => parameter.Storage.Elements;

        public static List<(string Name, FakeParameter Parameter)> Registered(params (string, FakeParameter)[] items) => new(items);
    }
}

// Types whose metadata names match TorchSharp's, so the classifier's table lookup can be tested without TorchSharp.
namespace TorchSharp.Modules
{
    internal sealed class Linear
    {
    }

    internal sealed class LayerNorm
    {
    }

    internal sealed class Embedding
    {
    }

    internal sealed class MultiheadAttention
    {
    }

    internal sealed class ModuleList<T>
    {
    }
}

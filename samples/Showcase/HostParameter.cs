using System.Threading;

namespace WdGen.Showcase
{
    /// <summary>
    /// A parameter held in managed memory: what a TorchSharp Parameter is to generated code, without TorchSharp.
    /// A tied weight is a second wrapper over the same storage, exactly as TorchSharp lists it.
    /// </summary>
    internal sealed class HostParameter
    {
        private static long nextStorage;

        public HostParameter(string name, long elements)
        {
            Name = name;
            Elements = elements;
            StorageId = Interlocked.Increment(ref nextStorage);
        }

        private HostParameter(string name, HostParameter tiedTo)
        {
            Name = name;
            Elements = tiedTo.Elements;
            StorageId = tiedTo.StorageId;
        }

        public string Name { get; }

        public long Elements { get; }

        /// <summary>Stands in for the data pointer: equal for wrappers that share a tensor.</summary>
        public long StorageId { get; }

        public HostParameter Tie(string name) => new(name, this);

        /// <summary>Identity by storage, as WdGen's generated inspector identifies TorchSharp tensors by data pointer.</summary>
        public sealed class Inspector : IParameterInspector<HostParameter>
        {
            public static readonly Inspector Instance = new();

            public TensorIdentity Identify(HostParameter parameter)
                => TensorIdentity.Of((nint)parameter.StorageId, parameter.Elements, 6, parameter);

            public bool RequiresGrad(HostParameter parameter) => true;
        }
    }
}

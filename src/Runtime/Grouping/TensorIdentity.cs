using System;
using System.Runtime.CompilerServices;

namespace WdGen
{
    /// <summary>
    /// Which tensor a parameter holds, judged by its data rather than its wrapper: TorchSharp lists a tied
    /// tensor twice under two wrapper objects with two handles, so only the data pointer (with element count
    /// and element type) tells that they are one tensor. A tensor without data (no elements) cannot be tied;
    /// it is identified by its wrapper object instead.
    /// </summary>
    internal readonly struct TensorIdentity : IEquatable<TensorIdentity>
    {
        private readonly object? wrapper;

        private TensorIdentity(nint data, long elementCount, int elementType, object? wrapper)
        {
            Data = data;
            ElementCount = elementCount;
            ElementType = elementType;
            this.wrapper = wrapper;
        }

        /// <summary>The address of the tensor's first element (0 when it has none).</summary>
        public nint Data { get; }

        /// <summary>The number of elements.</summary>
        public long ElementCount { get; }

        /// <summary>The element type code (TorchSharp's ScalarType).</summary>
        public int ElementType { get; }

        /// <summary>Identifies a tensor by its data; <paramref name="wrapper"/> is used only when it has no data.</summary>
        public static TensorIdentity Of(nint data, long elementCount, int elementType, object wrapper)
        {
            if (wrapper is null)
            {
                throw new ArgumentNullException(nameof(wrapper));
            }

            var hasData = data != 0 && elementCount > 0;
            return new TensorIdentity(data, elementCount, elementType, hasData ? null : wrapper);
        }

        /// <inheritdoc/>
        public bool Equals(TensorIdentity other)
            => Data == other.Data && ElementCount == other.ElementCount && ElementType == other.ElementType && ReferenceEquals(wrapper, other.wrapper);

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is TensorIdentity other && Equals(other);

        /// <inheritdoc/>
        public override int GetHashCode()
            => HashCode.Combine(Data, ElementCount, ElementType, wrapper is null ? 0 : RuntimeHelpers.GetHashCode(wrapper));
    }

    /// <summary>What the runtime needs to know about a parameter object it cannot otherwise read.</summary>
    /// <typeparam name="T">The parameter type (TorchSharp's <c>Parameter</c> in generated code).</typeparam>
    internal interface IParameterInspector<in T>
        where T : class
    {
        /// <summary>The tensor the parameter holds.</summary>
        TensorIdentity Identify(T parameter);

        /// <summary>Whether the parameter is trainable.</summary>
        bool RequiresGrad(T parameter);
    }
}

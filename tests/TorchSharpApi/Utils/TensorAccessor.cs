// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Collections;
using System.Collections.Generic;

namespace TorchSharp.Utils
{
    /// <summary>Reads and writes a CPU tensor's elements in place (returned by <c>Tensor.data&lt;T&gt;()</c>).</summary>
    public sealed class TensorAccessor<T> : IDisposable, IEnumerable<T> where T : unmanaged
    {
        private torch.Tensor tensor;

        internal TensorAccessor(torch.Tensor tensor)
        {
            this.tensor = tensor;
        }

        public long Count => tensor.numel();

        /// <summary>Element by flat index (one argument) or by one index per dimension.</summary>
        public T this[params long[] indices]
        {
            get => Read(Offset(indices));
            set => Write(Offset(indices), value);
        }

        public T[] ToArray()
        {
            var n = Count;
            var result = new T[n];
            for (long i = 0; i < n; i++) result[i] = Read(i);
            return result;
        }

        public IEnumerator<T> GetEnumerator()
        {
            var n = Count;
            for (long i = 0; i < n; i++) yield return Read(i);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public void Dispose()
        {
            tensor = null;
        }

        private long Offset(long[] indices)
        {
            var shape = tensor.shape;
            if (indices.Length == 1) return indices[0] < 0 ? indices[0] + Count : indices[0];
            if (indices.Length != shape.Length) throw new ArgumentException("One index per dimension, or a single flat index.");
            long offset = 0;
            for (var d = 0; d < shape.Length; d++)
            {
                var i = indices[d] < 0 ? indices[d] + shape[d] : indices[d];
                if (i < 0 || i >= shape[d]) throw new IndexOutOfRangeException();
                offset = offset * shape[d] + i;
            }

            return offset;
        }

        private unsafe T Read(long i)
        {
            if ((ulong)i >= (ulong)Count) throw new IndexOutOfRangeException();
            return ((T*)tensor.fixture_data_ptr)[i];
        }

        private unsafe void Write(long i, T value)
        {
            if ((ulong)i >= (ulong)Count) throw new IndexOutOfRangeException();
            ((T*)tensor.fixture_data_ptr)[i] = value;
        }
    }
}

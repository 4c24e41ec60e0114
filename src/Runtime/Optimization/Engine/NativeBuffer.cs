using System;
using System.Runtime.InteropServices;

namespace WdGen.Optimization.Engine
{
    /// <summary>
    /// A zero-initialised, 64-byte aligned float array in native memory (state tensors may exceed 2^31 elements), or
    /// a non-owning view of a slice of another buffer (an arena).
    /// </summary>
    internal sealed unsafe class NativeBuffer : IDisposable
    {
        private readonly bool _owned = true;
        private float* _data;

        public NativeBuffer(long length)
        {
            Length = length;
            var bytes = (nuint)Math.Max(1, length) * sizeof(float);
            _data = (float*)NativeMemory.AlignedAlloc(bytes, 64);
            NativeMemory.Clear(_data, bytes);
            GC.AddMemoryPressure((long)bytes);
        }

        private NativeBuffer(float* view, long length)
        {
            _data = view;
            Length = length;
            _owned = false;
        }

        ~NativeBuffer() => Free();

        /// <summary>A view of <paramref name="length"/> elements at <paramref name="offset"/>; the owner must outlive it.</summary>
        public NativeBuffer View(long offset, long length) => new(Pointer + offset, length);

        public long Length { get; }

        public float* Pointer => _data != null ? _data : throw new ObjectDisposedException(nameof(NativeBuffer));

        public Span<float> Slice(long offset, int length) => new(Pointer + offset, length);

        public void Dispose()
        {
            Free();
            GC.SuppressFinalize(this);
        }

        private void Free()
        {
            if (!_owned)
            {
                _data = null;
                return;
            }

            if (_data != null)
            {
                NativeMemory.AlignedFree(_data);
                _data = null;
                GC.RemoveMemoryPressure(Math.Max(1, Length) * sizeof(float));
            }
        }
    }
}

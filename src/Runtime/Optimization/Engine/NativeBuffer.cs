using System;
using System.Runtime.InteropServices;

namespace WdGen.Optimization.Engine
{
    /// <summary>
    /// A zero-initialised, 64-byte aligned float array in host memory (state tensors may exceed 2^31 elements): where a
    /// state file's buffers wait until the whole file has been read and checked.
    /// </summary>
    internal sealed unsafe class NativeBuffer : IDisposable
    {
        private float* _data;

        public NativeBuffer(long length)
        {
            Length = length;
            var bytes = (nuint)Math.Max(1, length) * sizeof(float);
            _data = (float*)NativeMemory.AlignedAlloc(bytes, 64);
            NativeMemory.Clear(_data, bytes);
            GC.AddMemoryPressure((long)bytes);
        }

        ~NativeBuffer() => Free();

        public long Length { get; }

        public float* Pointer => _data != null ? _data : throw new ObjectDisposedException(nameof(NativeBuffer));

        public void Dispose()
        {
            Free();
            GC.SuppressFinalize(this);
        }

        private void Free()
        {
            if (_data != null)
            {
                NativeMemory.AlignedFree(_data);
                _data = null;
                GC.RemoveMemoryPressure(Math.Max(1, Length) * sizeof(float));
            }
        }
    }
}

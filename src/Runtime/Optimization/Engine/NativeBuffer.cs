using System;
using System.Runtime.InteropServices;

namespace WdGen.Optimization.Engine
{
    /// <summary>
    /// Zero-initialised, 64-byte aligned host memory (state tensors may exceed 2^31 elements): where a state file's
    /// buffers wait, in their stored format, until the whole file has been read and checked.
    /// </summary>
    internal sealed unsafe class NativeBuffer : IDisposable
    {
        private byte* _data;

        public NativeBuffer(long bytes)
        {
            Bytes = bytes;
            var size = (nuint)Math.Max(1, bytes);
            _data = (byte*)NativeMemory.AlignedAlloc(size, 64);
            NativeMemory.Clear(_data, size);
            GC.AddMemoryPressure((long)size);
        }

        ~NativeBuffer() => Free();

        public long Bytes { get; }

        public byte* Pointer => _data != null ? _data : throw new ObjectDisposedException(nameof(NativeBuffer));

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
                GC.RemoveMemoryPressure(Math.Max(1, Bytes));
            }
        }
    }
}

// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace TorchSharp
{
    /// <summary>
    /// The native side of the fixture's tensors. Every Tensor wrapper owns one <see cref="TensorHeader"/> in
    /// native memory (its Handle); the C shim (libtorchsharp_shim.c, built as libLibTorchSharp.so) reads it.
    /// Wrappers of one <see cref="FixtureTensorImpl"/> (like two at::Tensor handles of one TensorImpl) share
    /// data, gradient and requires_grad; impls made by detach() share only the data block.
    /// </summary>
    internal static unsafe class FixtureNative
    {
        /// <summary>Mirrors <c>tensor_header</c> in libtorchsharp_shim.c, field for field.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct TensorHeader
        {
            public IntPtr data;
            public long numel;
            public int dtype;
            public int element_size;
            public int device_type;
            public int is_contiguous;
            public IntPtr grad_handle;
            public int owned_by_shim;
            public int reserved;
        }

        internal static IntPtr AllocHeader() => (IntPtr)NativeMemory.AllocZeroed((nuint)sizeof(TensorHeader));

        internal static void FreeHeader(IntPtr header) => NativeMemory.Free((void*)header);

        internal static TensorHeader* Header(IntPtr handle) => (TensorHeader*)handle;

        internal static int ElementSize(torch.ScalarType dtype) => dtype switch
        {
            torch.ScalarType.Byte => 1,
            torch.ScalarType.Int8 => 1,
            torch.ScalarType.Bool => 1,
            torch.ScalarType.Int16 => 2,
            torch.ScalarType.Float16 => 2,
            torch.ScalarType.BFloat16 => 2,
            torch.ScalarType.Int32 => 4,
            torch.ScalarType.Float32 => 4,
            torch.ScalarType.Int64 => 8,
            torch.ScalarType.Float64 => 8,
            _ => throw new NotSupportedException($"The TorchSharp fixture does not support {dtype} tensors."),
        };

        internal static bool IsFloating(torch.ScalarType dtype)
            => dtype == torch.ScalarType.Float32 || dtype == torch.ScalarType.Float64 || dtype == torch.ScalarType.Float16 || dtype == torch.ScalarType.BFloat16;
    }

    /// <summary>A reference-counted block of native memory holding a tensor's elements.</summary>
    internal sealed unsafe class FixtureStorage
    {
        private int refs;

        internal FixtureStorage(long numel, torch.ScalarType dtype)
        {
            if (numel < 0) throw new ArgumentOutOfRangeException(nameof(numel));
            Numel = numel;
            DType = dtype;
            ElementSize = FixtureNative.ElementSize(dtype);
            Data = numel == 0 ? IntPtr.Zero : (IntPtr)NativeMemory.AllocZeroed((nuint)(numel * ElementSize));
        }

        internal IntPtr Data { get; private set; }
        internal long Numel { get; }
        internal torch.ScalarType DType { get; }
        internal int ElementSize { get; }

        internal void AddRef() => System.Threading.Interlocked.Increment(ref refs);

        internal void Release()
        {
            if (System.Threading.Interlocked.Decrement(ref refs) == 0 && Data != IntPtr.Zero)
            {
                NativeMemory.Free((void*)Data);
                Data = IntPtr.Zero;
            }
        }

        internal double Get(long i)
        {
            if ((ulong)i >= (ulong)Numel) throw new IndexOutOfRangeException();
            var p = (byte*)Data + i * ElementSize;
            return DType switch
            {
                torch.ScalarType.Float32 => *(float*)p,
                torch.ScalarType.Float64 => *(double*)p,
                torch.ScalarType.Int64 => *(long*)p,
                torch.ScalarType.Int32 => *(int*)p,
                torch.ScalarType.Int16 => *(short*)p,
                torch.ScalarType.Int8 => *(sbyte*)p,
                torch.ScalarType.Byte => *p,
                torch.ScalarType.Bool => *p != 0 ? 1.0 : 0.0,
                torch.ScalarType.Float16 => (double)*(Half*)p,
                _ => throw new NotSupportedException($"The TorchSharp fixture cannot read {DType} elements."),
            };
        }

        internal void Set(long i, double value)
        {
            if ((ulong)i >= (ulong)Numel) throw new IndexOutOfRangeException();
            var p = (byte*)Data + i * ElementSize;
            switch (DType)
            {
                case torch.ScalarType.Float32: *(float*)p = (float)value; break;
                case torch.ScalarType.Float64: *(double*)p = value; break;
                case torch.ScalarType.Int64: *(long*)p = (long)value; break;
                case torch.ScalarType.Int32: *(int*)p = (int)value; break;
                case torch.ScalarType.Int16: *(short*)p = (short)value; break;
                case torch.ScalarType.Int8: *(sbyte*)p = (sbyte)value; break;
                case torch.ScalarType.Byte: *p = (byte)value; break;
                case torch.ScalarType.Bool: *p = value != 0 ? (byte)1 : (byte)0; break;
                case torch.ScalarType.Float16: *(Half*)p = (Half)value; break;
                default: throw new NotSupportedException($"The TorchSharp fixture cannot write {DType} elements.");
            }
        }
    }

    /// <summary>
    /// What libtorch calls a TensorImpl: shape, autograd flags and gradient over a storage. Every live wrapper
    /// has its own header; the headers' grad pointers follow <see cref="Grad"/>.
    /// </summary>
    internal sealed unsafe class FixtureTensorImpl
    {
        private readonly object gate = new object();
        private readonly List<IntPtr> headers = new List<IntPtr>();
        private bool dead;

        internal FixtureTensorImpl(FixtureStorage storage, long[] shape, bool requiresGrad)
        {
            long n = 1;
            foreach (var d in shape)
            {
                if (d < 0) throw new ArgumentException("Negative dimension.", nameof(shape));
                n *= d;
            }

            if (n != storage.Numel) throw new ArgumentException($"Shape [{string.Join(", ", shape)}] does not hold {storage.Numel} elements.");
            Storage = storage;
            Shape = (long[])shape.Clone();
            RequiresGrad = requiresGrad;
            storage.AddRef();
        }

        internal FixtureStorage Storage { get; }
        internal long[] Shape { get; }
        internal bool RequiresGrad { get; set; }

        /// <summary>The gradient, a wrapper owned by this impl (callers get their own wrappers).</summary>
        internal torch.Tensor Grad { get; private set; }

        internal IntPtr Attach()
        {
            lock (gate)
            {
                if (dead) throw new ObjectDisposedException("Tensor", "The tensor's storage was already released.");
                var h = FixtureNative.AllocHeader();
                var hdr = FixtureNative.Header(h);
                hdr->data = Storage.Data;
                hdr->numel = Storage.Numel;
                hdr->dtype = (int)Storage.DType;
                hdr->element_size = Storage.ElementSize;
                hdr->device_type = (int)DeviceType.CPU;
                hdr->is_contiguous = 1;
                hdr->grad_handle = Grad is null ? IntPtr.Zero : Grad.handle;
                headers.Add(h);
                return h;
            }
        }

        internal void Detach(IntPtr header)
        {
            torch.Tensor grad = null;
            var last = false;
            lock (gate)
            {
                if (!headers.Remove(header)) return;
                FixtureNative.FreeHeader(header);
                if (headers.Count == 0)
                {
                    dead = true;
                    last = true;
                    grad = Grad;
                    Grad = null;
                }
            }

            if (last)
            {
                grad?.Dispose();
                Storage.Release();
            }
        }

        internal void SetGrad(torch.Tensor gradient)
        {
            torch.Tensor old;
            lock (gate)
            {
                old = Grad;
                Grad = gradient is null ? null : new torch.Tensor(gradient.impl);
                var gh = Grad is null ? IntPtr.Zero : Grad.handle;
                foreach (var h in headers)
                {
                    FixtureNative.Header(h)->grad_handle = gh;
                }
            }

            old?.Dispose();
        }
    }
}

// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Linq;
using TorchSharp.Utils;

namespace TorchSharp
{
    public static partial class torch
    {
        /// <summary>
        /// A tensor wrapper. <see cref="Handle"/> points to a native header (see FixtureNative.TensorHeader) that
        /// the C shim reads; the elements live in native memory shared by every wrapper of the same tensor.
        /// </summary>
        public partial class Tensor : IDisposable
        {
            private IntPtr handle_;

            internal Tensor(FixtureTensorImpl impl)
            {
                this.impl = impl;
                handle_ = impl.Attach();
            }

            internal FixtureTensorImpl impl { get; }

            /// <summary>The native handle; throws once the tensor is disposed, like TorchSharp.</summary>
            public IntPtr Handle
            {
                get
                {
                    if (handle_ == IntPtr.Zero) throw new InvalidOperationException("The tensor was disposed: it has no handle.");
                    return handle_;
                }
            }

            internal IntPtr handle => handle_;

            public bool IsInvalid => handle_ == IntPtr.Zero;

            public void Dispose()
            {
                Dispose(true);
                GC.SuppressFinalize(this);
            }

            protected virtual void Dispose(bool disposing)
            {
                var h = handle_;
                if (h == IntPtr.Zero) return;
                handle_ = IntPtr.Zero;
                impl.Detach(h);
            }

            private FixtureStorage storage
            {
                get
                {
                    if (handle_ == IntPtr.Zero) throw new InvalidOperationException("The tensor was disposed: it has no handle.");
                    return impl.Storage;
                }
            }

            // ---------------------------------------------------------------- metadata

            public long[] shape => (long[])impl.Shape.Clone();

            public long[] size() => shape;

            public long size(int dim) => impl.Shape[dim < 0 ? dim + impl.Shape.Length : dim];

            public long Dimensions => impl.Shape.Length;

            public long ndim => impl.Shape.Length;

            public long dim() => impl.Shape.Length;

            public long NumberOfElements => storage.Numel;

            public long numel() => storage.Numel;

            public long ElementSize => storage.ElementSize;

            public long element_size() => storage.ElementSize;

            public ScalarType dtype => storage.DType;

            public DeviceType device_type => DeviceType.CPU;

            public int device_index => -1;

            public Device device => torch.CPU;

            public bool is_contiguous() => true;

            public bool requires_grad
            {
                get => impl.RequiresGrad;
                set
                {
                    if (value && !FixtureNative.IsFloating(dtype))
                        throw new InvalidOperationException("Only floating-point tensors can require gradients.");
                    impl.RequiresGrad = value;
                }
            }

            public Tensor requires_grad_(bool requires_grad = true)
            {
                this.requires_grad = requires_grad;
                return this;
            }

            public bool IsIntegral() => !FixtureNative.IsFloating(dtype);

            // ---------------------------------------------------------------- gradient

#if TORCHSHARP_GRAD_PROPERTY
            /// <summary>The gradient (a new wrapper each time, owned by the caller), or null.</summary>
            public Tensor grad
            {
                get => impl.Grad is null ? null : new Tensor(impl.Grad.impl);
                set => impl.SetGrad(value);
            }
#else
            /// <summary>The gradient (a new wrapper each time, owned by the caller), or null.</summary>
            public Tensor grad() => impl.Grad is null ? null : new Tensor(impl.Grad.impl);
#endif

            /// <summary>
            /// Fixture-only test hook (not in TorchSharp): makes <paramref name="gradient"/> this tensor's
            /// gradient, shared by every wrapper of this tensor, as backward() would. Null clears it.
            /// </summary>
            public void fixture_set_grad(Tensor gradient)
            {
                if (gradient is not null)
                {
                    if (gradient.numel() != numel()) throw new ArgumentException("The gradient must have as many elements as the tensor.");
                }

                impl.SetGrad(gradient);
            }

            internal Tensor fixture_grad_or_null() => impl.Grad;

            // ---------------------------------------------------------------- data access

            public TensorAccessor<T> data<T>() where T : unmanaged
            {
                ValidateType(typeof(T));
                return new TensorAccessor<T>(this);
            }

            internal void ValidateType(Type t)
            {
                var ok = dtype switch
                {
                    ScalarType.Float32 => t == typeof(float),
                    ScalarType.Float64 => t == typeof(double),
                    ScalarType.Int64 => t == typeof(long),
                    ScalarType.Int32 => t == typeof(int),
                    ScalarType.Int16 => t == typeof(short),
                    ScalarType.Int8 => t == typeof(sbyte),
                    ScalarType.Byte => t == typeof(byte),
                    ScalarType.Bool => t == typeof(bool),
                    ScalarType.Float16 => t == typeof(Half),
                    _ => false,
                };
                if (!ok) throw new ArgumentException($"A {dtype} tensor cannot be read as {t.Name}.");
            }

            internal IntPtr fixture_data_ptr => storage.Data;

            internal double fixture_get(long i) => storage.Get(i);

            internal void fixture_set(long i, double v) => storage.Set(i, v);

            public T item<T>() where T : unmanaged
            {
                if (numel() != 1) throw new ArgumentException("The tensor must hold exactly one element.");
                return data<T>()[0];
            }

            public float ToSingle() => (float)ScalarValue();

            public double ToDouble() => ScalarValue();

            public long ToInt64() => (long)ScalarValue();

            public int ToInt32() => (int)ScalarValue();

            public bool ToBoolean() => ScalarValue() != 0;

            private double ScalarValue()
            {
                if (numel() != 1) throw new ArgumentException("The tensor must hold exactly one element.");
                return storage.Get(0);
            }

            public override string ToString()
                => handle_ == IntPtr.Zero ? "Tensor (disposed)" : $"[{string.Join("x", impl.Shape)}], type = {dtype}, device = cpu";

            // ---------------------------------------------------------------- copies and views

            public Tensor clone()
            {
                var result = torch.empty(impl.Shape, dtype, requires_grad: false);
                for (long i = 0; i < numel(); i++) result.fixture_set(i, fixture_get(i));
                return result;
            }

            /// <summary>A new tensor over the same data, outside autograd (no gradient, requires_grad false).</summary>
            public Tensor detach() => new Tensor(new FixtureTensorImpl(storage, impl.Shape, false));

            public Tensor zero_() => fill_(0);

            public Tensor fill_(Scalar value)
            {
                var v = value.Value;
                for (long i = 0; i < numel(); i++) fixture_set(i, v);
                return this;
            }

            public Tensor copy_(Tensor source)
            {
                if (source.numel() != numel()) throw new ArgumentException("copy_: element counts differ.");
                for (long i = 0; i < numel(); i++) fixture_set(i, source.fixture_get(i));
                return this;
            }

            // ---------------------------------------------------------------- element-wise math

            private static ScalarType Promote(ScalarType a, ScalarType b)
            {
                if (a == b) return a;
                if (a == ScalarType.Float64 || b == ScalarType.Float64) return ScalarType.Float64;
                if (FixtureNative.IsFloating(a)) return a;
                if (FixtureNative.IsFloating(b)) return b;
                return ScalarType.Int64;
            }

            private ScalarType PromoteScalar(Scalar s)
                => FixtureNative.IsFloating(dtype) || s.IsIntegral ? dtype : ScalarType.Float32;

            private static long[] BroadcastShape(Tensor a, Tensor b)
            {
                if (a.impl.Shape.SequenceEqual(b.impl.Shape)) return a.impl.Shape;
                if (b.numel() == 1 && b.impl.Shape.Length <= a.impl.Shape.Length) return a.impl.Shape;
                if (a.numel() == 1 && a.impl.Shape.Length <= b.impl.Shape.Length) return b.impl.Shape;
                throw new NotSupportedException(
                    $"The TorchSharp fixture broadcasts only equal shapes and single elements, not [{string.Join(",", a.impl.Shape)}] and [{string.Join(",", b.impl.Shape)}].");
            }

            private static Tensor Zip(Tensor a, Tensor b, Func<double, double, double> op)
            {
                var shape = BroadcastShape(a, b);
                var result = torch.empty(shape, Promote(a.dtype, b.dtype));
                var n = result.numel();
                var an = a.numel();
                var bn = b.numel();
                for (long i = 0; i < n; i++)
                {
                    result.fixture_set(i, op(a.fixture_get(an == 1 ? 0 : i), b.fixture_get(bn == 1 ? 0 : i)));
                }

                return result;
            }

            private Tensor ZipInPlace(Tensor other, Func<double, double, double> op)
            {
                var on = other.numel();
                if (on != 1 && !impl.Shape.SequenceEqual(other.impl.Shape))
                    throw new NotSupportedException("The TorchSharp fixture's in-place operations need equal shapes or a single element.");
                for (long i = 0; i < numel(); i++) fixture_set(i, op(fixture_get(i), other.fixture_get(on == 1 ? 0 : i)));
                return this;
            }

            private Tensor Map(ScalarType resultType, Func<double, double> op)
            {
                var result = torch.empty(impl.Shape, resultType);
                for (long i = 0; i < numel(); i++) result.fixture_set(i, op(fixture_get(i)));
                return result;
            }

            private Tensor MapInPlace(Func<double, double> op)
            {
                for (long i = 0; i < numel(); i++) fixture_set(i, op(fixture_get(i)));
                return this;
            }

            public Tensor add(Tensor target) => Zip(this, target, (x, y) => x + y);

            public Tensor add(Tensor target, Scalar alpha)
            {
                var a = alpha.Value;
                return Zip(this, target, (x, y) => x + a * y);
            }

            public Tensor add(Scalar scalar)
            {
                var s = scalar.Value;
                return Map(PromoteScalar(scalar), x => x + s);
            }

            public Tensor add_(Tensor target) => ZipInPlace(target, (x, y) => x + y);

            public Tensor add_(Tensor target, Scalar alpha)
            {
                var a = alpha.Value;
                return ZipInPlace(target, (x, y) => x + a * y);
            }

            public Tensor add_(Scalar scalar)
            {
                var s = scalar.Value;
                return MapInPlace(x => x + s);
            }

            public Tensor sub(Tensor target) => Zip(this, target, (x, y) => x - y);

            public Tensor sub(Scalar scalar)
            {
                var s = scalar.Value;
                return Map(PromoteScalar(scalar), x => x - s);
            }

            public Tensor sub_(Tensor target) => ZipInPlace(target, (x, y) => x - y);

            public Tensor sub_(Scalar scalar)
            {
                var s = scalar.Value;
                return MapInPlace(x => x - s);
            }

            public Tensor mul(Tensor target) => Zip(this, target, (x, y) => x * y);

            public Tensor mul(Scalar target)
            {
                var s = target.Value;
                return Map(PromoteScalar(target), x => x * s);
            }

            public Tensor mul_(Tensor target) => ZipInPlace(target, (x, y) => x * y);

            public Tensor mul_(Scalar target)
            {
                var s = target.Value;
                return MapInPlace(x => x * s);
            }

            public Tensor div(Tensor target) => Zip(this, target, (x, y) => x / y);

            public Tensor div(Scalar target)
            {
                var s = target.Value;
                return Map(FixtureNative.IsFloating(dtype) ? dtype : ScalarType.Float32, x => x / s);
            }

            public Tensor div_(Tensor target) => ZipInPlace(target, (x, y) => x / y);

            public Tensor div_(Scalar target)
            {
                var s = target.Value;
                return MapInPlace(x => x / s);
            }

            public Tensor addcmul_(Tensor tensor1, Tensor tensor2, Scalar value)
            {
                var v = value.Value;
                using var product = tensor1.mul(tensor2);
                return ZipInPlace(product, (x, y) => x + v * y);
            }

            public Tensor addcdiv_(Tensor tensor1, Tensor tensor2, Scalar value)
            {
                var v = value.Value;
                using var quotient = tensor1.div(tensor2);
                return ZipInPlace(quotient, (x, y) => x + v * y);
            }

            public Tensor neg() => Map(dtype, x => -x);

            public Tensor abs() => Map(dtype, Math.Abs);

            public Tensor square() => Map(dtype, x => x * x);

            public Tensor sqrt() => Map(FixtureNative.IsFloating(dtype) ? dtype : ScalarType.Float32, Math.Sqrt);

            public Tensor pow(Scalar exponent)
            {
                var e = exponent.Value;
                return Map(FixtureNative.IsFloating(dtype) || exponent.IsIntegral ? dtype : ScalarType.Float32, x => Math.Pow(x, e));
            }

            public Tensor sum()
            {
                double total = 0;
                for (long i = 0; i < numel(); i++) total += fixture_get(i);
                var result = torch.empty(Array.Empty<long>(), FixtureNative.IsFloating(dtype) ? dtype : ScalarType.Int64);
                result.fixture_set(0, total);
                return result;
            }

            public Tensor mean()
            {
                if (!FixtureNative.IsFloating(dtype)) throw new InvalidOperationException("mean() needs a floating-point tensor.");
                double total = 0;
                for (long i = 0; i < numel(); i++) total += fixture_get(i);
                var result = torch.empty(Array.Empty<long>(), dtype);
                result.fixture_set(0, total / numel());
                return result;
            }

            public static Tensor operator +(Tensor left, Tensor right) => left.add(right);
            public static Tensor operator +(Tensor left, Scalar right) => left.add(right);
            public static Tensor operator +(Scalar left, Tensor right) => right.add(left);
            public static Tensor operator -(Tensor left, Tensor right) => left.sub(right);
            public static Tensor operator -(Tensor left, Scalar right) => left.sub(right);
            public static Tensor operator -(Scalar left, Tensor right)
            {
                var s = left.Value;
                return right.Map(right.PromoteScalar(left), x => s - x);
            }

            public static Tensor operator *(Tensor left, Tensor right) => left.mul(right);
            public static Tensor operator *(Tensor left, Scalar right) => left.mul(right);
            public static Tensor operator *(Scalar left, Tensor right) => right.mul(left);
            public static Tensor operator /(Tensor left, Tensor right) => left.div(right);
            public static Tensor operator /(Tensor left, Scalar right) => left.div(right);
            public static Tensor operator -(Tensor tensor) => tensor.neg();
        }
    }
}

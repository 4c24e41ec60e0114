// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;

namespace TorchSharp
{
    /// <summary>Where a tensor lives. The fixture only ever allocates on the CPU.</summary>
    public enum DeviceType
    {
        CPU = 0,
        CUDA = 1,
        MKLDNN = 2,
        OPENGL = 3,
        OPENCL = 4,
        IDEEP = 5,
        HIP = 6,
        FPGA = 7,
        MSNPU = 8,
        XLA = 9,
        META = 14,
    }

    /// <summary>A number passed to tensor operations; converts implicitly from the .NET numeric types.</summary>
    public sealed class Scalar : IDisposable
    {
        private Scalar(double value, bool integral)
        {
            Value = value;
            IsIntegral = integral;
        }

        internal double Value { get; }

        internal bool IsIntegral { get; }

        public double ToDouble() => Value;

        public float ToSingle() => (float)Value;

        public long ToInt64() => (long)Value;

        public void Dispose()
        {
        }

        public static implicit operator Scalar(byte value) => new Scalar(value, true);
        public static implicit operator Scalar(short value) => new Scalar(value, true);
        public static implicit operator Scalar(int value) => new Scalar(value, true);
        public static implicit operator Scalar(long value) => new Scalar(value, true);
        public static implicit operator Scalar(float value) => new Scalar(value, false);
        public static implicit operator Scalar(double value) => new Scalar(value, false);
        public static implicit operator Scalar(bool value) => new Scalar(value ? 1 : 0, true);
        public static implicit operator Scalar(Half value) => new Scalar((double)value, false);

        public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static partial class torch
    {
        /// <summary>Element types, with libtorch's codes.</summary>
        public enum ScalarType : sbyte
        {
            Byte = 0,
            Int8 = 1,
            Int16 = 2,
            Int32 = 3,
            Int64 = 4,
            Float16 = 5,
            Float32 = 6,
            Float64 = 7,
            ComplexFloat32 = 9,
            ComplexFloat64 = 10,
            Bool = 11,
            BFloat16 = 15,
        }

        public static readonly ScalarType uint8 = ScalarType.Byte;
        public static readonly ScalarType int8 = ScalarType.Int8;
        public static readonly ScalarType int16 = ScalarType.Int16;
        public static readonly ScalarType int32 = ScalarType.Int32;
        public static readonly ScalarType int64 = ScalarType.Int64;
        public static readonly ScalarType float16 = ScalarType.Float16;
        public static readonly ScalarType float32 = ScalarType.Float32;
        public static readonly ScalarType float64 = ScalarType.Float64;
        public static readonly ScalarType @bool = ScalarType.Bool;

        /// <summary>A device on which a tensor is or will be allocated.</summary>
        public class Device
        {
            public Device(string description)
            {
                var parts = description.Split(':');
                type = (DeviceType)Enum.Parse(typeof(DeviceType), parts[0].ToUpperInvariant());
                if (parts.Length == 2)
                {
                    index = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            public Device(string deviceType, int index = -1)
            {
                type = (DeviceType)Enum.Parse(typeof(DeviceType), deviceType.ToUpperInvariant());
                this.index = index;
            }

            public Device(DeviceType deviceType, int index = -1)
            {
                type = deviceType;
                this.index = index;
            }

            public Device(int index)
            {
                type = DeviceType.CUDA;
                this.index = index;
            }

            public DeviceType type { get; private set; } = DeviceType.CPU;

            public int index { get; private set; } = -1;

            public override string ToString()
                => type == DeviceType.CPU ? "cpu" : index == -1 ? type.ToString().ToLowerInvariant() : $"{type.ToString().ToLowerInvariant()}:{index}";

            public static implicit operator Device(string description) => new Device(description);
        }

        public static Device CPU = new Device(DeviceType.CPU, -1);

        public static Device device(string description) => new Device(description);

        public static Device device(DeviceType deviceType, int index = -1) => new Device(deviceType, index);

        public static ScalarType get_default_dtype() => ScalarType.Float32;

        /// <summary>The fixture allocates on the CPU only; any other device is refused.</summary>
        internal static void CheckDevice(Device device)
        {
            if (device is not null && device.type != DeviceType.CPU)
            {
                throw new NotSupportedException($"The TorchSharp fixture only has CPU tensors, not {device}.");
            }
        }
    }
}

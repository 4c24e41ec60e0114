// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Linq;
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    public enum PaddingModes
    {
        Zeros = 0,
        Reflect = 1,
        Replicate = 2,
        Circular = 3,
        Constant = 4,
    }

    public enum Padding
    {
        Valid = 0,
        Same = 1,
    }

    namespace Modules
    {
        /// <summary>Base of Conv1d/2d/3d. Registers weight [out, in/groups, *kernel], then bias [out].</summary>
        public abstract class Convolution : torch.nn.Module<Tensor, Tensor>
        {
            internal Convolution(string name, long in_channels, long out_channels, long[] kernel, long groups, bool bias, bool transposed, ScalarType? dtype)
                : base(name)
            {
                if (groups <= 0 || in_channels % groups != 0 || out_channels % groups != 0)
                    throw new ArgumentException("groups must divide in_channels and out_channels.");
                this.in_channels = in_channels;
                this.out_channels = out_channels;
                this.groups = groups;
                var kernelElements = kernel.Aggregate(1L, (a, k) => a * k);
                var weightShape = (transposed ? new[] { in_channels, out_channels / groups } : new[] { out_channels, in_channels / groups }).Concat(kernel).ToArray();
                var fanIn = weightShape[1] * kernelElements;
                register_parameter("weight", FixtureInit.KaimingWeight(weightShape, fanIn, dtype));
                if (bias)
                {
                    register_parameter("bias", FixtureInit.Uniform(new[] { out_channels }, fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0, dtype));
                }
            }

            public long in_channels { get; }

            public long out_channels { get; }

            public long groups { get; }

            public override Tensor forward(Tensor input)
                => throw new NotImplementedException($"The TorchSharp fixture does not run {GetType().Name}.forward.");

            public Parameter bias
            {
                get => FixtureParameter("bias");
                set => FixtureSetParameter("bias", value ?? throw new ArgumentNullException(nameof(bias), "This layer's bias cannot be removed."));
            }

            public Parameter weight
            {
                get => FixtureParameter("weight");
                set => FixtureSetParameter("weight", value ?? throw new ArgumentNullException(nameof(weight), "A layer's weight cannot be removed."));
            }
        }

        public sealed class Conv1d : Convolution
        {
            internal Conv1d(long in_channels, long out_channels, long[] kernel, long groups, bool bias, ScalarType? dtype)
                : base(nameof(Conv1d), in_channels, out_channels, kernel, groups, bias, false, dtype)
            {
            }
        }

        public sealed class Conv2d : Convolution
        {
            internal Conv2d(long in_channels, long out_channels, long[] kernel, long groups, bool bias, ScalarType? dtype)
                : base(nameof(Conv2d), in_channels, out_channels, kernel, groups, bias, false, dtype)
            {
            }
        }

        public sealed class Conv3d : Convolution
        {
            internal Conv3d(long in_channels, long out_channels, long[] kernel, long groups, bool bias, ScalarType? dtype)
                : base(nameof(Conv3d), in_channels, out_channels, kernel, groups, bias, false, dtype)
            {
            }
        }

        /// <summary>Registers weight [in, out/groups, *kernel], then bias [out].</summary>
        public sealed class ConvTranspose1d : Convolution
        {
            internal ConvTranspose1d(long in_channels, long out_channels, long[] kernel, long groups, bool bias, ScalarType? dtype)
                : base(nameof(ConvTranspose1d), in_channels, out_channels, kernel, groups, bias, true, dtype)
            {
            }
        }

        /// <summary>Registers weight [in, out/groups, *kernel], then bias [out].</summary>
        public sealed class ConvTranspose2d : Convolution
        {
            internal ConvTranspose2d(long in_channels, long out_channels, long[] kernel, long groups, bool bias, ScalarType? dtype)
                : base(nameof(ConvTranspose2d), in_channels, out_channels, kernel, groups, bias, true, dtype)
            {
            }
        }

        /// <summary>Registers weight [in, out/groups, *kernel], then bias [out].</summary>
        public sealed class ConvTranspose3d : Convolution
        {
            internal ConvTranspose3d(long in_channels, long out_channels, long[] kernel, long groups, bool bias, ScalarType? dtype)
                : base(nameof(ConvTranspose3d), in_channels, out_channels, kernel, groups, bias, true, dtype)
            {
            }
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static Conv1d Conv1d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, PaddingModes padding_mode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Conv1d(in_channels, out_channels, new[] { kernelSize }, groups, bias, dtype);
            }

            public static Conv1d Conv1d(long in_channels, long out_channels, long kernelSize, Padding padding, long stride = 1, long dilation = 1, PaddingModes padding_mode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Conv1d(in_channels, out_channels, new[] { kernelSize }, groups, bias, dtype);
            }

            public static Conv2d Conv2d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, PaddingModes padding_mode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Conv2d(in_channels, out_channels, new[] { kernelSize, kernelSize }, groups, bias, dtype);
            }

            public static Conv2d Conv2d(long in_channels, long out_channels, (long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null, (long, long)? dilation = null, PaddingModes padding_mode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Conv2d(in_channels, out_channels, new[] { kernelSize.Item1, kernelSize.Item2 }, groups, bias, dtype);
            }

            public static Conv2d Conv2d(long in_channels, long out_channels, long kernelSize, Padding padding, long stride = 1, long dilation = 1, PaddingModes padding_mode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Conv2d(in_channels, out_channels, new[] { kernelSize, kernelSize }, groups, bias, dtype);
            }

            public static Conv2d Conv2d(long in_channels, long out_channels, (long, long) kernelSize, Padding padding, (long, long)? stride = null, (long, long)? dilation = null, PaddingModes padding_mode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Conv2d(in_channels, out_channels, new[] { kernelSize.Item1, kernelSize.Item2 }, groups, bias, dtype);
            }

            public static Conv3d Conv3d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, PaddingModes padding_mode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Conv3d(in_channels, out_channels, new[] { kernelSize, kernelSize, kernelSize }, groups, bias, dtype);
            }

            public static Conv3d Conv3d(long in_channels, long out_channels, (long, long, long) kernelSize, (long, long, long)? stride = null, (long, long, long)? padding = null, (long, long, long)? dilation = null, PaddingModes padding_mode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Conv3d(in_channels, out_channels, new[] { kernelSize.Item1, kernelSize.Item2, kernelSize.Item3 }, groups, bias, dtype);
            }

            public static Conv3d Conv3d(long in_channels, long out_channels, long kernelSize, Padding padding, long stride = 1, long dilation = 1, PaddingModes padding_mode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Conv3d(in_channels, out_channels, new[] { kernelSize, kernelSize, kernelSize }, groups, bias, dtype);
            }

            public static ConvTranspose1d ConvTranspose1d(long inputChannel, long outputChannel, long kernelSize, long stride = 1, long padding = 0, long outputPadding = 0, long dilation = 1, PaddingModes paddingMode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new ConvTranspose1d(inputChannel, outputChannel, new[] { kernelSize }, groups, bias, dtype);
            }

            public static ConvTranspose2d ConvTranspose2d(long inputChannel, long outputChannel, long kernelSize, long stride = 1, long padding = 0, long outputPadding = 0, long dilation = 1, PaddingModes paddingMode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new ConvTranspose2d(inputChannel, outputChannel, new[] { kernelSize, kernelSize }, groups, bias, dtype);
            }

            public static ConvTranspose2d ConvTranspose2d(long inputChannel, long outputChannel, (long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null, (long, long)? outputPadding = null, (long, long)? dilation = null, PaddingModes paddingMode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new ConvTranspose2d(inputChannel, outputChannel, new[] { kernelSize.Item1, kernelSize.Item2 }, groups, bias, dtype);
            }

            public static ConvTranspose3d ConvTranspose3d(long inputChannel, long outputChannel, long kernelSize, long stride = 1, long padding = 0, long outputPadding = 0, long dilation = 1, PaddingModes paddingMode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new ConvTranspose3d(inputChannel, outputChannel, new[] { kernelSize, kernelSize, kernelSize }, groups, bias, dtype);
            }

            public static ConvTranspose3d ConvTranspose3d(long inputChannel, long outputChannel, (long, long, long) kernelSize, (long, long, long)? stride = null, (long, long, long)? padding = null, (long, long, long)? outputPadding = null, (long, long, long)? dilation = null, PaddingModes paddingMode = PaddingModes.Zeros, long groups = 1, bool bias = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new ConvTranspose3d(inputChannel, outputChannel, new[] { kernelSize.Item1, kernelSize.Item2, kernelSize.Item3 }, groups, bias, dtype);
            }
        }
    }
}

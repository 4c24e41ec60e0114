// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    namespace Modules
    {
        /// <summary>Registers weight (ones), then bias (zeros), both of normalized_shape, unless elementwise_affine is false.</summary>
        public class LayerNorm : torch.nn.Module<Tensor, Tensor>
        {
            internal LayerNorm(long[] normalized_shape, double eps, bool elementwise_affine, ScalarType? dtype)
                : base(nameof(LayerNorm))
            {
                this.eps = eps;
                if (elementwise_affine)
                {
                    register_parameter("weight", FixtureInit.Constant(normalized_shape, 1, dtype));
                    register_parameter("bias", FixtureInit.Constant(normalized_shape, 0, dtype));
                }
            }

            internal double eps { get; }

            public override Tensor forward(Tensor tensor)
                => throw new NotImplementedException("The TorchSharp fixture does not run LayerNorm.forward.");

            public Parameter bias
            {
                get => FixtureParameter("bias");
                set => FixtureSetParameter("bias", value);
            }

            public Parameter weight
            {
                get => FixtureParameter("weight");
                set => FixtureSetParameter("weight", value);
            }
        }

        /// <summary>
        /// What BatchNorm1d/2d/3d and InstanceNorm1d/2d/3d share: weight (ones) and bias (zeros) of [features] when
        /// affine; buffers running_mean (zeros), running_var (ones), num_batches_tracked (Int64 0) when tracking.
        /// </summary>
        internal static class FixtureNorm
        {
            internal static void Build(Action<string, Parameter> registerParameter, Action<string, Tensor> registerBuffer, long features, bool affine, bool track, ScalarType? dtype)
            {
                if (affine)
                {
                    registerParameter("weight", FixtureInit.Constant(new[] { features }, 1, dtype));
                    registerParameter("bias", FixtureInit.Constant(new[] { features }, 0, dtype));
                }

                if (track)
                {
                    var type = dtype ?? torch.get_default_dtype();
                    registerBuffer("running_mean", FixtureInit.Buffer(new[] { features }, 0, type));
                    registerBuffer("running_var", FixtureInit.Buffer(new[] { features }, 1, type));
                    registerBuffer("num_batches_tracked", FixtureInit.Buffer(Array.Empty<long>(), 0, ScalarType.Int64));
                }
            }

            internal static void ResetRunningStats(torch.nn.Module module)
            {
                module.FixtureBuffer("running_mean")?.fill_(0);
                module.FixtureBuffer("running_var")?.fill_(1);
                module.FixtureBuffer("num_batches_tracked")?.fill_(0);
            }
        }

        public sealed class BatchNorm1d : torch.nn.Module<Tensor, Tensor>
        {
            internal BatchNorm1d(long features, double eps, double momentum, bool affine, bool track_running_stats, ScalarType? dtype)
                : base(nameof(BatchNorm1d))
            {
                num_features = features;
                this.eps = eps;
                this.momentum = momentum;
                this.affine = affine;
                this.track_running_stats = track_running_stats;
                FixtureNorm.Build(register_parameter, register_buffer, features, affine, track_running_stats, dtype);
            }

            public long num_features { get; }
            public double eps { get; }
            public double momentum { get; }
            public bool affine { get; }
            public bool track_running_stats { get; }

            public override Tensor forward(Tensor tensor) => throw new NotImplementedException("The TorchSharp fixture does not run BatchNorm1d.forward.");

            public Parameter bias { get => FixtureParameter("bias"); set => FixtureSetParameter("bias", value); }
            public Parameter weight { get => FixtureParameter("weight"); set => FixtureSetParameter("weight", value); }
            public Tensor running_mean { get => FixtureBuffer("running_mean"); set => FixtureSetBuffer("running_mean", value); }
            public Tensor running_var { get => FixtureBuffer("running_var"); set => FixtureSetBuffer("running_var", value); }
            public Tensor num_batches_tracked => FixtureBuffer("num_batches_tracked");

            public void reset_running_stats() => FixtureNorm.ResetRunningStats(this);
        }

        public sealed class BatchNorm2d : torch.nn.Module<Tensor, Tensor>
        {
            internal BatchNorm2d(long features, double eps, double momentum, bool affine, bool track_running_stats, ScalarType? dtype)
                : base(nameof(BatchNorm2d))
            {
                num_features = features;
                this.eps = eps;
                this.momentum = momentum;
                this.affine = affine;
                this.track_running_stats = track_running_stats;
                FixtureNorm.Build(register_parameter, register_buffer, features, affine, track_running_stats, dtype);
            }

            public long num_features { get; }
            public double eps { get; }
            public double momentum { get; }
            public bool affine { get; }
            public bool track_running_stats { get; }

            public override Tensor forward(Tensor tensor) => throw new NotImplementedException("The TorchSharp fixture does not run BatchNorm2d.forward.");

            public Parameter bias { get => FixtureParameter("bias"); set => FixtureSetParameter("bias", value); }
            public Parameter weight { get => FixtureParameter("weight"); set => FixtureSetParameter("weight", value); }
            public Tensor running_mean { get => FixtureBuffer("running_mean"); set => FixtureSetBuffer("running_mean", value); }
            public Tensor running_var { get => FixtureBuffer("running_var"); set => FixtureSetBuffer("running_var", value); }
            public Tensor num_batches_tracked => FixtureBuffer("num_batches_tracked");

            public void reset_running_stats() => FixtureNorm.ResetRunningStats(this);
        }

        public sealed class BatchNorm3d : torch.nn.Module<Tensor, Tensor>
        {
            internal BatchNorm3d(long features, double eps, double momentum, bool affine, bool track_running_stats, ScalarType? dtype)
                : base(nameof(BatchNorm3d))
            {
                num_features = features;
                this.eps = eps;
                this.momentum = momentum;
                this.affine = affine;
                this.track_running_stats = track_running_stats;
                FixtureNorm.Build(register_parameter, register_buffer, features, affine, track_running_stats, dtype);
            }

            public long num_features { get; }
            public double eps { get; }
            public double momentum { get; }
            public bool affine { get; }
            public bool track_running_stats { get; }

            public override Tensor forward(Tensor tensor) => throw new NotImplementedException("The TorchSharp fixture does not run BatchNorm3d.forward.");

            public Parameter bias { get => FixtureParameter("bias"); set => FixtureSetParameter("bias", value); }
            public Parameter weight { get => FixtureParameter("weight"); set => FixtureSetParameter("weight", value); }
            public Tensor running_mean { get => FixtureBuffer("running_mean"); set => FixtureSetBuffer("running_mean", value); }
            public Tensor running_var { get => FixtureBuffer("running_var"); set => FixtureSetBuffer("running_var", value); }
            public Tensor num_batches_tracked => FixtureBuffer("num_batches_tracked");

            public void reset_running_stats() => FixtureNorm.ResetRunningStats(this);
        }

        public sealed class InstanceNorm1d : torch.nn.Module<Tensor, Tensor>
        {
            internal InstanceNorm1d(long features, double eps, double momentum, bool affine, bool track_running_stats, ScalarType? dtype)
                : base(nameof(InstanceNorm1d))
            {
                num_features = features;
                this.eps = eps;
                this.momentum = momentum;
                this.affine = affine;
                this.track_running_stats = track_running_stats;
                FixtureNorm.Build(register_parameter, register_buffer, features, affine, track_running_stats, dtype);
            }

            public long num_features { get; }
            public double eps { get; }
            public double momentum { get; }
            public bool affine { get; }
            public bool track_running_stats { get; }

            public override Tensor forward(Tensor tensor) => throw new NotImplementedException("The TorchSharp fixture does not run InstanceNorm1d.forward.");

            public Parameter bias { get => FixtureParameter("bias"); set => FixtureSetParameter("bias", value); }
            public Parameter weight { get => FixtureParameter("weight"); set => FixtureSetParameter("weight", value); }
            public Tensor running_mean { get => FixtureBuffer("running_mean"); set => FixtureSetBuffer("running_mean", value); }
            public Tensor running_var { get => FixtureBuffer("running_var"); set => FixtureSetBuffer("running_var", value); }
            public Tensor num_batches_tracked => FixtureBuffer("num_batches_tracked");

            public void reset_running_stats() => FixtureNorm.ResetRunningStats(this);
        }

        public sealed class InstanceNorm2d : torch.nn.Module<Tensor, Tensor>
        {
            internal InstanceNorm2d(long features, double eps, double momentum, bool affine, bool track_running_stats, ScalarType? dtype)
                : base(nameof(InstanceNorm2d))
            {
                num_features = features;
                this.eps = eps;
                this.momentum = momentum;
                this.affine = affine;
                this.track_running_stats = track_running_stats;
                FixtureNorm.Build(register_parameter, register_buffer, features, affine, track_running_stats, dtype);
            }

            public long num_features { get; }
            public double eps { get; }
            public double momentum { get; }
            public bool affine { get; }
            public bool track_running_stats { get; }

            public override Tensor forward(Tensor tensor) => throw new NotImplementedException("The TorchSharp fixture does not run InstanceNorm2d.forward.");

            public Parameter bias { get => FixtureParameter("bias"); set => FixtureSetParameter("bias", value); }
            public Parameter weight { get => FixtureParameter("weight"); set => FixtureSetParameter("weight", value); }
            public Tensor running_mean { get => FixtureBuffer("running_mean"); set => FixtureSetBuffer("running_mean", value); }
            public Tensor running_var { get => FixtureBuffer("running_var"); set => FixtureSetBuffer("running_var", value); }
            public Tensor num_batches_tracked => FixtureBuffer("num_batches_tracked");

            public void reset_running_stats() => FixtureNorm.ResetRunningStats(this);
        }

        public sealed class InstanceNorm3d : torch.nn.Module<Tensor, Tensor>
        {
            internal InstanceNorm3d(long features, double eps, double momentum, bool affine, bool track_running_stats, ScalarType? dtype)
                : base(nameof(InstanceNorm3d))
            {
                num_features = features;
                this.eps = eps;
                this.momentum = momentum;
                this.affine = affine;
                this.track_running_stats = track_running_stats;
                FixtureNorm.Build(register_parameter, register_buffer, features, affine, track_running_stats, dtype);
            }

            public long num_features { get; }
            public double eps { get; }
            public double momentum { get; }
            public bool affine { get; }
            public bool track_running_stats { get; }

            public override Tensor forward(Tensor tensor) => throw new NotImplementedException("The TorchSharp fixture does not run InstanceNorm3d.forward.");

            public Parameter bias { get => FixtureParameter("bias"); set => FixtureSetParameter("bias", value); }
            public Parameter weight { get => FixtureParameter("weight"); set => FixtureSetParameter("weight", value); }
            public Tensor running_mean { get => FixtureBuffer("running_mean"); set => FixtureSetBuffer("running_mean", value); }
            public Tensor running_var { get => FixtureBuffer("running_var"); set => FixtureSetBuffer("running_var", value); }
            public Tensor num_batches_tracked => FixtureBuffer("num_batches_tracked");

            public void reset_running_stats() => FixtureNorm.ResetRunningStats(this);
        }

        /// <summary>Registers weight (ones), then bias (zeros), both [num_channels], when affine.</summary>
        public sealed class GroupNorm : torch.nn.Module<Tensor, Tensor>
        {
            internal GroupNorm(long num_groups, long num_channels, double eps, bool affine, ScalarType? dtype)
                : base(nameof(GroupNorm))
            {
                if (num_groups <= 0 || num_channels % num_groups != 0) throw new ArgumentException("num_groups must divide num_channels.");
                this.num_groups = num_groups;
                this.num_channels = num_channels;
                this.eps = eps;
                this.affine = affine;
                FixtureNorm.Build(register_parameter, register_buffer, num_channels, affine, false, dtype);
            }

            public long num_groups { get; }
            public long num_channels { get; }
            public double eps { get; }
            public bool affine { get; }

            public override Tensor forward(Tensor tensor) => throw new NotImplementedException("The TorchSharp fixture does not run GroupNorm.forward.");

            public Parameter bias { get => FixtureParameter("bias"); set => FixtureSetParameter("bias", value); }
            public Parameter weight { get => FixtureParameter("weight"); set => FixtureSetParameter("weight", value); }
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            public static LayerNorm LayerNorm(long[] normalized_shape, double eps = 1e-05, bool elementwise_affine = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new LayerNorm(normalized_shape, eps, elementwise_affine, dtype);
            }

            public static LayerNorm LayerNorm(long normalized_shape, double eps = 1e-05, bool elementwise_affine = true, Device device = null, ScalarType? dtype = null)
                => LayerNorm(new[] { normalized_shape }, eps, elementwise_affine, device, dtype);

            public static BatchNorm1d BatchNorm1d(long features, double eps = 1e-05, double momentum = 0.1, bool affine = true, bool track_running_stats = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new BatchNorm1d(features, eps, momentum, affine, track_running_stats, dtype);
            }

            public static BatchNorm2d BatchNorm2d(long features, double eps = 1e-05, double momentum = 0.1, bool affine = true, bool track_running_stats = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new BatchNorm2d(features, eps, momentum, affine, track_running_stats, dtype);
            }

            public static BatchNorm3d BatchNorm3d(long features, double eps = 1e-05, double momentum = 0.1, bool affine = true, bool track_running_stats = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new BatchNorm3d(features, eps, momentum, affine, track_running_stats, dtype);
            }

            public static InstanceNorm1d InstanceNorm1d(long features, double eps = 1e-05, double momentum = 0.1, bool affine = false, bool track_running_stats = false, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new InstanceNorm1d(features, eps, momentum, affine, track_running_stats, dtype);
            }

            public static InstanceNorm2d InstanceNorm2d(long features, double eps = 1e-05, double momentum = 0.1, bool affine = false, bool track_running_stats = false, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new InstanceNorm2d(features, eps, momentum, affine, track_running_stats, dtype);
            }

            public static InstanceNorm3d InstanceNorm3d(long features, double eps = 1e-05, double momentum = 0.1, bool affine = false, bool track_running_stats = false, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new InstanceNorm3d(features, eps, momentum, affine, track_running_stats, dtype);
            }

            public static GroupNorm GroupNorm(long num_groups, long num_channels, double eps = 1e-05, bool affine = true, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new GroupNorm(num_groups, num_channels, eps, affine, dtype);
            }
        }
    }
}

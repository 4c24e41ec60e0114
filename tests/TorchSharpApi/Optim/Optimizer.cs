// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    public static partial class torch
    {
        public static partial class optim
        {
            /// <summary>Base class of all optimizers. The native-optimizer members throw in the fixture.</summary>
            public abstract partial class Optimizer : IDisposable
            {
                /// <summary>Constructor used for optimizers implemented in native code (the fixture has none).</summary>
                protected Optimizer(IntPtr handle)
                {
                    if (handle != IntPtr.Zero) throw new NotSupportedException("The TorchSharp fixture has no native optimizers.");
                }

                public void Dispose()
                {
                    Dispose(true);
                    GC.SuppressFinalize(this);
                }

                protected virtual void Dispose(bool disposing)
                {
                }

                public virtual void zero_grad() => throw new NotSupportedException("The TorchSharp fixture has no native optimizers.");

                public virtual void add_param_group(Modules.ParamGroup param_group) => throw new NotImplementedException("add_param_group");

                public virtual Tensor step(Func<Tensor> closure = null) => throw new NotSupportedException("The TorchSharp fixture has no native optimizers.");

                public virtual IEnumerable<Parameter> parameters() => throw new NotSupportedException("The TorchSharp fixture has no native optimizers.");

                /// <summary>Optimizer state as two positional lists: options per group, state per parameter.</summary>
                public class StateDictionary
                {
                    internal StateDictionary()
                    {
                        Options = new List<OptimizerOptions>();
                        State = new List<OptimizerState>();
                    }

                    public List<OptimizerOptions> Options { get; private set; }

                    public List<OptimizerState> State { get; private set; }
                }

                /// <summary>The parameter groups, as learning-rate schedulers see them.</summary>
                public virtual IEnumerable<ILearningRateController> ParamGroups => _parameter_groups;

                protected IList<Modules.ParamGroup> _parameter_groups;
            }

            /// <summary>How learning-rate schedulers read and set a group's learning rate.</summary>
            public interface ILearningRateController
            {
                double LearningRate { set; get; }

                double InitialLearningRate { set; get; }
            }

            public interface IMomentum
            {
                double Momentum { get; set; }
            }

            public interface IBetas
            {
                (double, double) Betas { get; set; }
            }
        }
    }

    namespace Modules
    {
        using static torch.optim;

        /// <summary>Base class of the managed optimizers (AdamW, Adam, SGD, …) and of user-written ones.</summary>
        public abstract class OptimizerHelper : Optimizer
        {
            public OptimizerHelper()
                : base(IntPtr.Zero)
            {
            }

            protected OptimizerOptions _defaults;

            /// <summary>Per-parameter state, keyed by Parameter.Handle.</summary>
            protected Utils.OrderedDict<IntPtr, OptimizerState> _state = new Utils.OrderedDict<IntPtr, OptimizerState>();

            public void save_state_dict(string location) => throw new NotSupportedException("The TorchSharp fixture does not save optimizer state to files.");

            public void save_state_dict(BinaryWriter writer) => throw new NotSupportedException("The TorchSharp fixture does not save optimizer state to streams.");

            public void load_state_dict(string location) => throw new NotSupportedException("The TorchSharp fixture does not load optimizer state from files.");

            public void load_state_dict(BinaryReader reader) => throw new NotSupportedException("The TorchSharp fixture does not load optimizer state from streams.");

            /// <summary>Loads positionally: options by group index, state by parameter index; only counts are checked.</summary>
            public virtual void load_state_dict(StateDictionary state_dict)
            {
                var sd = this.state_dict();
                if (state_dict.Options.Count != sd.Options.Count) throw new ArgumentException("The state has a different number of parameter groups.");
                if (state_dict.State.Count != sd.State.Count) throw new ArgumentException("The state has a different number of parameter states.");

                for (var i = 0; i < sd.Options.Count; i++)
                {
                    if (!ReferenceEquals(sd.Options[i], state_dict.Options[i])) sd.Options[i].LoadStateDict(state_dict.Options[i]);
                }

                for (var i = 0; i < sd.State.Count; i++)
                {
                    if (!ReferenceEquals(sd.State[i], state_dict.State[i])) sd.State[i].LoadStateDict(state_dict.State[i]);
                }
            }

            /// <summary>The options of every group, then the state of every parameter, in group order.</summary>
            public virtual StateDictionary state_dict()
            {
                var dict = new StateDictionary();
                foreach (var pg in _parameter_groups)
                {
                    dict.Options.Add(pg.Options);
                    foreach (var p in pg.Parameters) dict.State.Add(_state[p.Handle]);
                }

                return dict;
            }

            public override void zero_grad()
            {
                foreach (var g in _parameter_groups)
                {
                    foreach (var p in g.Parameters)
                    {
                        p.fixture_grad_or_null()?.zero_();
                    }
                }
            }

            /// <summary>Runs the closure (if any) with gradients on, then body once per group with gradients off.</summary>
            protected Tensor _step<T>(Action<T> body, Func<Tensor> loss_closure = null) where T : ParamGroup
            {
                Tensor loss = null;
                if (loss_closure is not null)
                {
                    using (torch.enable_grad())
                    {
                        loss = loss_closure();
                    }
                }

                using (torch.no_grad())
                using (torch.NewDisposeScope())
                {
                    foreach (var group in _parameter_groups)
                    {
                        body(group as T);
                    }
                }

                return loss;
            }

            public override IEnumerable<Parameter> parameters() => _parameter_groups.SelectMany(pg => pg.Parameters);

            /// <summary>Adds the group as it is; concrete optimizers override this to fill unset options from their defaults.</summary>
            public override void add_param_group(ParamGroup param_group) => _parameter_groups.Add(param_group);
        }

        /// <summary>Hyperparameters of a parameter group; null means "take the optimizer's default".</summary>
        public class OptimizerOptions
        {
            public double? LearningRate { get; set; }

            public double InitialLearningRate { get; set; }

            public virtual void SaveStateDict(BinaryWriter writer)
            {
                writer.Write(InitialLearningRate);
                writer.Write(LearningRate.Value);
            }

            public virtual void LoadStateDict(BinaryReader reader)
            {
                InitialLearningRate = reader.ReadDouble();
                LearningRate = reader.ReadDouble();
            }

            public virtual void LoadStateDict(OptimizerOptions source)
            {
                InitialLearningRate = source.InitialLearningRate;
                LearningRate = source.LearningRate;
            }
        }

        /// <summary>Per-parameter optimizer state.</summary>
        public abstract class OptimizerState
        {
            public abstract void SaveStateDict(BinaryWriter writer);

            public abstract void LoadStateDict(BinaryReader reader);

            public abstract void LoadStateDict(OptimizerState source);

            public virtual bool ApproximatelyEquals(OptimizerState other) => false;

            public virtual void to(Device device) => CheckDevice(device);

            protected static void LoadConditionalStateTensor(BinaryReader reader, ref Tensor result)
            {
                if (reader.ReadBoolean())
                {
                    var loaded = FixtureTensorIO.Read(reader);
                    result?.Dispose();
                    result = loaded;
                }
                else
                {
                    result?.Dispose();
                    result = null;
                }
            }

            protected static void SaveConditionalStateTensor(BinaryWriter writer, Tensor tensor)
            {
                writer.Write(tensor is not null);
                if (tensor is not null) FixtureTensorIO.Write(writer, tensor);
            }
        }

        /// <summary>A group of parameters with its options.</summary>
        public class ParamGroup : ILearningRateController
        {
            /// <summary>Kept as given (not copied) and enumerated again by every step() and zero_grad().</summary>
            public IEnumerable<Parameter> Parameters { get; set; }

            public OptimizerOptions Options { get; set; }

            public double LearningRate
            {
                get => Options.LearningRate.Value;
                set => Options.LearningRate = value;
            }

            public double InitialLearningRate
            {
                get => Options.InitialLearningRate;
                set => Options.InitialLearningRate = value;
            }
        }

        public class ParamGroup<TOptions> : ParamGroup where TOptions : OptimizerOptions
        {
            public ParamGroup()
            {
            }

            public ParamGroup(IEnumerable<Parameter> parameters, TOptions options = null)
            {
                base.Parameters = parameters;
                base.Options = options;
            }

            public new TOptions Options
            {
                get => (TOptions)base.Options;
                set => base.Options = value;
            }
        }
    }

    /// <summary>The fixture's own (non-TorchSharp) binary form of a tensor, for optimizer state.</summary>
    internal static class FixtureTensorIO
    {
        internal static void Write(BinaryWriter writer, torch.Tensor tensor)
        {
            writer.Write((sbyte)tensor.dtype);
            var shape = tensor.shape;
            writer.Write(shape.Length);
            foreach (var d in shape) writer.Write(d);
            for (long i = 0; i < tensor.numel(); i++) writer.Write(tensor.fixture_get(i));
        }

        internal static torch.Tensor Read(BinaryReader reader)
        {
            var dtype = (torch.ScalarType)reader.ReadSByte();
            var shape = new long[reader.ReadInt32()];
            for (var i = 0; i < shape.Length; i++) shape[i] = reader.ReadInt64();
            var result = torch.empty(shape, dtype);
            for (long i = 0; i < result.numel(); i++) result.fixture_set(i, reader.ReadDouble());
            return result;
        }

        internal static void ReadInto(BinaryReader reader, torch.Tensor target)
        {
            using var loaded = Read(reader);
            target.copy_(loaded);
        }
    }
}

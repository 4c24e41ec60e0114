using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.Native;
using WdGen.Optimization;
using WdGen.Optimization.Backends.Cuda;
using WdGen.Optimization.Engine;

namespace WdGen
{
    /// <summary>
    /// A TorchSharp optimizer backed by WdGen's fused engine: <c>step()</c>, <c>zero_grad()</c> and the learning-rate
    /// schedulers work as with TorchSharp's own. Each step reads every parameter's data and gradient addresses and
    /// updates all of them in one pass, on the CPU or, when the parameters live there, on their CUDA device (after
    /// libtorch's queued work, on the legacy default stream). Contiguous float32 or bfloat16 parameters and gradients (one
    /// type for all): anything else is refused, naming the parameter, when the optimizer is built and at
    /// every step.
    /// Save and load its state with <see cref="SaveState"/> and <see cref="LoadState"/>, or with TorchSharp's
    /// <c>save_state_dict</c>/<c>load_state_dict</c>: either way each parameter's state is stored under its name with the
    /// groups' fingerprint, so a resumed run with renamed or reordered parameters fails, changing nothing, instead of
    /// loading one parameter's moments into another. The files are the same for both devices.
    /// </summary>
    public sealed partial class FusedTorchSharpOptimizer : OptimizerHelper
    {
        private readonly OptimizerEngine engine;
        private readonly DeviceType deviceType;
        private readonly int deviceIndex;
        private readonly torch.ScalarType elementType; // float32 or bfloat16, the same for every parameter and gradient
        private readonly Parameter[] tensors;
        private readonly string[] names;
        private readonly long[] lengths;
        private readonly IntPtr[] gradients;
        private OptimizerEngine.StagedState? pending;
        private int pendingCount;

        internal FusedTorchSharpOptimizer(
            DecayGroups<Parameter> groups,
            FusedAlgorithm algorithm,
            double weightDecay,
            FusedGroupOptions template,
            IReadOnlyDictionary<string, torch.Tensor>? decayMasks,
            FusedEngineOptions? engineOptions,
            FusedSettings settings)
        {
            DecayGroupsOptimizers.Checked(groups, weightDecay);
            var engineGroups = new List<FusedGroupOptions>();
            var specs = new List<FusedParameterSpec>();
            var parameterList = new List<Parameter>();
            _parameter_groups = new List<ParamGroup>();
            var unusedMasks = decayMasks is null ? new HashSet<string>() : new HashSet<string>(decayMasks.Keys);
            foreach (var group in groups.ScaledGroups)
            {
                var options = template.Clone();
                options.WeightDecay = group.WeightDecayFor(weightDecay);
                options.LearningRate = group.LearningRateFor(template.LearningRate); // lr × the group's [LearningRate]/ScaleLearningRate scale
                foreach (var entry in group.Entries)
                {
                    var mask = decayMasks is null ? null : DecayGroupsOptimizers.MaskOf(decayMasks, entry);
                    unusedMasks.Remove(entry.Name);
                    unusedMasks.ExceptWith(entry.Aliases);
                    specs.Add(new FusedParameterSpec(entry.Name, engineGroups.Count, entry.ElementCount, mask is null ? null : MaskValues(entry, mask)));
                    parameterList.Add(entry.Parameter);
                }

                engineGroups.Add(options);
                _parameter_groups.Add(new ParamGroup<GroupOptions>(
                    group.Parameters,
                    new GroupOptions { LearningRate = options.LearningRate, InitialLearningRate = options.LearningRate }));
            }

            if (unusedMasks.Count > 0)
            {
                throw new ArgumentException(
                    "Decay masks name parameters that " + groups.Model + "'s groups do not have: '" + string.Join("', '", unusedMasks) + "'.", nameof(decayMasks));
            }

            _defaults = new OptimizerOptions { LearningRate = template.LearningRate, InitialLearningRate = template.LearningRate };
            tensors = parameterList.ToArray();
            names = specs.ConvertAll(s => s.Name).ToArray();
            lengths = specs.ConvertAll(s => s.Length).ToArray();
            gradients = new IntPtr[tensors.Length];
            (deviceType, deviceIndex) = CommonDevice();
            elementType = tensors.Length == 0 ? torch.ScalarType.Float32 : tensors[0].dtype;
            var storage = settings.StorageFor(elementType);
            for (var i = 0; i < tensors.Length; i++)
            {
                Check(i, tensors[i].Handle, "parameter");
            }

            engine = new OptimizerEngine(
                algorithm, engineGroups, specs, groups.Fingerprint,
                (engineOptions ?? new FusedEngineOptions()).WithDefaultThreadCount(torch.get_num_threads()), // the engine's threads = libtorch's
                deviceType == DeviceType.CUDA ? () => CudaBackend.Create(deviceIndex) : null,
                settings.State,
                storage);

            // TorchSharp's state dictionaries list one OptimizerState per parameter (positionally); each of ours saves and
            // checks its parameter's name, so TorchSharp's save_state_dict/load_state_dict are name-keyed too.
            for (var i = 0; i < tensors.Length; i++)
            {
                _state[tensors[i].Handle] = new ParameterState(this, i, tensors[i]);
            }

            Configure(groups, settings);
        }

        /// <summary>Bytes of optimizer state held (on the parameters' device).</summary>
        public long StateBytes => engine.StateBytes;

        /// <summary>What the engine runs on, e.g. "cpu, 2 threads".</summary>
        public string Device => engine.Backend.Name;

        /// <summary>The engine's per-group options (learning rates follow the param groups at every step).</summary>
        public IReadOnlyList<FusedGroupOptions> EngineGroups => engine.Groups;

        /// <summary>True when the parameters live on a CUDA device and the CUDA engine updates them.</summary>
        public bool IsCuda => deviceType == DeviceType.CUDA;

        /// <summary>What the last step did: how many parameters it updated, or which gradients were not finite.</summary>
        public FusedStepResult LastStep { get; private set; }

        /// <summary>Updates every parameter that has a gradient, in one fused pass.</summary>
        public override torch.Tensor step(Func<torch.Tensor>? closure = null)
        {
            torch.Tensor? loss = null;
            if (closure is not null)
            {
                using var _ = torch.enable_grad();
                loss = closure();
            }

            for (var g = 0; g < _parameter_groups.Count; g++)
            {
                engine.Groups[g].LearningRate = _parameter_groups[g].LearningRate;
            }

            try
            {
                for (var i = 0; i < tensors.Length; i++)
                {
                    var handle = Handle(i);
                    Check(i, handle, "parameter");
                    var gradient = LibTorchSharp.Grad(handle);
                    gradients[i] = gradient;
                    if (gradient != IntPtr.Zero)
                    {
                        Check(i, gradient, "gradient");
                    }

                    engine.SetBuffers(i, LibTorchSharp.Data(handle), gradient == IntPtr.Zero ? IntPtr.Zero : LibTorchSharp.Data(gradient));
                }

                LastStep = engine.Step();
            }
            finally
            {
                ReleaseGradients();
            }

            return loss!;
        }

        /// <summary>Sets every gradient to zero, in place.</summary>
        public override void zero_grad()
        {
            for (var i = 0; i < tensors.Length; i++)
            {
                var gradient = LibTorchSharp.Grad(Handle(i));
                if (gradient == IntPtr.Zero)
                {
                    continue;
                }

                try
                {
                    Check(i, gradient, "gradient");
                    engine.ZeroBuffer(LibTorchSharp.Data(gradient), lengths[i]);
                }
                finally
                {
                    LibTorchSharp.Dispose(gradient);
                }
            }
        }

        /// <inheritdoc/>
        public override IEnumerable<Parameter> parameters() => tensors;

        /// <summary>Writes the optimizer state (moments, step counts) keyed by parameter name, atomically.</summary>
        public void SaveState(string path) => engine.SaveState(path);

        /// <summary>
        /// Loads state saved by <see cref="SaveState"/>; fails, changing nothing, if names or the fingerprint differ, or if
        /// the file stores another <see cref="StateFormat"/> than this optimizer and <paramref name="convertFormat"/> is false.
        /// </summary>
        public void LoadState(string path, bool convertFormat = false) => engine.LoadState(path, convertFormat);

        /// <summary>How the optimizer state is stored (tensors under 4,096 elements keep float32 under <see cref="StateFormat.Int8"/>).</summary>
        public StateFormat StateFormat => engine.Format;

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                engine?.Dispose();
            }

            base.Dispose(disposing);
        }

        /// <summary>
        /// One parameter's state as TorchSharp's <c>load_state_dict</c> hands it over, parameter after parameter: read and
        /// checked into host memory, and installed (with the groups' learning rates) only when the last one has been read.
        /// </summary>
        private void Stage(int index, Stream stream)
        {
            if (index == 0)
            {
                // A new load: drop state staged by an earlier one that failed midway (the learning rates TorchSharp
                // read just before the states belong to this load and stay pending).
                pending?.Dispose();
                pending = null;
                pendingCount = 0;
            }

            try
            {
                var staged = engine.ReadState(stream, "The TorchSharp state of '" + names[index] + "'", new[] { index });
                pending ??= new OptimizerEngine.StagedState(engine);
                pending.Absorb(staged);
                staged.Dispose();
                if (++pendingCount < tensors.Length)
                {
                    return;
                }

                engine.Commit(pending);
                pending = null;
                foreach (var group in _parameter_groups)
                {
                    ((GroupOptions)group.Options).Commit();
                }
            }
            catch
            {
                Discard();
                throw;
            }
        }

        private void Discard()
        {
            pending?.Dispose();
            pending = null;
            pendingCount = 0;
            foreach (var group in _parameter_groups)
            {
                ((GroupOptions)group.Options).Pending = null;
            }
        }

        private void ReleaseGradients()
        {
            for (var i = 0; i < gradients.Length; i++)
            {
                if (gradients[i] != IntPtr.Zero)
                {
                    LibTorchSharp.Dispose(gradients[i]);
                    gradients[i] = IntPtr.Zero;
                }
            }
        }

        /// <summary>Parameter <paramref name="index"/>'s native handle; a disposed parameter is named, with the usual cause.</summary>
        private IntPtr Handle(int index)
            => tensors[index].IsInvalid
                ? throw new InvalidOperationException(
                    "The parameter '" + names[index] + "' has been disposed since this optimizer was created: model.to(…), .cuda(), .half() and the like "
                    + "replace a model's parameters. Create the optimizer (and its decay groups) after moving or casting the model.")
                : tensors[index].Handle;

        /// <summary>Refuses a tensor the engine cannot update in place, naming the parameter and what is wrong.</summary>
        private void Check(int index, IntPtr tensor, string what)
        {
            var type = LibTorchSharp.ElementType(tensor);
            var device = LibTorchSharp.DeviceType(tensor);
            var ordinal = device == DeviceType.CPU ? 0 : LibTorchSharp.DeviceIndex(tensor);
            var contiguous = LibTorchSharp.IsContiguous(tensor);
            var count = LibTorchSharp.ElementCount(tensor);
            if (type == elementType && type is torch.ScalarType.Float32 or torch.ScalarType.BFloat16
                && device == deviceType && ordinal == deviceIndex && contiguous && count == lengths[index])
            {
                return;
            }

            var problem =
                type is not (torch.ScalarType.Float32 or torch.ScalarType.BFloat16)
                    ? "is " + TensorFacts.Name(type) + "; the fused optimizers update float32 or bfloat16 tensors. Convert the model (model.to(torch.float32) or torch.bfloat16), or use groups.ToAdamW(…) (TorchSharp's own optimizer) for it"
                : type != elementType
                    ? "is " + TensorFacts.Name(type) + ", but '" + names[0] + "' is " + TensorFacts.Name(elementType) + " (the optimizer was created for " + TensorFacts.Name(elementType)
                        + " tensors). Keep every parameter and gradient in one type, and create the optimizer after casting the model"
                : device != deviceType || ordinal != deviceIndex ? "is on " + TensorFacts.Name(device, ordinal) + ", but the optimizer was created for parameters on " + TensorFacts.Name(deviceType, deviceIndex) + ". Create the optimizer after moving the model"
                : !contiguous ? "is not contiguous (a strided view, e.g. a slice or a transpose); the fused step reads and writes tensors as one block of memory. "
                    + (what == "parameter" ? "Register a contiguous tensor as the parameter (.contiguous())" : "Assign a contiguous gradient (grad.contiguous())")
                : "has " + count + " elements, but the parameter had " + lengths[index] + " when the optimizer was created. Create the optimizer after changing the model";
            throw new NotSupportedException("The " + what + " of '" + names[index] + "' " + problem + ".");
        }

        /// <summary>The device all parameters share; refuses a mix, naming two parameters on different devices.</summary>
        private (DeviceType Type, int Index) CommonDevice()
        {
            // CPU tensors report index -1 or 0; there is one CPU device, called 0 here.
            var first = (Type: tensors[0].device_type, Index: tensors[0].device_type == DeviceType.CPU ? 0 : tensors[0].device_index);
            for (var i = 1; i < tensors.Length; i++)
            {
                var type = tensors[i].device_type;
                var index = type == DeviceType.CPU ? 0 : tensors[i].device_index;
                if (type != first.Type || index != first.Index)
                {
                    throw new ArgumentException(
                        "The fused optimizer updates all parameters on one device, but '" + names[0] + "' is on " + TensorFacts.Name(first.Type, first.Index)
                        + " and '" + names[i] + "' is on " + TensorFacts.Name(type, index) + ". Move the whole model to one device (model.to(device)) before creating the optimizer.",
                        "groups");
                }
            }

            if (first.Type is not (DeviceType.CPU or DeviceType.CUDA))
            {
                throw new NotSupportedException(
                    "The fused optimizer runs on the CPU or on a CUDA device; '" + names[0] + "' is on " + TensorFacts.Name(first.Type, first.Index)
                    + ". Use groups.ToAdamW(…) (TorchSharp's own optimizer) for it.");
            }

            return first;
        }

        /// <summary>A decay mask's values, checked: only for a decaying parameter, float32, its shape, on the CPU.</summary>
        private static float[] MaskValues(DecayEntry<Parameter> entry, torch.Tensor mask)
        {
            if (!entry.Decays)
            {
                throw new ArgumentException(
                    "A decay mask was given for '" + entry.Name + "', which does not decay (" + entry.Reason + "). Mark its member [Decay] or drop the mask.", "decayMasks");
            }

            if (!mask.shape.SequenceEqual(entry.Parameter.shape) || mask.dtype != torch.ScalarType.Float32)
            {
                throw new ArgumentException(
                    "The decay mask for '" + entry.Name + "' must be float32 with the parameter's shape [" + string.Join(", ", entry.Parameter.shape)
                    + "]; it is " + TensorFacts.Name(mask.dtype) + " with shape [" + string.Join(", ", mask.shape) + "].", "decayMasks");
            }

            if (mask.device_type != DeviceType.CPU)
            {
                throw new ArgumentException(
                    "The decay mask for '" + entry.Name + "' must be a CPU tensor (the engine copies it once, to its own device); pass mask.cpu().", "decayMasks");
            }

            return mask.contiguous().data<float>().ToArray();
        }

        /// <summary>A group's learning rates; what TorchSharp's load_state_dict reads waits until every parameter's state has loaded.</summary>
        private sealed class GroupOptions : OptimizerOptions
        {
            public (double Initial, double Current)? Pending { get; set; }

            public override void LoadStateDict(BinaryReader reader) => Pending = (reader.ReadDouble(), reader.ReadDouble());

            public override void LoadStateDict(OptimizerOptions source) => Pending = (source.InitialLearningRate, source.LearningRate ?? InitialLearningRate);

            public void Commit()
            {
                if (Pending is { } rates)
                {
                    (InitialLearningRate, LearningRate) = rates;
                    Pending = null;
                }
            }
        }

        /// <summary>One parameter's entry in TorchSharp's state dictionary: its state in WdGen's format, under its name.</summary>
        private sealed class ParameterState : OptimizerState
        {
            private readonly FusedTorchSharpOptimizer owner;
            private readonly int index;

            public ParameterState(FusedTorchSharpOptimizer owner, int index, Parameter parameter)
                : base(parameter)
            {
                this.owner = owner;
                this.index = index;
            }

            public override void Initialize(OptimizerOptions options)
            {
            }

            public override void SaveStateDict(BinaryWriter writer)
            {
                writer.Flush();
                owner.engine.SaveState(writer.BaseStream, new[] { index });
            }

            public override void LoadStateDict(BinaryReader reader) => owner.Stage(index, reader.BaseStream);

            public override void LoadStateDict(OptimizerState source)
            {
                if (source is not ParameterState other)
                {
                    throw new ArgumentException(
                        "A fused optimizer loads state dictionaries of fused optimizers only; this one holds " + source.GetType().Name + ".", nameof(source));
                }

                using var buffer = new MemoryStream();
                other.owner.engine.SaveState(buffer, new[] { other.index });
                buffer.Position = 0;
                owner.Stage(index, buffer);
            }
        }
    }
}

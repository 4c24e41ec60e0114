using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.Native;
using WdGen.Optimization;

namespace WdGen
{
    /// <summary>The fused optimizers' training-loop features: clipping inside the step, a resumable schedule, an EMA of the weights.</summary>
    public sealed partial class FusedTorchSharpOptimizer
    {
        private Dictionary<string, int>? indexByName; // every name and alias of the groups' tensors

        /// <summary>
        /// The total L2 norm of all gradients (each tensor once) that the last step computed before clipping them, as
        /// <c>clip_grad_norm_</c> returns it; null without <c>maxGradNorm</c> or before the first step. NaN or ∞ when a
        /// gradient held NaN or ±∞ (that step multiplied every gradient by NaN, or by 0, as <c>groups.ClipGradNorm</c> with
        /// <c>errorIfNonFinite: false</c> and <c>torch.nn.utils.clip_grad_norm_</c> do: use
        /// <see cref="FusedEngineOptions.CheckNonFinite"/> to skip such steps instead).
        /// </summary>
        public double? LastGradNorm => engine.LastGradNorm;

        /// <summary>The clipping threshold of <c>maxGradNorm</c> (null: no clipping). May be changed between steps.</summary>
        public double? MaxGradNorm
        {
            get => engine.MaxGradNorm;
            set => engine.MaxGradNorm = value is { } max && !(max > 0)
                ? throw new ArgumentOutOfRangeException(
                    "maxGradNorm", max, "maxGradNorm must be > 0 (0 would zero every gradient; ∞ measures the norm without clipping; null turns clipping off).")
                : value;
        }

        /// <summary>The learning-rate schedule given as <c>schedule</c> (null: none).</summary>
        public LearningRateSchedule? Schedule => engine.Schedule;

        /// <summary>
        /// The optimizer's step counter (steps applied with at least one gradient): the schedule's position, saved with
        /// the state and restored by <see cref="LoadState"/> and <c>load_state_dict</c>.
        /// </summary>
        public long StepCount => engine.ScheduleStep;

        /// <summary>The schedule's factor at the last step (1 without a schedule): each group's learning rate was multiplied by it.</summary>
        public double LastLearningRateFactor => engine.LastScheduleFactor;

        /// <summary>The decay of the weights' moving average given as <c>ema</c> (null: none kept).</summary>
        public double? EmaDecay => engine.EmaDecay;

        /// <summary>
        /// Copies the moving average of the weights into the optimizer's own parameters (a parameter not stepped yet keeps
        /// its value: its average is itself). To evaluate and then continue training, use <see cref="SwapEma"/> twice instead.
        /// </summary>
        /// <exception cref="InvalidOperationException">The optimizer keeps no moving average (<c>ema</c> was not set).</exception>
        public void CopyEmaTo()
        {
            RequireEma();
            for (var i = 0; i < tensors.Length; i++)
            {
                CopyEma(i, tensors[i]);
            }
        }

        /// <summary>
        /// Copies the moving average of the weights into <paramref name="model"/>'s parameters, matched by name (each name
        /// or alias of the groups' tensors; e.g. a second instance of the trained model, for evaluation): every parameter
        /// of <paramref name="model"/> must be one of the optimizer's, and every one of the optimizer's must be there.
        /// </summary>
        /// <param name="model">A model with the trained model's parameter names and shapes (any device and floating type).</param>
        /// <exception cref="InvalidOperationException">The optimizer keeps no moving average.</exception>
        /// <exception cref="ArgumentException">A parameter of <paramref name="model"/> is unknown to the optimizer, has another size, or one is missing.</exception>
        public void CopyEmaTo(torch.nn.Module model)
        {
            ArgumentNullException.ThrowIfNull(model);
            RequireEma();
            var covered = new bool[tensors.Length];
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (indexByName is null || !indexByName.TryGetValue(name, out var index))
                {
                    throw new ArgumentException("The model's parameter '" + name + "' is not one of this optimizer's; CopyEmaTo copies into a model with the trained model's parameter names.", nameof(model));
                }

                if (parameter.numel() != lengths[index])
                {
                    throw new ArgumentException("The model's parameter '" + name + "' has " + parameter.numel() + " elements; the optimizer's has " + lengths[index] + ".", nameof(model));
                }

                CopyEma(index, parameter);
                covered[index] = true;
            }

            var missing = Array.IndexOf(covered, false);
            if (missing >= 0)
            {
                throw new ArgumentException("The model has no parameter '" + names[missing] + "'; CopyEmaTo copies every averaged parameter.", nameof(model));
            }
        }

        /// <summary>
        /// Exchanges the parameters and their moving average, in place on their device: call before evaluating with the
        /// averaged weights and once more after it to continue training where it was (twice is the identity). Parameters
        /// not stepped yet are left as they are. Do not step between the two calls.
        /// </summary>
        /// <exception cref="InvalidOperationException">The optimizer keeps no moving average, or its parameters are not float32.</exception>
        public void SwapEma()
        {
            RequireEma();
            if (engine.Storage != WdGen.Optimization.Engine.ParameterStorage.Float32)
            {
                throw new InvalidOperationException("SwapEma exchanges float32 parameters with their float32 average; these parameters are bfloat16. Use CopyEmaTo(evaluationModel) instead.");
            }

            for (var i = 0; i < tensors.Length; i++)
            {
                var handle = Handle(i);
                Check(i, handle, "parameter");
                engine.SwapEma(i, LibTorchSharp.Data(handle));
            }
        }

        /// <summary>Applies the training-loop options of the <c>ToFused…</c> methods; disposes the optimizer when one is refused.</summary>
        private void Configure(DecayGroups<Parameter> groups, FusedSettings settings)
        {
            try
            {
                MaxGradNorm = settings.MaxGradNorm;
                engine.Schedule = settings.Schedule;
                if (settings.Ema is { } decay)
                {
                    if (!(decay > 0 && decay < 1))
                    {
                        throw new ArgumentOutOfRangeException("ema", decay, "ema (the moving average's decay) must be in (0, 1), e.g. 0.999 (0 would make the average the weights themselves).");
                    }

                    engine.EnableEma(decay);
                    indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
                    var index = 0;
                    foreach (var group in groups.ScaledGroups)
                    {
                        foreach (var entry in group.Entries)
                        {
                            indexByName[entry.Name] = index;
                            foreach (var alias in entry.Aliases)
                            {
                                indexByName[alias] = index;
                            }

                            index++;
                        }
                    }
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>
        /// bfloat16 parameters with master weights (<c>masterWeights: true</c>): the float32 master copies are the weights
        /// the optimizer updates, and each step writes them, rounded, over the model's. After changing the model's
        /// weights yourself (loading a checkpoint of weights only, re-initialising a layer), call this so that the next
        /// step takes the master copies from the model again. (<see cref="CopyEmaTo()"/> and <see cref="LoadState"/> keep
        /// them in step themselves.) Does nothing for float32 parameters or stochastic rounding.
        /// </summary>
        public void ReloadMasterWeights()
        {
            for (var i = 0; i < tensors.Length; i++)
            {
                engine.ReloadMaster(i);
            }
        }

        private void RequireEma()
        {
            if (engine.EmaDecay is null)
            {
                throw new InvalidOperationException("This optimizer keeps no moving average of the weights: create it with ema: (e.g. 0.999).");
            }
        }

        /// <summary>
        /// One parameter's average into <paramref name="target"/>, through a float32 tensor on the optimizer's device that
        /// the engine fills (no model-sized managed array; libtorch converts to the target's type and device).
        /// </summary>
        private void CopyEma(int index, torch.Tensor target)
        {
            var own = ReferenceEquals(target, tensors[index]);
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            if (!engine.HasEma(index))
            {
                if (!own)
                {
                    target.copy_(tensors[index].detach().reshape(target.shape)); // not stepped yet: its average is itself
                }

                return;
            }

            var average = torch.empty(lengths[index], torch.ScalarType.Float32, new torch.Device(deviceType, deviceIndex));
            engine.CopyEma(index, LibTorchSharp.Data(average.Handle));
            target.copy_(average.reshape(target.shape));
            if (own)
            {
                engine.OverwriteMaster(index, LibTorchSharp.Data(average.Handle)); // bfloat16 master weights: the average is the weights now
            }
        }
    }
}

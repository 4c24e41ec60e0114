using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace WdGen
{
    /// <summary>
    /// TorchSharp's own optimizers built from decay groups: one param group per scaled group (distinct decay scale and
    /// learning-rate scale), each with its weight decay and, where its learning-rate scale is not 1, its learning rate
    /// <c>lr × scale</c> (TorchSharp sets each group's initial learning rate from it, so schedulers scale from there).
    /// </summary>
    public static class DecayGroupsOptimizers
    {
        /// <summary>
        /// TorchSharp's AdamW (decoupled weight decay) over <paramref name="groups"/>: decaying parameters get
        /// <paramref name="weightDecay"/> times their scale, the rest 0. Groups use the Options form, so they
        /// inherit the optimizer's learning rate (the convenience ParamGroup constructor would fix it at 1e-3), except
        /// groups with a learning-rate scale (<c>[LearningRate]</c>, <c>ScaleLearningRate</c>), which get <c>lr × scale</c>.
        /// </summary>
        public static AdamW ToAdamW(
            this DecayGroups<Parameter> groups,
            double lr,
            double weightDecay,
            double beta1 = 0.9,
            double beta2 = 0.999,
            double eps = 1e-8,
            bool amsgrad = false,
            bool maximize = false)
        {
            var paramGroups = ParamGroups(groups, lr, weightDecay, static (parameters, decay, rate) => new AdamW.ParamGroup(parameters, new AdamW.Options { weight_decay = decay, LearningRate = rate }));
            return torch.optim.AdamW(paramGroups, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
        }

        /// <summary>
        /// TorchSharp's Adam over <paramref name="groups"/>. Its weight decay is an L2 penalty added to the gradient
        /// before the adaptive step (not decoupled decay: prefer <see cref="ToAdamW"/>); decaying parameters get
        /// <paramref name="weightDecay"/> times their scale, the rest 0.
        /// </summary>
        public static Adam ToAdam(
            this DecayGroups<Parameter> groups,
            double lr,
            double weightDecay,
            double beta1 = 0.9,
            double beta2 = 0.999,
            double eps = 1e-8,
            bool amsgrad = false,
            bool maximize = false)
        {
            var paramGroups = ParamGroups(groups, lr, weightDecay, static (parameters, decay, rate) => new Adam.ParamGroup(parameters, new Adam.Options { weight_decay = decay, LearningRate = rate }));
            return torch.optim.Adam(paramGroups, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
        }

        /// <summary>
        /// TorchSharp's SGD over <paramref name="groups"/>, with L2 weight decay (<c>grad += wd·p</c>): decaying
        /// parameters get <paramref name="weightDecay"/> times their scale, the rest 0.
        /// </summary>
        public static SGD ToSgd(
            this DecayGroups<Parameter> groups,
            double learningRate,
            double weightDecay,
            double momentum = 0,
            double dampening = 0,
            bool nesterov = false,
            bool maximize = false)
        {
            var paramGroups = ParamGroups(groups, learningRate, weightDecay, static (parameters, decay, rate) => new SGD.ParamGroup(parameters, new SGD.Options { weight_decay = decay, LearningRate = rate }));
            return torch.optim.SGD(paramGroups, learningRate, momentum, dampening, weightDecay, nesterov, maximize);
        }

        /// <summary>
        /// The quadratic penalty <c>weightDecay / 2 · Σ scale · mask ⊙ p²</c> over the decaying parameters, to add to
        /// the loss: its gradient is <c>weightDecay · scale · mask ⊙ p</c>, the same as an L2 <c>weight_decay</c>, but
        /// <paramref name="masks"/> (keyed by parameter name, same shape as the parameter) can weight each element.
        /// </summary>
        public static torch.Tensor L2Penalty(
            this DecayGroups<Parameter> groups,
            double weightDecay,
            IReadOnlyDictionary<string, torch.Tensor>? masks = null)
        {
            Checked(groups, weightDecay);
            if (masks is not null)
            {
                foreach (var name in masks.Keys)
                {
                    var entry = groups.Find(name)
                        ?? throw new ArgumentException("L2Penalty: no parameter of " + groups.Model + " is named '" + name + "'.", nameof(masks));
                    if (!entry.Decays)
                    {
                        throw new ArgumentException(
                            "L2Penalty: '" + name + "' does not decay (" + entry.Reason + "), so a mask for it would have no effect. Mark its member [Decay] or drop the mask.",
                            nameof(masks));
                    }

                    var parameterShape = entry.Parameter.shape;
                    var maskShape = masks[name].shape;
                    if (!parameterShape.SequenceEqual(maskShape))
                    {
                        throw new ArgumentException(
                            "L2Penalty: the mask for '" + name + "' has shape [" + string.Join(", ", maskShape) + "] but the parameter has shape [" + string.Join(", ", parameterShape) + "].",
                            nameof(masks));
                    }
                }
            }

            torch.Tensor? total = null;
            foreach (var entry in groups.Decay)
            {
                var squares = entry.Parameter.square();
                if (masks is not null && MaskOf(masks, entry) is { } mask)
                {
                    squares = squares * mask;
                }

                var term = squares.sum() * (0.5 * weightDecay * entry.Scale);
                total = total is null ? term : total + term;
            }

            return total ?? torch.tensor(0.0f);
        }

        /// <summary>The mask given for an entry under its name or one of its aliases (a tied tensor's other paths).</summary>
        internal static torch.Tensor? MaskOf(IReadOnlyDictionary<string, torch.Tensor> masks, DecayEntry<Parameter> entry)
        {
            if (masks.TryGetValue(entry.Name, out var mask))
            {
                return mask;
            }

            foreach (var alias in entry.Aliases)
            {
                if (masks.TryGetValue(alias, out mask))
                {
                    return mask;
                }
            }

            return null;
        }

        /// <summary>Refuses null groups, a weight decay that is negative or not finite, and groups with nothing to train.</summary>
        internal static DecayGroups<Parameter> Checked(DecayGroups<Parameter> groups, double weightDecay)
        {
            ArgumentNullException.ThrowIfNull(groups);
            if (double.IsNaN(weightDecay) || double.IsInfinity(weightDecay) || weightDecay < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be a finite number ≥ 0.");
            }

            if (groups.Entries.Count == 0)
            {
                throw new ArgumentException(groups.Model + " has no trainable parameters to optimize.", nameof(groups));
            }

            return groups;
        }

        /// <summary>
        /// One param group per scaled group, each with its own weight decay, in the groups' order; a group with a
        /// learning-rate scale gets its own learning rate, the others none (they take the optimizer's).
        /// </summary>
        private static List<TGroup> ParamGroups<TGroup>(DecayGroups<Parameter> groups, double lr, double weightDecay, Func<IReadOnlyList<Parameter>, double, double?, TGroup> create)
            => Checked(groups, weightDecay).ScaledGroups
                .Select(group => create(group.Parameters, group.WeightDecayFor(weightDecay), group.LearningRateScale == 1.0 ? null : group.LearningRateFor(lr)))
                .ToList();
    }
}

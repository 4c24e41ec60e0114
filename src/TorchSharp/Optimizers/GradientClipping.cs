using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace WdGen
{
    /// <summary>Gradient clipping over each tensor once: a tied tensor, which TorchSharp lists under two names, counts once.</summary>
    public static class GradientClipping
    {
        /// <summary>
        /// Scales the gradients of the groups' tensors in place so that their total <paramref name="normType"/>-norm is at
        /// most <paramref name="maxNorm"/>, as <c>torch.nn.utils.clip_grad_norm_</c> does, but over the unique tensors
        /// (<c>clip_grad_norm_(model.parameters(), …)</c> counts a tied gradient twice and scales it twice). Parameters
        /// without a gradient are left out.
        /// </summary>
        /// <returns>The total norm before clipping; NaN or ∞ when a gradient holds NaN or ±∞ (with
        /// <paramref name="errorIfNonFinite"/>, an exception names those parameters instead and nothing is clipped).</returns>
        public static double ClipGradNorm(this DecayGroups<Parameter> groups, double maxNorm, double normType = 2.0, bool errorIfNonFinite = false)
        {
            ArgumentNullException.ThrowIfNull(groups);
            if (double.IsNaN(maxNorm) || maxNorm < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be ≥ 0.");
            }

            if (errorIfNonFinite && NonFinite(groups).ToList() is { Count: > 0 } bad)
            {
                // Checked before clipping, as PyTorch's error_if_nonfinite does: the gradients are left as they are.
                throw new InvalidOperationException(
                    $"The total gradient norm of {groups.Model} is not finite: NaN or ±∞ in the gradients of '" + string.Join("', '", bad) + "'. "
                    + "Skip this step (zero_grad) or lower the learning rate.");
            }

            return torch.nn.utils.clip_grad_norm_(groups.Entries.Select(e => e.Parameter), maxNorm, normType);
        }

        private static IEnumerable<string> NonFinite(DecayGroups<Parameter> groups)
        {
            foreach (var entry in groups.Entries)
            {
                using var gradient = entry.Parameter.grad;
                if (gradient is not null && !gradient.isfinite().all().item<bool>())
                {
                    yield return entry.Name;
                }
            }
        }
    }
}

using System;
using System.Collections.Generic;

namespace WdGen.Optimization
{
    /// <summary>What one fused step did (the default value means "no step taken yet").</summary>
    public readonly struct FusedStepResult
    {
        private readonly IReadOnlyList<string>? _nonFinite;

        internal FusedStepResult(int updatedParameters, IReadOnlyList<string>? nonFinite)
        {
            UpdatedParameters = updatedParameters;
            _nonFinite = nonFinite;
        }

        /// <summary>True unless non-finite gradients made the step skip.</summary>
        public bool Applied => NonFiniteParameters.Count == 0;

        /// <summary>How many parameters had a gradient and were updated (0 when skipped).</summary>
        public int UpdatedParameters { get; }

        /// <summary>
        /// The names of the parameters whose gradient held NaN or ±Inf (only with
        /// <see cref="FusedEngineOptions.CheckNonFinite"/>); empty when the step was applied.
        /// </summary>
        public IReadOnlyList<string> NonFiniteParameters => _nonFinite ?? Array.Empty<string>();
    }
}

using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using WdGen.Optimization.Engine;
using WdGen.Optimization.Formats;

namespace WdGen.Optimization.Algorithms
{
    /// <summary>Lion's per-step switches (the CUDA kernel gets them as WDG_LION_* macros).</summary>
    [Flags]
    internal enum LionFlags
    {
        None = 0,
        Maximize = 1,
        Decay = 2,  // weight decay != 0
        Masked = 4, // per-element decay mask present
    }

    /// <summary>Lion's scalars for one tensor and step: doubles computed on the host, cast to float once.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct LionCoefficients
    {
        public float Beta1;         // (float)beta1
        public float OneMinusBeta1; // (float)(1 - beta1)
        public float Beta2;         // (float)beta2
        public float OneMinusBeta2; // (float)(1 - beta2)
        public float NegLr;         // (float)(-lr)
        public float DecayFactor;   // unmasked: (float)(1 - lr*wd)
        public float LrWd;          // masked: (float)(lr*wd)
        public LionFlags Flags;
    }

    /// <summary>
    /// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2 with decoupled weight decay):
    /// <c>c = β1·m + (1−β1)·g;  p ← p·(1 − lr·wd·mask) − lr·sign(c);  m ← β2·m + (1−β2)·g</c>, with one state,
    /// <c>exp_avg</c> (signed; 12 bytes per parameter with float32 state: parameter, gradient, moment). CPU:
    /// <see cref="Update"/>; CUDA: <c>lion.cu</c>. PyTorch has no Lion; the rule is tested against a numpy reference of the
    /// paper's algorithm (tests/Runtime.Tests/Optimization/LionOracleTests.cs). Lion reads the group's LearningRate,
    /// WeightDecay, Beta1, Beta2 and Maximize, whose setters already refuse NaN, infinities, negative values and betas
    /// outside [0, 1); every combination of them is defined, so there is no <see cref="OptimizerAlgorithm.Validate"/>.
    /// </summary>
    /// <remarks>
    /// The float operations per element, in this order (the vector path, the scalar tail and lion.cu do exactly these, so
    /// results do not depend on chunking, alignment, thread count or device):
    /// <list type="number">
    /// <item>maximize: <c>g = −g</c> (a sign flip, exact);</item>
    /// <item>weight decay (wd ≠ 0), before the update as in the paper: <c>p = p * DecayFactor</c>, or with a mask
    /// <c>p = p * (1 − mask * LrWd)</c> (multiply, subtract, multiply; AdamW's decoupled decay, operation for operation);</item>
    /// <item><c>c = fma(g, OneMinusBeta1, m * Beta1)</c> (torch's <c>m.mul(β1).add_(g, alpha=1−β1)</c>: a multiply, then
    /// one fused multiply-add);</item>
    /// <item><c>s = c &gt; 0 ? 1 : c &lt; 0 ? −1 : (c is NaN ? c : +0)</c>: sign(0) = 0 (either zero gives +0) and a NaN stays
    /// NaN, as numpy's and jax's <c>sign</c> (torch's <c>sign</c> maps NaN to 0, which would hide a NaN moment);</item>
    /// <item><c>p = fma(s, NegLr, p)</c>: <c>p − lr·s</c> rounded once (s·lr is exact);</item>
    /// <item><c>m = fma(g, OneMinusBeta2, m * Beta2)</c>, from the moment before this step.</item>
    /// </list>
    /// </remarks>
    internal sealed class Lion : OptimizerAlgorithm<LionCoefficients>
    {
        public const int ExpAvg = 0;

        private static readonly StateSpec[] StateSpecs = { new("exp_avg", StateAllocation.Arena, StateRange.Signed) };

        public static readonly Lion Instance = new();

        private Lion()
        {
        }

        public override FusedAlgorithm Kind => FusedAlgorithm.Lion;

        public override string Name => "lion";

        public override IReadOnlyList<StateSpec> States => StateSpecs;

        public override Type FlagsType => typeof(LionFlags);

        public override string CudaSource => "lion.cu";

        public override string CudaKernel => "wdgen_lion_step";

        public override bool Needs(int state, FusedGroupOptions group) => true;

        protected override LionCoefficients Coefficients(FusedGroupOptions group, long step, bool masked, int created, bool exact)
        {
            var lr = group.LearningRate;
            var flags = (group.Maximize ? LionFlags.Maximize : 0)
                | (group.WeightDecay != 0 ? LionFlags.Decay : 0)
                | (masked ? LionFlags.Masked : 0);
            return new LionCoefficients
            {
                Beta1 = (float)group.Beta1,
                OneMinusBeta1 = (float)(1 - group.Beta1),
                Beta2 = (float)group.Beta2,
                OneMinusBeta2 = (float)(1 - group.Beta2),
                NegLr = (float)-lr,
                DecayFactor = (float)(1 - lr * group.WeightDecay),
                LrWd = (float)(lr * group.WeightDecay),
                Flags = flags,
            };
        }

        protected override void UpdateFloat32(in TensorSlot tensor, in LionCoefficients c, long offset, int length) => Update<Float32Elements>(in tensor, in c, offset, length);

        protected override void UpdateBFloat16(in TensorSlot tensor, in LionCoefficients c, long offset, int length) => Update<BFloat16Elements>(in tensor, in c, offset, length);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Update<TState>(in TensorSlot tensor, in LionCoefficients c, long offset, int length)
            where TState : struct, IStateElements
        {
            var p = tensor.Param + offset;
            var g = tensor.Grad + offset;
            var m = tensor.State0; // state: TState's element offset + i
            var mask = tensor.Mask == null ? null : tensor.Mask + offset;
            var maximize = (c.Flags & LionFlags.Maximize) != 0;
            var decay = (c.Flags & LionFlags.Decay) != 0;
            var masked = decay && (c.Flags & LionFlags.Masked) != 0;
            var i = 0;
            if (Simd.Best != SimdPath.Scalar) // AVX2 + FMA (bfloat16 state is widened and narrowed with AVX2)
            {
                var b1 = Vector256.Create(c.Beta1);
                var omb1 = Vector256.Create(c.OneMinusBeta1);
                var b2 = Vector256.Create(c.Beta2);
                var omb2 = Vector256.Create(c.OneMinusBeta2);
                var nlr = Vector256.Create(c.NegLr);
                var factor = Vector256.Create(c.DecayFactor);
                var lrwd = Vector256.Create(c.LrWd);
                var one = Vector256.Create(1f);
                var minusOne = Vector256.Create(-1f);
                var zero = Vector256<float>.Zero;
                var sign = Vector256.Create(-0f);
                for (; i <= length - 8; i += 8)
                {
                    var gi = Avx.LoadVector256(g + i);
                    if (maximize)
                    {
                        gi = Avx.Xor(gi, sign);
                    }

                    var pi = Avx.LoadVector256(p + i);
                    if (decay)
                    {
                        // p * (1 - lr*wd)   |   masked: p * (1 - mask*(lr*wd))
                        pi = masked
                            ? Avx.Multiply(pi, Avx.Subtract(one, Avx.Multiply(Avx.LoadVector256(mask + i), lrwd)))
                            : Avx.Multiply(pi, factor);
                    }

                    // c = fma(g, 1-beta1, m*beta1)
                    var mi = TState.Load(m, offset + i);
                    var ci = Fma.MultiplyAdd(gi, omb1, Avx.Multiply(mi, b1));

                    // s = c > 0 ? 1 : c < 0 ? -1 : (NaN ? c : +0)
                    var si = Avx.And(ci, Avx.CompareUnordered(ci, ci));
                    si = Avx.BlendVariable(si, one, Avx.CompareGreaterThan(ci, zero));
                    si = Avx.BlendVariable(si, minusOne, Avx.CompareLessThan(ci, zero));

                    // p = fma(s, -lr, p)
                    Avx.Store(p + i, Fma.MultiplyAdd(si, nlr, pi));

                    // m = fma(g, 1-beta2, m*beta2)
                    TState.Store(m, offset + i, Fma.MultiplyAdd(gi, omb2, Avx.Multiply(mi, b2)));
                }
            }

            for (; i < length; i++)
            {
                var gi = maximize ? -g[i] : g[i];
                var pi = p[i];
                if (decay)
                {
                    pi = masked ? pi * (1f - mask[i] * c.LrWd) : pi * c.DecayFactor;
                }

                var mi = TState.Load1(m, offset + i);
                var ci = MathF.FusedMultiplyAdd(gi, c.OneMinusBeta1, mi * c.Beta1);
                var si = ci > 0f ? 1f : ci < 0f ? -1f : float.IsNaN(ci) ? ci : 0f;
                p[i] = MathF.FusedMultiplyAdd(si, c.NegLr, pi);
                TState.Store1(m, offset + i, MathF.FusedMultiplyAdd(gi, c.OneMinusBeta2, mi * c.Beta2));
            }
        }
    }
}

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
    /// <summary>Adam's per-step switches (the CUDA kernel gets them as WDG_ADAM_* macros).</summary>
    [Flags]
    internal enum AdamFlags
    {
        None = 0,
        Maximize = 1,
        Amsgrad = 2,
        Decay = 4,     // weight decay != 0
        Masked = 8,    // per-element decay mask present
        Decoupled = 16, // AdamW: decay the weights, not the gradient
        OneDivision = 32, // not float32 state: denom = sqrt(v)·(1/sqrt(bc2)) + eps, one FMA instead of a division
    }

    /// <summary>Adam's scalars for one tensor and step, cast to float exactly where ATen casts them.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct AdamCoefficients
    {
        public float Beta1;         // (float)beta1
        public float OneMinusBeta1; // (float)(1 - beta1)
        public float Beta2;         // (float)beta2
        public float OneMinusBeta2; // (float)(1 - beta2)
        public float Bc2Sqrt;       // (float)sqrt(1 - beta2^step)
        public float InvBc2Sqrt;    // (float)(1 / sqrt(1 - beta2^step)), for OneDivision
        public float Eps;           // (float)eps
        public float NegStepSize;   // (float)(-lr / (1 - beta1^step))
        public float DecayFactor;   // AdamW unmasked: (float)(1 - lr*wd)
        public float LrWd;          // AdamW masked: (float)(lr*wd)
        public float WeightDecay;   // Adam L2: (float)wd
        public AdamFlags Flags;
    }

    /// <summary>
    /// Adam (torch.optim.Adam): L2 weight decay folded into the gradient, <c>g ← g + wd·mask·p</c>, then the Adam update.
    /// CPU: <see cref="Update"/>; CUDA: <c>adam.cu</c>. Each element goes through exactly the float operations of
    /// <c>torch.optim</c>'s single-tensor loop on ATen's AVX2 CPU kernels, in the same order, so results match PyTorch
    /// bit for bit. What ATen does (checked against torch 1.13, see tests/Runtime.Tests/Optimization/Oracle):
    /// <c>a.add_(b, alpha=s)</c> is <c>fma(b, (float)s, a)</c>; <c>a.addcmul_(b, c, value=s)</c> is
    /// <c>fma((float)s * b, c, a)</c>; <c>a.addcdiv_(b, c, value=s)</c> is <c>a + ((float)s * b) / c</c>; a tensor
    /// divided by or multiplied with a Python float uses <c>(float)</c> of it. The vector path (AVX2+FMA) and the scalar
    /// tail use the same operations, so results do not depend on chunk boundaries, alignment or thread count.
    /// Optimizers whose state is bfloat16 or int8 have no PyTorch result to equal, and their loops are bound by the divider
    /// (a square root and two divisions per element): they compute <c>denom = fma(sqrt(v), 1/sqrt(bc2), eps)</c>, one
    /// division fewer (<see cref="AdamFlags.OneDivision"/>; within an ulp or two of the exact denominator).
    /// </summary>
    internal class Adam : OptimizerAlgorithm<AdamCoefficients>
    {
        public const int ExpAvg = 0, ExpAvgSq = 1, MaxExpAvgSq = 2;

        private static readonly StateSpec[] StateSpecs =
        {
            new("exp_avg", StateAllocation.Arena),
            new("exp_avg_sq", StateAllocation.Arena, StateRange.NonNegative),
            new("max_exp_avg_sq", StateAllocation.OnDemand, StateRange.NonNegative),
        };

        public static readonly Adam Instance = new();

        protected Adam()
        {
        }

        public override FusedAlgorithm Kind => FusedAlgorithm.Adam;

        public override string Name => "adam";

        public override IReadOnlyList<StateSpec> States => StateSpecs;

        public override Type FlagsType => typeof(AdamFlags);

        public override string CudaSource => "adam.cu";

        public override string CudaKernel => "wdgen_adam_step";

        /// <summary>AdamW: decay the weights before the update instead of adding the L2 gradient.</summary>
        protected virtual bool Decoupled => false;

        public override bool Needs(int state, FusedGroupOptions group) => state != MaxExpAvgSq || group.Amsgrad;

        protected override AdamCoefficients Coefficients(FusedGroupOptions group, long step, bool masked, int created, bool exact)
        {
            // As torch: bias corrections, step size and sqrt in double, cast to float at the tensor op.
            var lr = group.LearningRate;
            var bc1 = 1 - Math.Pow(group.Beta1, step);
            var bc2 = 1 - Math.Pow(group.Beta2, step);
            var flags = (group.Maximize ? AdamFlags.Maximize : 0)
                | (group.Amsgrad ? AdamFlags.Amsgrad : 0)
                | (group.WeightDecay != 0 ? AdamFlags.Decay : 0)
                | (masked ? AdamFlags.Masked : 0)
                | (Decoupled ? AdamFlags.Decoupled : 0)
                | (exact ? 0 : AdamFlags.OneDivision);
            return new AdamCoefficients
            {
                Beta1 = (float)group.Beta1,
                OneMinusBeta1 = (float)(1 - group.Beta1),
                Beta2 = (float)group.Beta2,
                OneMinusBeta2 = (float)(1 - group.Beta2),
                Bc2Sqrt = (float)Math.Sqrt(bc2),
                InvBc2Sqrt = (float)(1 / Math.Sqrt(bc2)),
                Eps = (float)group.Eps,
                NegStepSize = (float)-(lr / bc1),
                DecayFactor = (float)(1 - lr * group.WeightDecay),
                LrWd = (float)(lr * group.WeightDecay),
                WeightDecay = (float)group.WeightDecay,
                Flags = flags,
            };
        }

        protected override void UpdateFloat32(in TensorSlot tensor, in AdamCoefficients c, long offset, int length) => Update<Float32Elements>(in tensor, in c, offset, length);

        protected override void UpdateBFloat16(in TensorSlot tensor, in AdamCoefficients c, long offset, int length) => Update<BFloat16Elements>(in tensor, in c, offset, length);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Update<TState>(in TensorSlot tensor, in AdamCoefficients c, long offset, int length)
            where TState : struct, IStateElements
        {
            var p = tensor.Param + offset;
            var g = tensor.Grad + offset;
            var m = tensor.State0; // state: TState's element offset + i
            var v = tensor.State1;
            var vmax = tensor.State2;
            var mask = tensor.Mask == null ? null : tensor.Mask + offset;
            var maximize = (c.Flags & AdamFlags.Maximize) != 0;
            var amsgrad = (c.Flags & AdamFlags.Amsgrad) != 0;
            var decoupled = (c.Flags & AdamFlags.Decoupled) != 0;
            var decay = (c.Flags & AdamFlags.Decay) != 0;
            var masked = decay && (c.Flags & AdamFlags.Masked) != 0;
            var oneDivision = (c.Flags & AdamFlags.OneDivision) != 0;
            var i = 0;
            if (Simd.Best != SimdPath.Scalar) // AVX2 + FMA (bfloat16 state is widened and narrowed with AVX2)
            {
                var b1 = Vector256.Create(c.Beta1);
                var omb1 = Vector256.Create(c.OneMinusBeta1);
                var b2 = Vector256.Create(c.Beta2);
                var omb2 = Vector256.Create(c.OneMinusBeta2);
                var bc2 = Vector256.Create(c.Bc2Sqrt);
                var inverseBc2 = Vector256.Create(c.InvBc2Sqrt);
                var eps = Vector256.Create(c.Eps);
                var nss = Vector256.Create(c.NegStepSize);
                var factor = Vector256.Create(c.DecayFactor);
                var lrwd = Vector256.Create(c.LrWd);
                var wd = Vector256.Create(c.WeightDecay);
                var one = Vector256.Create(1f);
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
                        if (decoupled)
                        {
                            // param.mul_(1 - lr*wd)   |   masked: param.mul_(1 - (lr*wd)*mask)
                            pi = masked
                                ? Avx.Multiply(pi, Avx.Subtract(one, Avx.Multiply(Avx.LoadVector256(mask + i), lrwd)))
                                : Avx.Multiply(pi, factor);
                        }
                        else
                        {
                            // grad.add(param, alpha=wd)   |   masked: grad + (wd*mask)*param (gradient of 0.5*wd*mask*p^2)
                            gi = masked
                                ? Avx.Add(gi, Avx.Multiply(Avx.Multiply(wd, Avx.LoadVector256(mask + i)), pi))
                                : Fma.MultiplyAdd(pi, wd, gi);
                        }
                    }

                    // exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)
                    var mi = Fma.MultiplyAdd(gi, omb1, Avx.Multiply(TState.Load(m, offset + i), b1));
                    TState.Store(m, offset + i, mi);

                    // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
                    var vi = Fma.MultiplyAdd(Avx.Multiply(omb2, gi), gi, Avx.Multiply(TState.Load(v, offset + i), b2));
                    TState.Store(v, offset + i, vi);
                    if (amsgrad)
                    {
                        // The stored maximum: with bfloat16 state, the rounded one (as the staged path would keep it).
                        vi = Avx.Max(TState.Load(vmax, offset + i), vi);
                        TState.Store(vmax, offset + i, vi);
                    }

                    // denom = (v.sqrt() / sqrt(bc2)).add_(eps); param.addcdiv_(exp_avg, denom, value=-step_size)
                    var denom = oneDivision ? Fma.MultiplyAdd(Avx.Sqrt(vi), inverseBc2, eps) : Avx.Add(Avx.Divide(Avx.Sqrt(vi), bc2), eps);
                    Avx.Store(p + i, Avx.Add(pi, Avx.Divide(Avx.Multiply(nss, mi), denom)));
                }
            }

            for (; i < length; i++)
            {
                var gi = maximize ? -g[i] : g[i];
                var pi = p[i];
                if (decay)
                {
                    if (decoupled)
                    {
                        pi = masked ? pi * (1f - mask[i] * c.LrWd) : pi * c.DecayFactor;
                    }
                    else
                    {
                        gi = masked ? gi + (c.WeightDecay * mask[i]) * pi : MathF.FusedMultiplyAdd(pi, c.WeightDecay, gi);
                    }
                }

                var mi = MathF.FusedMultiplyAdd(gi, c.OneMinusBeta1, TState.Load1(m, offset + i) * c.Beta1);
                TState.Store1(m, offset + i, mi);
                var vi = MathF.FusedMultiplyAdd(c.OneMinusBeta2 * gi, gi, TState.Load1(v, offset + i) * c.Beta2);
                TState.Store1(v, offset + i, vi);
                if (amsgrad)
                {
                    // MAXPS semantics (the running maximum unless it is not greater, or NaN), as the vector path.
                    var max = TState.Load1(vmax, offset + i);
                    vi = max > vi ? max : vi;
                    TState.Store1(vmax, offset + i, vi);
                }

                var denom = oneDivision ? MathF.FusedMultiplyAdd(MathF.Sqrt(vi), c.InvBc2Sqrt, c.Eps) : MathF.Sqrt(vi) / c.Bc2Sqrt + c.Eps;
                p[i] = pi + (c.NegStepSize * mi) / denom;
            }
        }
    }
}

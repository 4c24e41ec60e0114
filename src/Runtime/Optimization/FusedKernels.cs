using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace WdGen.Optimization
{
    /// <summary>Raw pointers of one parameter for the current step (null where absent).</summary>
    internal unsafe struct FusedSlot
    {
        public float* Param;
        public float* Grad;
        public float* ExpAvg;      // Adam: exp_avg
        public float* ExpAvgSq;    // Adam: exp_avg_sq
        public float* MaxExpAvgSq; // Adam amsgrad
        public float* Momentum;    // SGD momentum buffer
        public float* Mask;        // per-element decay mask
    }

    /// <summary>
    /// Per-parameter scalars of one step, already cast to float exactly where ATen casts them. The layout (13 floats,
    /// then the flags as an int: 56 bytes) is also the CUDA kernel's <c>wdg_coefficients</c> row.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FusedCoefficients
    {
        public float Beta1;          // (float)beta1
        public float OneMinusBeta1;  // (float)(1 - beta1)
        public float Beta2;          // (float)beta2
        public float OneMinusBeta2;  // (float)(1 - beta2)
        public float Bc2Sqrt;        // (float)sqrt(1 - beta2^step)
        public float Eps;            // (float)eps
        public float NegStepSize;    // (float)(-lr / (1 - beta1^step))
        public float DecayFactor;    // AdamW unmasked: (float)(1 - lr*wd)
        public float LrWd;           // AdamW masked: (float)(lr*wd)
        public float WeightDecay;    // Adam/SGD L2: (float)wd
        public float Momentum;       // SGD: (float)momentum
        public float OneMinusDampening; // SGD: (float)(1 - dampening)
        public float NegLr;          // SGD: (float)(-lr)
        public FusedFlags Flags;

        /// <summary>
        /// The coefficients of one parameter's step, shared by every backend (the CPU kernels read them directly; the
        /// CUDA kernel reads the same struct from its coefficient table): torch's double-precision scalars, cast to
        /// float exactly where ATen casts them.
        /// </summary>
        /// <param name="algorithm">The update rule.</param>
        /// <param name="group">The parameter's group.</param>
        /// <param name="step">The parameter's step count including this step (≥ 1).</param>
        /// <param name="masked">Whether the parameter has a decay mask.</param>
        /// <param name="firstMomentum">SGD: the momentum buffer is created by this step.</param>
        /// <returns>The coefficients.</returns>
        public static FusedCoefficients Compute(FusedAlgorithm algorithm, FusedGroupOptions group, long step, bool masked, bool firstMomentum)
        {
            var c = default(FusedCoefficients);
            var flags = FusedFlags.None;
            if (group.Maximize)
            {
                flags |= FusedFlags.Maximize;
            }

            if (group.WeightDecay != 0)
            {
                flags |= FusedFlags.Decay;
            }

            if (masked)
            {
                flags |= FusedFlags.Masked;
            }

            var lr = group.LearningRate;
            if (algorithm == FusedAlgorithm.Sgd)
            {
                c.WeightDecay = (float)group.WeightDecay;
                c.Momentum = (float)group.Momentum;
                c.OneMinusDampening = (float)(1 - group.Dampening);
                c.NegLr = (float)-lr;
                if (group.Momentum != 0)
                {
                    flags |= FusedFlags.MomentumOn;
                    if (firstMomentum)
                    {
                        flags |= FusedFlags.FirstMomentum;
                    }

                    if (group.Nesterov)
                    {
                        flags |= FusedFlags.Nesterov;
                    }
                }
            }
            else
            {
                // As torch: bias corrections, step size and sqrt in double, cast to float at the tensor op.
                var bc1 = 1 - Math.Pow(group.Beta1, step);
                var bc2 = 1 - Math.Pow(group.Beta2, step);
                c.Beta1 = (float)group.Beta1;
                c.OneMinusBeta1 = (float)(1 - group.Beta1);
                c.Beta2 = (float)group.Beta2;
                c.OneMinusBeta2 = (float)(1 - group.Beta2);
                c.Bc2Sqrt = (float)Math.Sqrt(bc2);
                c.Eps = (float)group.Eps;
                c.NegStepSize = (float)-(lr / bc1);
                c.DecayFactor = (float)(1 - lr * group.WeightDecay);
                c.LrWd = (float)(lr * group.WeightDecay);
                c.WeightDecay = (float)group.WeightDecay;
                if (algorithm == FusedAlgorithm.AdamW)
                {
                    flags |= FusedFlags.Decoupled;
                }

                if (group.Amsgrad)
                {
                    flags |= FusedFlags.Amsgrad;
                }
            }

            c.Flags = flags;
            return c;
        }
    }

    /// <summary>Per-step switches; the values are mirrored by the CUDA kernel's WDG_* flag macros.</summary>
    [Flags]
    internal enum FusedFlags
    {
        None = 0,
        Maximize = 1,
        Amsgrad = 2,
        Decay = 4,          // weight decay != 0
        Masked = 8,         // per-element mask present
        MomentumOn = 16,    // SGD momentum != 0
        FirstMomentum = 32, // SGD: the momentum buffer is created this step (buf = d_p)
        Nesterov = 64,
        Decoupled = 128,    // AdamW
    }

    /// <summary>
    /// The fused per-chunk kernels. Each element goes through exactly the float operations of
    /// <c>torch.optim</c>'s single-tensor loop on ATen's AVX2 CPU kernels, in the same order, so results match
    /// PyTorch bit for bit. What ATen does (checked empirically against torch 1.13, see Oracle/README.md):
    /// <list type="bullet">
    /// <item><c>a.add_(b, alpha=s)</c> is <c>fma(b, (float)s, a)</c> (vec::fmadd; GCC contracts the scalar tail too).</item>
    /// <item><c>a.addcmul_(b, c, value=s)</c> is <c>fma((float)s * b, c, a)</c>.</item>
    /// <item><c>a.addcdiv_(b, c, value=s)</c> is <c>a + ((float)s * b) / c</c> (no FMA).</item>
    /// <item><c>t / d</c> with a Python float is a true division by <c>(float)d</c>; <c>t.mul_(s)</c> multiplies by <c>(float)s</c>.</item>
    /// </list>
    /// The vector path (AVX2+FMA) and the scalar tail use the same operations, so results do not depend on chunk
    /// boundaries, alignment or thread count.
    /// </summary>
    internal static unsafe class FusedKernels
    {
        private static bool Vectorized => Fma.IsSupported && Avx.IsSupported;

        /// <summary>Adam and AdamW over elements [offset, offset+length) of one parameter.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Adam(in FusedSlot s, in FusedCoefficients c, long offset, int length)
        {
            var p = s.Param + offset;
            var g = s.Grad + offset;
            var m = s.ExpAvg + offset;
            var v = s.ExpAvgSq + offset;
            var vmax = s.MaxExpAvgSq == null ? null : s.MaxExpAvgSq + offset;
            var mask = s.Mask == null ? null : s.Mask + offset;
            var flags = c.Flags;
            var maximize = (flags & FusedFlags.Maximize) != 0;
            var amsgrad = (flags & FusedFlags.Amsgrad) != 0;
            var decoupled = (flags & FusedFlags.Decoupled) != 0;
            var decay = (flags & FusedFlags.Decay) != 0;
            var masked = decay && (flags & FusedFlags.Masked) != 0;
            var i = 0;
            if (Vectorized)
            {
                var b1 = Vector256.Create(c.Beta1);
                var omb1 = Vector256.Create(c.OneMinusBeta1);
                var b2 = Vector256.Create(c.Beta2);
                var omb2 = Vector256.Create(c.OneMinusBeta2);
                var bc2 = Vector256.Create(c.Bc2Sqrt);
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
                    var mi = Fma.MultiplyAdd(gi, omb1, Avx.Multiply(Avx.LoadVector256(m + i), b1));
                    Avx.Store(m + i, mi);

                    // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
                    var vi = Fma.MultiplyAdd(Avx.Multiply(omb2, gi), gi, Avx.Multiply(Avx.LoadVector256(v + i), b2));
                    Avx.Store(v + i, vi);
                    if (amsgrad)
                    {
                        vi = Avx.Max(Avx.LoadVector256(vmax + i), vi);
                        Avx.Store(vmax + i, vi);
                    }

                    // denom = (v.sqrt() / sqrt(bc2)).add_(eps); param.addcdiv_(exp_avg, denom, value=-step_size)
                    var denom = Avx.Add(Avx.Divide(Avx.Sqrt(vi), bc2), eps);
                    Avx.Store(p + i, Avx.Add(pi, Avx.Divide(Avx.Multiply(nss, mi), denom)));
                }
            }

            for (; i < length; i++)
            {
                var gi = g[i];
                if (maximize)
                {
                    gi = -gi;
                }

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

                var mi = MathF.FusedMultiplyAdd(gi, c.OneMinusBeta1, m[i] * c.Beta1);
                m[i] = mi;
                var vi = MathF.FusedMultiplyAdd(c.OneMinusBeta2 * gi, gi, v[i] * c.Beta2);
                v[i] = vi;
                if (amsgrad)
                {
                    vi = Max(vmax[i], vi);
                    vmax[i] = vi;
                }

                var denom = MathF.Sqrt(vi) / c.Bc2Sqrt + c.Eps;
                p[i] = pi + (c.NegStepSize * mi) / denom;
            }
        }

        /// <summary>SGD over elements [offset, offset+length) of one parameter.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Sgd(in FusedSlot s, in FusedCoefficients c, long offset, int length)
        {
            var p = s.Param + offset;
            var g = s.Grad + offset;
            var buf = s.Momentum == null ? null : s.Momentum + offset;
            var mask = s.Mask == null ? null : s.Mask + offset;
            var flags = c.Flags;
            var maximize = (flags & FusedFlags.Maximize) != 0;
            var decay = (flags & FusedFlags.Decay) != 0;
            var masked = decay && (flags & FusedFlags.Masked) != 0;
            var momentum = (flags & FusedFlags.MomentumOn) != 0;
            var first = (flags & FusedFlags.FirstMomentum) != 0;
            var nesterov = (flags & FusedFlags.Nesterov) != 0;
            var i = 0;
            if (Vectorized)
            {
                var wd = Vector256.Create(c.WeightDecay);
                var mom = Vector256.Create(c.Momentum);
                var omd = Vector256.Create(c.OneMinusDampening);
                var nlr = Vector256.Create(c.NegLr);
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
                        gi = masked
                            ? Avx.Add(gi, Avx.Multiply(Avx.Multiply(wd, Avx.LoadVector256(mask + i)), pi))
                            : Fma.MultiplyAdd(pi, wd, gi);
                    }

                    if (momentum)
                    {
                        // first: buf = clone(d_p); else buf.mul_(momentum).add_(d_p, alpha=1-dampening)
                        var bi = first ? gi : Fma.MultiplyAdd(gi, omd, Avx.Multiply(Avx.LoadVector256(buf + i), mom));
                        Avx.Store(buf + i, bi);
                        gi = nesterov ? Fma.MultiplyAdd(bi, mom, gi) : bi;
                    }

                    // param.add_(d_p, alpha=-lr)
                    Avx.Store(p + i, Fma.MultiplyAdd(gi, nlr, pi));
                }
            }

            for (; i < length; i++)
            {
                var gi = g[i];
                if (maximize)
                {
                    gi = -gi;
                }

                var pi = p[i];
                if (decay)
                {
                    gi = masked ? gi + (c.WeightDecay * mask[i]) * pi : MathF.FusedMultiplyAdd(pi, c.WeightDecay, gi);
                }

                if (momentum)
                {
                    var bi = first ? gi : MathF.FusedMultiplyAdd(gi, c.OneMinusDampening, buf[i] * c.Momentum);
                    buf[i] = bi;
                    gi = nesterov ? MathF.FusedMultiplyAdd(bi, c.Momentum, gi) : bi;
                }

                p[i] = MathF.FusedMultiplyAdd(gi, c.NegLr, pi);
            }
        }

        /// <summary>True when every element of the slice is finite.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static bool AllFinite(float* x, int length)
        {
            var i = 0;
            if (Vectorized)
            {
                // x*0 is 0 for finite x and NaN for NaN/±Inf; NaN survives the sum.
                var acc = Vector256<float>.Zero;
                var zero = Vector256<float>.Zero;
                for (; i <= length - 8; i += 8)
                {
                    acc = Avx.Add(acc, Avx.Multiply(Avx.LoadVector256(x + i), zero));
                }

                if (Avx.MoveMask(Avx.CompareNotEqual(acc, acc)) != 0)
                {
                    return false;
                }
            }

            for (; i < length; i++)
            {
                if (!float.IsFinite(x[i]))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>MAXPS semantics (returns <paramref name="b"/> when either is NaN) so both paths agree.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Max(float a, float b) => a > b ? a : b;
    }
}

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
    /// <summary>SGD's per-step switches (the CUDA kernel gets them as WDG_SGD_* macros).</summary>
    [Flags]
    internal enum SgdFlags
    {
        None = 0,
        Maximize = 1,
        Decay = 2,         // weight decay != 0
        Masked = 4,        // per-element decay mask present
        Momentum = 8,      // momentum != 0
        FirstMomentum = 16, // the momentum buffer was created for this step: buf = d_p
        Nesterov = 32,
    }

    /// <summary>SGD's scalars for one tensor and step, cast to float where ATen casts them.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SgdCoefficients
    {
        public float WeightDecay;       // (float)wd
        public float Momentum;          // (float)momentum
        public float OneMinusDampening; // (float)(1 - dampening)
        public float NegLr;             // (float)(-lr)
        public SgdFlags Flags;
    }

    /// <summary>
    /// SGD (torch.optim.SGD) with momentum, dampening, Nesterov and L2 weight decay (<c>g ← g + wd·mask·p</c>), in
    /// torch's single-tensor operation order (see <see cref="Adam"/> for how ATen's operations round). CPU:
    /// <see cref="Update"/>; CUDA: <c>sgd.cu</c>.
    /// </summary>
    internal sealed class Sgd : OptimizerAlgorithm<SgdCoefficients>
    {
        public const int MomentumBuffer = 0;

        private static readonly StateSpec[] StateSpecs = { new("momentum_buffer", StateAllocation.OnDemand) };

        public static readonly Sgd Instance = new();

        private Sgd()
        {
        }

        public override FusedAlgorithm Kind => FusedAlgorithm.Sgd;

        public override string Name => "sgd";

        public override IReadOnlyList<StateSpec> States => StateSpecs;

        public override Type FlagsType => typeof(SgdFlags);

        public override string CudaSource => "sgd.cu";

        public override string CudaKernel => "wdgen_sgd_step";

        public override bool Needs(int state, FusedGroupOptions group) => group.Momentum != 0;

        public override void Validate(FusedGroupOptions group, int groupIndex)
        {
            if (group.Nesterov && (group.Momentum <= 0 || group.Dampening != 0))
            {
                throw new ArgumentException(
                    $"Group {groupIndex}: Nesterov momentum requires Momentum > 0 and Dampening = 0 (got Momentum={group.Momentum}, Dampening={group.Dampening}).");
            }
        }

        protected override SgdCoefficients Coefficients(FusedGroupOptions group, long step, bool masked, int created, bool exact)
        {
            var momentum = group.Momentum != 0;
            var flags = (group.Maximize ? SgdFlags.Maximize : 0)
                | (group.WeightDecay != 0 ? SgdFlags.Decay : 0)
                | (masked ? SgdFlags.Masked : 0)
                | (momentum ? SgdFlags.Momentum : 0)
                | (momentum && (created & (1 << MomentumBuffer)) != 0 ? SgdFlags.FirstMomentum : 0)
                | (momentum && group.Nesterov ? SgdFlags.Nesterov : 0);
            return new SgdCoefficients
            {
                WeightDecay = (float)group.WeightDecay,
                Momentum = (float)group.Momentum,
                OneMinusDampening = (float)(1 - group.Dampening),
                NegLr = (float)-group.LearningRate,
                Flags = flags,
            };
        }

        protected override void UpdateFloat32(in TensorSlot tensor, in SgdCoefficients c, long offset, int length) => Update<Float32Elements>(in tensor, in c, offset, length);

        protected override void UpdateBFloat16(in TensorSlot tensor, in SgdCoefficients c, long offset, int length) => Update<BFloat16Elements>(in tensor, in c, offset, length);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Update<TState>(in TensorSlot tensor, in SgdCoefficients c, long offset, int length)
            where TState : struct, IStateElements
        {
            var p = tensor.Param + offset;
            var g = tensor.Grad + offset;
            var buf = tensor.State0; // state: TState's element offset + i
            var mask = tensor.Mask == null ? null : tensor.Mask + offset;
            var maximize = (c.Flags & SgdFlags.Maximize) != 0;
            var decay = (c.Flags & SgdFlags.Decay) != 0;
            var masked = decay && (c.Flags & SgdFlags.Masked) != 0;
            var momentum = (c.Flags & SgdFlags.Momentum) != 0;
            var first = (c.Flags & SgdFlags.FirstMomentum) != 0;
            var nesterov = (c.Flags & SgdFlags.Nesterov) != 0;
            var i = 0;
            if (Simd.Best != SimdPath.Scalar) // AVX2 + FMA (bfloat16 state is widened and narrowed with AVX2)
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
                        var bi = first ? gi : Fma.MultiplyAdd(gi, omd, Avx.Multiply(TState.Load(buf, offset + i), mom));
                        TState.Store(buf, offset + i, bi);
                        gi = nesterov ? Fma.MultiplyAdd(bi, mom, gi) : bi;
                    }

                    // param.add_(d_p, alpha=-lr)
                    Avx.Store(p + i, Fma.MultiplyAdd(gi, nlr, pi));
                }
            }

            for (; i < length; i++)
            {
                var gi = maximize ? -g[i] : g[i];
                var pi = p[i];
                if (decay)
                {
                    gi = masked ? gi + (c.WeightDecay * mask[i]) * pi : MathF.FusedMultiplyAdd(pi, c.WeightDecay, gi);
                }

                if (momentum)
                {
                    var bi = first ? gi : MathF.FusedMultiplyAdd(gi, c.OneMinusDampening, TState.Load1(buf, offset + i) * c.Momentum);
                    TState.Store1(buf, offset + i, bi);
                    gi = nesterov ? MathF.FusedMultiplyAdd(bi, c.Momentum, gi) : bi;
                }

                p[i] = MathF.FusedMultiplyAdd(gi, c.NegLr, pi);
            }
        }
    }
}

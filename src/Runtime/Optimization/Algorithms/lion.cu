// Lion on CUDA: Lion.cs's scalar loop, operation for operation (see the list in Lion.cs). State: s[0] exp_avg (signed).
struct wdg_lion_rule
{
    typedef wdg_lion_coefficients coefficients;

    static __device__ __forceinline__ void update(const coefficients& c, float& p, float g, float* s, float mask)
    {
        const int flags = c.flags;
        if (flags & WDG_LION_MAXIMIZE)
        {
            g = -g;
        }

        if (flags & WDG_LION_DECAY)
        {
            // p * (1 - lr*wd)   |   masked: p * (1 - mask*(lr*wd))
            p = (flags & WDG_LION_MASKED) ? WDG_MUL(p, WDG_SUB(1.0f, WDG_MUL(mask, c.lr_wd))) : WDG_MUL(p, c.decay_factor);
        }

        // c = fma(g, 1-beta1, m*beta1)
        const float m = s[0];
        const float u = WDG_FMA(g, c.one_minus_beta1, WDG_MUL(m, c.beta1));

        // sign(u): 1, -1, +0 for either zero, NaN stays NaN
        const float sign = u > 0.0f ? 1.0f : (u < 0.0f ? -1.0f : (u != u ? u : 0.0f));

        // p = fma(sign, -lr, p): p - lr*sign, rounded once
        p = WDG_FMA(sign, c.neg_lr, p);

        // m = fma(g, 1-beta2, m*beta2), from the moment before this step
        s[0] = WDG_FMA(g, c.one_minus_beta2, WDG_MUL(m, c.beta2));
    }
};

WDG_STEP_KERNEL(wdgen_lion_step, wdg_lion_rule)

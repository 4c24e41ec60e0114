// SGD on CUDA: Sgd.cs's scalar loop, operation for operation. State: s[0] momentum_buffer (momentum only).
struct wdg_sgd_rule
{
    typedef wdg_sgd_coefficients coefficients;

    static __device__ __forceinline__ void update(const coefficients& c, float& p, float g, float* s, float mask)
    {
        const int flags = c.flags;
        if (flags & WDG_SGD_MAXIMIZE)
        {
            g = -g;
        }

        if (flags & WDG_SGD_DECAY)
        {
            g = (flags & WDG_SGD_MASKED) ? WDG_ADD(g, WDG_MUL(WDG_MUL(c.weight_decay, mask), p)) : WDG_FMA(p, c.weight_decay, g);
        }

        if (flags & WDG_SGD_MOMENTUM)
        {
            // first: buf = clone(d_p); else buf.mul_(momentum).add_(d_p, alpha=1-dampening)
            const float b = (flags & WDG_SGD_FIRST_MOMENTUM) ? g : WDG_FMA(g, c.one_minus_dampening, WDG_MUL(s[0], c.momentum));
            s[0] = b;
            g = (flags & WDG_SGD_NESTEROV) ? WDG_FMA(b, c.momentum, g) : b;
        }

        // param.add_(d_p, alpha=-lr)
        p = WDG_FMA(g, c.neg_lr, p);
    }
};

WDG_STEP_KERNEL(wdgen_sgd_step, wdg_sgd_rule)

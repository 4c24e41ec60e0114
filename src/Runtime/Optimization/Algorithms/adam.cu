// Adam and AdamW on CUDA: Adam.cs's scalar loop, operation for operation (AdamW is the WDG_ADAM_DECOUPLED switch).
// States: s[0] exp_avg, s[1] exp_avg_sq, s[2] max_exp_avg_sq (amsgrad only).
struct wdg_adam_rule
{
    typedef wdg_adam_coefficients coefficients;

    static __device__ __forceinline__ void update(const coefficients& c, float& p, float g, float* s, float mask)
    {
        const int flags = c.flags;
        if (flags & WDG_ADAM_MAXIMIZE)
        {
            g = -g;
        }

        if (flags & WDG_ADAM_DECAY)
        {
            if (flags & WDG_ADAM_DECOUPLED)
            {
                // param.mul_(1 - lr*wd)   |   masked: param * (1 - mask*(lr*wd))
                p = (flags & WDG_ADAM_MASKED) ? WDG_MUL(p, WDG_SUB(1.0f, WDG_MUL(mask, c.lr_wd))) : WDG_MUL(p, c.decay_factor);
            }
            else
            {
                // grad.add(param, alpha=wd)   |   masked: grad + (wd*mask)*param
                g = (flags & WDG_ADAM_MASKED) ? WDG_ADD(g, WDG_MUL(WDG_MUL(c.weight_decay, mask), p)) : WDG_FMA(p, c.weight_decay, g);
            }
        }

        // exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)
        const float m = WDG_FMA(g, c.one_minus_beta1, WDG_MUL(s[0], c.beta1));
        s[0] = m;
        // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
        float v = WDG_FMA(WDG_MUL(c.one_minus_beta2, g), g, WDG_MUL(s[1], c.beta2));
        s[1] = v;
        if (flags & WDG_ADAM_AMSGRAD)
        {
            // MAXPS semantics: the running maximum unless it is not greater (or NaN)
            v = s[2] > v ? s[2] : v;
            s[2] = v;
        }

        // denom = (v.sqrt() / sqrt(bc2)).add_(eps); param.addcdiv_(exp_avg, denom, value=-step_size)
        // (bfloat16 and int8 state: one FMA instead of a division, as the CPU loop)
        const float denom = (flags & WDG_ADAM_ONE_DIVISION) ? WDG_FMA(WDG_SQRT(v), c.inv_bc2_sqrt, c.eps) : WDG_ADD(WDG_DIV(WDG_SQRT(v), c.bc2_sqrt), c.eps);
        p = WDG_ADD(p, WDG_DIV(WDG_MUL(c.neg_step_size, m), denom));
    }
};

WDG_STEP_KERNEL(wdgen_adam_step, wdg_adam_rule)

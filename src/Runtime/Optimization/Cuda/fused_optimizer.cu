// WdGen fused multi-tensor optimizer kernels (AdamW, Adam, SGD) for CUDA.
//
// One source, three compilers:
//   * NVRTC at run time (WdGen.Optimization.Cuda.CudaFusedOptimizer), which predefines __CUDACC_RTC__ and the CUDA
//     intrinsics (__fmaf_rn, __fmul_rn, ...);
//   * clang -x cuda --cuda-device-only -nocudainc -nocudalib (the test suite's PTX check), with no CUDA headers:
//     the few attributes and builtins needed are declared below;
//   * a host C++ compiler with WDGEN_CPU_EMULATION and a header that runs the grid and block loops on the CPU
//     (the test suite's differential test against the C# engine).
//
// The math is the C# CPU engine's (FusedKernels.cs) operation for operation: every rounding step is spelled out with
// round-to-nearest intrinsics (WDG_MUL, WDG_ADD, WDG_FMA, ...) so no compiler may contract or reassociate
// differently, and the results are bit-identical to the CPU engine and to torch.optim's single-tensor loop.
//
// Layout contracts with the host (checked by the tests): wdg_coefficients is FusedCoefficients (13 floats and an
// int flag set, 56 bytes); wdg_tensor is CudaTensorEntry (64 bytes); wdg_block is CudaBlockEntry (8 bytes);
// wdg_coefficient_table is WDG_TABLE_ROWS rows (CudaKernelTables.TableRows).

#if defined(WDGEN_CPU_EMULATION)
// The emulation header defines __global__, __device__, threadIdx, blockIdx, blockDim and the WDG_* operations.
#elif defined(__CUDACC_RTC__)
#define WDG_MUL(a, b) __fmul_rn((a), (b))
#define WDG_ADD(a, b) __fadd_rn((a), (b))
#define WDG_SUB(a, b) __fsub_rn((a), (b))
#define WDG_DIV(a, b) __fdiv_rn((a), (b))
#define WDG_SQRT(a) __fsqrt_rn((a))
#define WDG_FMA(a, b, c) __fmaf_rn((a), (b), (c))
#define WDG_TID_X() ((int)threadIdx.x)
#define WDG_BID_X() ((int)blockIdx.x)
#define WDG_BDIM_X() ((int)blockDim.x)
#define WDG_LAUNCH_BOUNDS(threads) __launch_bounds__(threads)
#elif defined(__clang__) && defined(__CUDA__)
// clang without the CUDA headers (-nocudainc): declare the attributes and use the NVVM builtins directly.
// The *_rn_f builtins are the IEEE round-to-nearest, denormal-preserving operations NVRTC's intrinsics map to.
// clang lowers the mul/add ones to plain IR fmul/fadd, and with CUDA's default -ffp-contract=fast (which ignores
// `#pragma clang fp contract`) the NVPTX back end emits them as contractable mul.f32/add.f32; compile with
// -ffp-contract=off (as the test suite does) to get mul.rn.f32/add.rn.f32, which ptxas never fuses. NVRTC's
// __fmul_rn/__fadd_rn always emit the .rn forms.
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define WDG_MUL(a, b) __nvvm_mul_rn_f((a), (b))
#define WDG_ADD(a, b) __nvvm_add_rn_f((a), (b))
#define WDG_SUB(a, b) __nvvm_add_rn_f((a), -(b))
#define WDG_DIV(a, b) __nvvm_div_rn_f((a), (b))
#define WDG_SQRT(a) __nvvm_sqrt_rn_f((a))
#define WDG_FMA(a, b, c) __nvvm_fma_rn_f((a), (b), (c))
#define WDG_TID_X() (__nvvm_read_ptx_sreg_tid_x())
#define WDG_BID_X() (__nvvm_read_ptx_sreg_ctaid_x())
#define WDG_BDIM_X() (__nvvm_read_ptx_sreg_ntid_x())
#define WDG_LAUNCH_BOUNDS(threads) __attribute__((launch_bounds(threads)))
#else
#error "fused_optimizer.cu: compile with NVRTC, clang -x cuda, or define WDGEN_CPU_EMULATION"
#endif

#define WDG_ILP 4

// Threads per block (CudaFusedOptimizer.ThreadsPerBlock): the launch bound caps registers so 512 threads always fit.
#define WDG_THREADS 512

// FusedFlags (FusedKernels.cs)
#define WDG_MAXIMIZE 1
#define WDG_AMSGRAD 2
#define WDG_DECAY 4
#define WDG_MASKED 8
#define WDG_MOMENTUM_ON 16
#define WDG_FIRST_MOMENTUM 32
#define WDG_NESTEROV 64
#define WDG_DECOUPLED 128

// The update rule (FusedAlgorithm): AdamW = 0, Adam = 1 (both use wdg_adam_element), Sgd = 2.
#define WDG_ALGORITHM_SGD 2

typedef long long wdg_i64;

struct wdg_coefficients
{
    float beta1;
    float one_minus_beta1;
    float beta2;
    float one_minus_beta2;
    float bc2_sqrt;
    float eps;
    float neg_step_size;
    float decay_factor;
    float lr_wd;
    float weight_decay;
    float momentum;
    float one_minus_dampening;
    float neg_lr;
    int flags;
};

struct wdg_tensor
{
    float* param;
    const float* grad;
    float* exp_avg;     // Adam: exp_avg
    float* exp_avg_sq;  // Adam: exp_avg_sq
    float* aux;         // Adam: max_exp_avg_sq (amsgrad); SGD: momentum_buffer
    const float* mask;  // per-element decay mask, or null
    wdg_i64 numel;
    int coefficients;   // row of the launch's coefficient table
    int reserved;
};

// The per-launch hyper-parameter table, passed by value (kernel parameters live in the constant bank): one row per
// distinct (group, step count, flags) among the launch's tensors; usually one per parameter group.
#define WDG_TABLE_ROWS 32

struct wdg_coefficient_table
{
    wdg_coefficients rows[WDG_TABLE_ROWS];
};

struct wdg_block
{
    int tensor;  // index into the tensor table
    int chunk;   // chunk index within the tensor
};

struct __attribute__((aligned(16))) wdg_float4
{
    float x, y, z, w;
};

// Adam and AdamW for one element: FusedKernels.Adam's scalar loop, operation for operation.
__device__ __forceinline__ void wdg_adam_element(
    const wdg_coefficients& c, float& p, float g, float& m, float& v, float* vmax, float mask)
{
    const int flags = c.flags;
    if (flags & WDG_MAXIMIZE)
    {
        g = -g;
    }

    if (flags & WDG_DECAY)
    {
        if (flags & WDG_DECOUPLED)
        {
            // param.mul_(1 - lr*wd)   |   masked: param * (1 - mask*(lr*wd))
            p = (flags & WDG_MASKED) ? WDG_MUL(p, WDG_SUB(1.0f, WDG_MUL(mask, c.lr_wd))) : WDG_MUL(p, c.decay_factor);
        }
        else
        {
            // grad.add(param, alpha=wd)   |   masked: grad + (wd*mask)*param
            g = (flags & WDG_MASKED) ? WDG_ADD(g, WDG_MUL(WDG_MUL(c.weight_decay, mask), p)) : WDG_FMA(p, c.weight_decay, g);
        }
    }

    // exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)
    m = WDG_FMA(g, c.one_minus_beta1, WDG_MUL(m, c.beta1));
    // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
    v = WDG_FMA(WDG_MUL(c.one_minus_beta2, g), g, WDG_MUL(v, c.beta2));
    float vi = v;
    if (flags & WDG_AMSGRAD)
    {
        // MAXPS semantics: the running maximum unless it is not greater (or NaN)
        vi = *vmax > vi ? *vmax : vi;
        *vmax = vi;
    }

    // denom = (v.sqrt() / sqrt(bc2)).add_(eps); param.addcdiv_(exp_avg, denom, value=-step_size)
    const float denom = WDG_ADD(WDG_DIV(WDG_SQRT(vi), c.bc2_sqrt), c.eps);
    p = WDG_ADD(p, WDG_DIV(WDG_MUL(c.neg_step_size, m), denom));
}

// SGD for one element: FusedKernels.Sgd's scalar loop, operation for operation.
__device__ __forceinline__ void wdg_sgd_element(const wdg_coefficients& c, float& p, float g, float& buf, float mask)
{
    const int flags = c.flags;
    if (flags & WDG_MAXIMIZE)
    {
        g = -g;
    }

    if (flags & WDG_DECAY)
    {
        g = (flags & WDG_MASKED) ? WDG_ADD(g, WDG_MUL(WDG_MUL(c.weight_decay, mask), p)) : WDG_FMA(p, c.weight_decay, g);
    }

    if (flags & WDG_MOMENTUM_ON)
    {
        // first: buf = clone(d_p); else buf.mul_(momentum).add_(d_p, alpha=1-dampening)
        const float b = (flags & WDG_FIRST_MOMENTUM) ? g : WDG_FMA(g, c.one_minus_dampening, WDG_MUL(buf, c.momentum));
        buf = b;
        g = (flags & WDG_NESTEROV) ? WDG_FMA(b, c.momentum, g) : b;
    }

    // param.add_(d_p, alpha=-lr)
    p = WDG_FMA(g, c.neg_lr, p);
}

__device__ __forceinline__ bool wdg_aligned(const void* pointer)
{
    return ((unsigned long long)pointer & 15ull) == 0;
}

// Loads 4 consecutive elements (16-byte aligned) or, with a null pointer, 4 copies of `fallback`.
__device__ __forceinline__ wdg_float4 wdg_load4(const float* pointer, wdg_i64 i, float fallback)
{
    if (pointer == 0)
    {
        wdg_float4 r = {fallback, fallback, fallback, fallback};
        return r;
    }

    return *(const wdg_float4*)(pointer + i);
}

__device__ __forceinline__ void wdg_store4(float* pointer, wdg_i64 i, const wdg_float4& value)
{
    *(wdg_float4*)(pointer + i) = value;
}

__device__ __forceinline__ float wdg_get(const wdg_float4& v, int k)
{
    return k == 0 ? v.x : k == 1 ? v.y : k == 2 ? v.z : v.w;
}

__device__ __forceinline__ float* wdg_ref(wdg_float4& v, int k)
{
    return k == 0 ? &v.x : k == 1 ? &v.y : k == 2 ? &v.z : &v.w;
}

// One block per (tensor, chunk) entry of `blocks`, multi_tensor_apply style: the chunk [chunk*chunk_size,
// min(numel, (chunk+1)*chunk_size)) is processed ILP elements per thread per iteration, with 16-byte vector loads
// when every buffer is aligned and the chunk's length is a multiple of ILP, and guarded scalar loads otherwise.
extern "C" __global__ void WDG_LAUNCH_BOUNDS(WDG_THREADS) wdgen_fused_step(
    const wdg_tensor* __restrict__ tensors,
    const wdg_block* __restrict__ blocks,
    const wdg_coefficient_table table,
    int chunk_size,
    int algorithm)
{
    const wdg_block b = blocks[WDG_BID_X()];
    const wdg_tensor t = tensors[b.tensor];
    const wdg_coefficients c = table.rows[t.coefficients];
    const bool sgd = algorithm == WDG_ALGORITHM_SGD;
    const wdg_i64 start = (wdg_i64)b.chunk * chunk_size;
    const wdg_i64 remaining = t.numel - start;
    const int n = remaining < chunk_size ? (int)remaining : chunk_size;
    if (n <= 0)
    {
        return;
    }

    float* p = t.param + start;
    const float* g = t.grad + start;
    float* m = t.exp_avg == 0 ? 0 : t.exp_avg + start;
    float* v = t.exp_avg_sq == 0 ? 0 : t.exp_avg_sq + start;
    float* aux = t.aux == 0 ? 0 : t.aux + start;
    const float* mask = t.mask == 0 ? 0 : t.mask + start;
    const bool amsgrad = !sgd && (c.flags & WDG_AMSGRAD);
    const bool momentum = sgd && (c.flags & WDG_MOMENTUM_ON);
    const bool vector = n % WDG_ILP == 0 && wdg_aligned(p) && wdg_aligned(g)
        && (mask == 0 || wdg_aligned(mask))
        && (sgd || (wdg_aligned(m) && wdg_aligned(v)))
        && (!(amsgrad || momentum) || wdg_aligned(aux));
    const int tid = WDG_TID_X();
    const int threads = WDG_BDIM_X();

    if (vector)
    {
        for (int i = tid * WDG_ILP; i < n; i += threads * WDG_ILP)
        {
            wdg_float4 rp = wdg_load4(p, i, 0.0f);
            const wdg_float4 rg = wdg_load4(g, i, 0.0f);
            const wdg_float4 rmask = wdg_load4(mask, i, 1.0f);
            if (sgd)
            {
                wdg_float4 rb = wdg_load4(momentum ? aux : 0, i, 0.0f);
#pragma unroll
                for (int k = 0; k < WDG_ILP; k++)
                {
                    wdg_sgd_element(c, *wdg_ref(rp, k), wdg_get(rg, k), *wdg_ref(rb, k), wdg_get(rmask, k));
                }

                if (momentum)
                {
                    wdg_store4(aux, i, rb);
                }
            }
            else
            {
                wdg_float4 rm = wdg_load4(m, i, 0.0f);
                wdg_float4 rv = wdg_load4(v, i, 0.0f);
                wdg_float4 rmax = wdg_load4(amsgrad ? aux : 0, i, 0.0f);
#pragma unroll
                for (int k = 0; k < WDG_ILP; k++)
                {
                    wdg_adam_element(c, *wdg_ref(rp, k), wdg_get(rg, k), *wdg_ref(rm, k), *wdg_ref(rv, k), wdg_ref(rmax, k), wdg_get(rmask, k));
                }

                wdg_store4(m, i, rm);
                wdg_store4(v, i, rv);
                if (amsgrad)
                {
                    wdg_store4(aux, i, rmax);
                }
            }

            wdg_store4(p, i, rp);
        }

        return;
    }

    // Unaligned or ragged chunk: each thread handles ILP elements strided by the block size per iteration.
    for (int base = 0; base < n; base += threads * WDG_ILP)
    {
        float rp[WDG_ILP], rg[WDG_ILP], rm[WDG_ILP], rv[WDG_ILP], ra[WDG_ILP], rmask[WDG_ILP];
#pragma unroll
        for (int k = 0; k < WDG_ILP; k++)
        {
            const int i = base + tid + k * threads;
            rp[k] = 0.0f;
            rg[k] = 0.0f;
            rm[k] = 0.0f;
            rv[k] = 0.0f;
            ra[k] = 0.0f;
            rmask[k] = 1.0f;
            if (i < n)
            {
                rp[k] = p[i];
                rg[k] = g[i];
                if (mask != 0)
                {
                    rmask[k] = mask[i];
                }

                if (!sgd)
                {
                    rm[k] = m[i];
                    rv[k] = v[i];
                }

                if (amsgrad || momentum)
                {
                    ra[k] = aux[i];
                }
            }
        }

#pragma unroll
        for (int k = 0; k < WDG_ILP; k++)
        {
            if (sgd)
            {
                wdg_sgd_element(c, rp[k], rg[k], ra[k], rmask[k]);
            }
            else
            {
                wdg_adam_element(c, rp[k], rg[k], rm[k], rv[k], &ra[k], rmask[k]);
            }
        }

#pragma unroll
        for (int k = 0; k < WDG_ILP; k++)
        {
            const int i = base + tid + k * threads;
            if (i < n)
            {
                p[i] = rp[k];
                if (!sgd)
                {
                    m[i] = rm[k];
                    v[i] = rv[k];
                }

                if (amsgrad || momentum)
                {
                    aux[i] = ra[k];
                }
            }
        }
    }
}

// The non-finite gradient check (FusedEngineOptions.CheckNonFinite): sets found[tensor] = 1 when any element of a
// gradient is NaN or infinite. x*0 is 0 for finite x and NaN otherwise, as in FusedKernels.AllFinite.
extern "C" __global__ void WDG_LAUNCH_BOUNDS(WDG_THREADS) wdgen_nonfinite(
    const wdg_tensor* __restrict__ tensors,
    const wdg_block* __restrict__ blocks,
    int chunk_size,
    int* __restrict__ found)
{
    const wdg_block b = blocks[WDG_BID_X()];
    const wdg_tensor t = tensors[b.tensor];
    const wdg_i64 start = (wdg_i64)b.chunk * chunk_size;
    const wdg_i64 remaining = t.numel - start;
    const int n = remaining < chunk_size ? (int)remaining : chunk_size;
    const float* g = t.grad + start;
    bool bad = false;
    for (int i = WDG_TID_X(); i < n; i += WDG_BDIM_X())
    {
        const float z = WDG_MUL(g[i], 0.0f);
        bad = bad || z != z;
    }

    if (bad)
    {
        found[b.tensor] = 1;
    }
}

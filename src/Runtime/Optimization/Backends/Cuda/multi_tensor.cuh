// WdGen's multi-tensor apply for CUDA: the one loop every algorithm's kernel runs, and the non-finite check.
//
// The kernel source is composed at run time (CudaKernelSource): the struct declarations generated from the host's C#
// definitions (CudaLayout), this file, then one file per algorithm (Algorithms/adam.cu, sgd.cu, ...), each defining
// its rule (the element update) and its kernel with WDG_STEP_KERNEL. One source, three compilers:
//   * NVRTC at run time, which predefines __CUDACC_RTC__ and the CUDA intrinsics (__fmaf_rn, __fmul_rn, ...);
//   * clang -x cuda --cuda-device-only -nocudainc -nocudalib (the test suite's PTX check), with no CUDA headers:
//     the few attributes and builtins needed are declared below;
//   * a host C++ compiler with WDGEN_CPU_EMULATION and a header that runs the grid and block loops on the CPU
//     (the test suite's differential test against the CPU backend).
//
// Every rounding step of a rule is spelled out with round-to-nearest intrinsics (WDG_MUL, WDG_ADD, WDG_FMA, ...) so no
// compiler may contract or reassociate differently: the results are bit-identical to the CPU backend's and to
// torch.optim's single-tensor loop.

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
#error "multi_tensor.cuh: compile with NVRTC, clang -x cuda, or define WDGEN_CPU_EMULATION"
#endif

#define WDG_ILP 4

#if !defined(WDG_EMULATED_STEP)
// The CPU emulation exports a host entry point per kernel; on a GPU there is nothing to add.
#define WDG_EMULATED_STEP(name, rule)
#define WDG_EMULATED_NONFINITE(name)
#define WDG_EMULATED_SUM_SQUARES(name)
#define WDG_EMULATED_SUM_LANES(name)
#endif

// A launch's coefficient table, passed by value (kernel parameters live in the constant bank): one row per distinct
// (group, step, flags) among the launch's tensors; usually one per parameter group.
template <typename C>
struct wdg_table
{
    C rows[WDG_TABLE_ROWS];
};

struct __attribute__((aligned(16))) wdg_float4
{
    float x, y, z, w;
};

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

// The number of elements of a block's chunk: [start, start + chunk_size) cut at the tensor's end.
__device__ __forceinline__ int wdg_chunk_length(const wdg_tensor& t, wdg_i64 start, int chunk_size)
{
    const wdg_i64 remaining = t.numel - start;
    return remaining < chunk_size ? (int)remaining : chunk_size;
}

// bfloat16 state (wdg_tensor.format == WDG_STATE_BFLOAT16): widened on load, rounded to nearest even on store, every NaN
// stored as 0x7FC0 (as PyTorch 2.6 on the CPU): the CPU's BFloat16 codec, bit for bit. The updates run in float32 either way.
union wdg_bits
{
    float f;
    unsigned int u;
};

struct __attribute__((aligned(8))) wdg_bf16x4
{
    unsigned short x, y, z, w;
};

__device__ __forceinline__ float wdg_widen(unsigned short h)
{
    wdg_bits b;
    b.u = (unsigned int)h << 16;
    return b.f;
}

__device__ __forceinline__ unsigned short wdg_round_bf16(float x)
{
    wdg_bits b;
    b.f = x;
    return x != x ? (unsigned short)0x7FC0u : (unsigned short)((b.u + 0x7FFFu + ((b.u >> 16) & 1u)) >> 16); // every NaN: 0x7FC0, as the CPU
}

// State k of a tensor, from chunk offset `start` (null when the tensor has no such state); bfloat16 state is addressed
// in 2-byte elements through the same pointer type.
__device__ __forceinline__ float* wdg_state(const wdg_tensor& t, int k, wdg_i64 start)
{
    float* s = k == 0 ? t.state0 : k == 1 ? t.state1 : k == 2 ? t.state2 : t.state3;
    return s == 0 ? 0 : t.format == WDG_STATE_BFLOAT16 ? (float*)((unsigned short*)s + start) : s + start;
}

__device__ __forceinline__ bool wdg_state_aligned(const float* s, bool half)
{
    return s == 0 || (half ? ((unsigned long long)s & 7ull) == 0 : wdg_aligned(s));
}

__device__ __forceinline__ wdg_float4 wdg_state_load4(const float* s, wdg_i64 i, bool half)
{
    if (s == 0 || !half)
    {
        return wdg_load4(s, i, 0.0f);
    }

    const wdg_bf16x4 h = *(const wdg_bf16x4*)((const unsigned short*)s + i);
    wdg_float4 r = {wdg_widen(h.x), wdg_widen(h.y), wdg_widen(h.z), wdg_widen(h.w)};
    return r;
}

__device__ __forceinline__ void wdg_state_store4(float* s, wdg_i64 i, const wdg_float4& v, bool half)
{
    if (!half)
    {
        wdg_store4(s, i, v);
        return;
    }

    wdg_bf16x4 h = {wdg_round_bf16(v.x), wdg_round_bf16(v.y), wdg_round_bf16(v.z), wdg_round_bf16(v.w)};
    *(wdg_bf16x4*)((unsigned short*)s + i) = h;
}

__device__ __forceinline__ float wdg_state_get(const float* s, wdg_i64 i, bool half)
{
    return half ? wdg_widen(((const unsigned short*)s)[i]) : s[i];
}

__device__ __forceinline__ void wdg_state_set(float* s, wdg_i64 i, float v, bool half)
{
    if (half)
    {
        ((unsigned short*)s)[i] = wdg_round_bf16(v);
    }
    else
    {
        s[i] = v;
    }
}

// bfloat16 parameters and gradients (wdg_tensor.storage, TensorStorage): element i of the tensor, read as float32 and
// written back as the CPU's staged path does: a float32 master copy (param) rounded to nearest even into the model
// (model), created from the model at its first step; or the bfloat16 parameter itself with stochastic rounding (the
// random 16 bits a hash of the element index and the step's seed: BFloat16.EncodeStochastic).
__device__ __forceinline__ unsigned int wdg_hash(unsigned int index, unsigned int seed)
{
    unsigned int h = (index ^ seed) * 0x9E3779B1u;
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

__device__ __forceinline__ float wdg_param_get(const wdg_tensor& t, wdg_i64 i)
{
    if (t.storage & WDG_STORAGE_BFLOAT16_PARAMETER)
    {
        return wdg_widen(((const unsigned short*)t.param)[i]);
    }

    return (t.storage & WDG_STORAGE_FIRST_MASTER) ? wdg_widen(((const unsigned short*)t.model)[i]) : t.param[i];
}

// Stores the updated parameter; returns what the model now holds (for the moving average).
__device__ __forceinline__ float wdg_param_set(const wdg_tensor& t, wdg_i64 i, float v)
{
    if (t.storage & WDG_STORAGE_BFLOAT16_PARAMETER)
    {
        wdg_bits b;
        b.f = v;
        const unsigned short h = v != v ? (unsigned short)0x7FC0u
            : (unsigned short)((b.u + (wdg_hash((unsigned int)i, (unsigned int)t.seed) & 0xFFFFu)) >> 16);
        ((unsigned short*)t.param)[i] = h;
        return wdg_widen(h);
    }

    t.param[i] = v;
    if (t.storage & WDG_STORAGE_MASTER)
    {
        ((unsigned short*)t.model)[i] = wdg_round_bf16(v);
    }

    return v;
}

__device__ __forceinline__ float wdg_grad_get(const wdg_tensor& t, wdg_i64 i)
{
    return (t.storage & WDG_STORAGE_BFLOAT16_GRADIENT) ? wdg_widen(((const unsigned short*)t.grad)[i]) : t.grad[i];
}

// The engine's generic hooks around every rule (TensorHooks; the same operations as the CPU backend's GradientNorm):
// the gradient times the clipping scale before the update, and the weights' moving average after it.
__device__ __forceinline__ float wdg_scaled(const wdg_tensor& t, float g)
{
    return (t.hooks & WDG_HOOKS_SCALE_GRADIENT) ? WDG_MUL(g, t.grad_scale) : g;
}

__device__ __forceinline__ float wdg_average(const wdg_tensor& t, float p, float ema)
{
    // ema.mul_(d).add_(p, alpha=1-d); at the tensor's first step, the parameter itself
    return (t.hooks & WDG_HOOKS_EMA_INIT) ? p : WDG_FMA(p, t.ema_rest, WDG_MUL(ema, t.ema_decay));
}

// Int8 state (wdg_tensor.format == WDG_STATE_INT8): Int8Blocks' layout and codes, bit for bit. A tensor's buffer holds
// one byte per element, padded to 64 bytes, then one float scale per block of WDG_INT8_BLOCK elements; a code is the
// value over its block's scale rounded to 3 significant bits (r = exponent*8 + mantissa, code = r - bias, 0 below 1),
// signed states keeping their sign in bit 7.
__device__ __forceinline__ float wdg_int8_decode(unsigned char q, float scale, bool nonnegative)
{
    const int c = nonnegative ? (int)q : (int)(q & 0x7F);
    wdg_bits y;
    y.u = (unsigned int)(c + (nonnegative ? WDG_INT8_UNSIGNED_BIAS : WDG_INT8_SIGNED_BIAS)) << 20;
    wdg_bits v;
    v.f = WDG_MUL(c == 0 ? 0.0f : y.f, scale);
    v.u |= nonnegative ? 0u : (unsigned int)(q & 0x80) << 24;
    return v.f;
}

__device__ __forceinline__ unsigned char wdg_int8_encode(float x, float inverse, bool nonnegative)
{
    wdg_bits a;
    a.f = x;
    const unsigned int sign = a.u >> 31;
    a.u &= 0x7FFFFFFFu;
    wdg_bits y;
    y.f = WDG_MUL(a.f, inverse);
    int code = (int)((y.u + 0x7FFFFu + ((y.u >> 20) & 1u)) >> 20) - (nonnegative ? WDG_INT8_UNSIGNED_BIAS : WDG_INT8_SIGNED_BIAS);
    code = code < 0 ? 0 : code > (nonnegative ? 255 : 127) ? (nonnegative ? 255 : 127) : code;
    return (unsigned char)(nonnegative ? code : code | (int)(sign << 7));
}

// The update of one chunk of an int8-state tensor. A block's new scale is the largest magnitude of its new values, so
// each thread takes whole blocks and goes over each twice: the first pass runs the rule to find the new scales (writing
// nothing), the second runs it again (the same operations, the same results), writes the parameters and the average,
// and encodes the states. Chunks start on block boundaries (the engine checks ChunkElements).
template <typename Rule>
__device__ __forceinline__ void wdg_apply_int8(
    const wdg_tensor& t, const typename Rule::coefficients& c, wdg_i64 start, int n, const float* mask, float* ema)
{
    unsigned char* codes[WDG_STATES];
    float* scales[WDG_STATES];
#pragma unroll
    for (int k = 0; k < WDG_STATES; k++)
    {
        float* base = k == 0 ? t.state0 : k == 1 ? t.state1 : k == 2 ? t.state2 : t.state3;
        codes[k] = base == 0 ? 0 : (unsigned char*)base + start;
        scales[k] = base == 0 ? 0 : (float*)((unsigned char*)base + ((t.numel + 63) & ~63ll)) + start / WDG_INT8_BLOCK;
    }

    for (int block = WDG_TID_X(); block * WDG_INT8_BLOCK < n; block += WDG_BDIM_X())
    {
        const int first = block * WDG_INT8_BLOCK;
        const int last = first + WDG_INT8_BLOCK < n ? first + WDG_INT8_BLOCK : n;
        float old[WDG_STATES];
        unsigned int largest[WDG_STATES];
#pragma unroll
        for (int k = 0; k < WDG_STATES; k++)
        {
            old[k] = codes[k] == 0 ? 0.0f : scales[k][block];
            largest[k] = 0u;
        }

        for (int pass = 0; pass < 2; pass++)
        {
            float inverse[WDG_STATES];
#pragma unroll
            for (int k = 0; k < WDG_STATES; k++)
            {
                wdg_bits m;
                m.u = largest[k];
                inverse[k] = WDG_DIV(1.0f, m.f);
            }

            for (int i = first; i < last; i++)
            {
                float rp = wdg_param_get(t, start + i);
                float rs[WDG_STATES];
#pragma unroll
                for (int k = 0; k < WDG_STATES; k++)
                {
                    rs[k] = codes[k] == 0 ? 0.0f : wdg_int8_decode(codes[k][i], old[k], (t.non_negative >> k) & 1);
                }

                Rule::update(c, rp, wdg_scaled(t, wdg_grad_get(t, start + i)), rs, mask == 0 ? 1.0f : mask[i]);
                if (pass == 0)
                {
#pragma unroll
                    for (int k = 0; k < WDG_STATES; k++)
                    {
                        wdg_bits a;
                        a.f = rs[k];
                        a.u &= 0x7FFFFFFFu;
                        largest[k] = a.u > largest[k] ? a.u : largest[k];
                    }

                    continue;
                }

                const float held = wdg_param_set(t, start + i, rp);
                if (ema != 0)
                {
                    ema[i] = wdg_average(t, held, ema[i]);
                }

#pragma unroll
                for (int k = 0; k < WDG_STATES; k++)
                {
                    if (codes[k] != 0)
                    {
                        // A zero, denormal-only (1/scale overflows) or non-finite scale codes every element as 0 (a
                        // non-finite block decodes as NaN, a denormal-only one as zeros).
                        codes[k][i] = largest[k] == 0u || largest[k] >= 0x7F800000u || inverse[k] > 3.4028234e38f ? 0 : wdg_int8_encode(rs[k], inverse[k], (t.non_negative >> k) & 1);
                    }
                }
            }
        }

#pragma unroll
        for (int k = 0; k < WDG_STATES; k++)
        {
            if (codes[k] != 0)
            {
                wdg_bits m;
                m.u = largest[k] >= 0x7F800000u ? 0x7FC00000u : largest[k];
                scales[k][block] = m.u < 0x7F800000u && WDG_DIV(1.0f, m.f) > 3.4028234e38f ? 0.0f : m.f;
            }
        }
    }
}

// One block per (tensor, chunk) entry of `blocks`, multi_tensor_apply style: the chunk [chunk*chunk_size,
// min(numel, (chunk+1)*chunk_size)) is processed ILP elements per thread per iteration, with 16-byte vector loads
// when every buffer is aligned and the chunk's length is a multiple of ILP, and guarded scalar loads otherwise.
// Rule::update(c, p, g, s, mask) updates one element: p and s[0..WDG_STATES) in place (a rule reads only the
// states its tensor has; absent ones are null here and hold zeros in s).
template <typename Rule>
__device__ __forceinline__ void wdg_apply(
    const wdg_tensor* __restrict__ tensors,
    const wdg_block* __restrict__ blocks,
    const wdg_table<typename Rule::coefficients>& table,
    int chunk_size)
{
    const wdg_block b = blocks[WDG_BID_X()];
    const wdg_tensor t = tensors[b.tensor];
    const typename Rule::coefficients c = table.rows[t.coefficients];
    const wdg_i64 start = (wdg_i64)b.chunk * chunk_size;
    const int n = wdg_chunk_length(t, start, chunk_size);
    if (n <= 0)
    {
        return;
    }

    float* p = t.param + start;
    const float* g = t.grad + start;
    const float* mask = t.mask == 0 ? 0 : t.mask + start;
    float* ema = (t.hooks & WDG_HOOKS_EMA) ? t.ema + start : 0;
    if (t.format == WDG_STATE_INT8)
    {
        wdg_apply_int8<Rule>(t, c, start, n, mask, ema);
        return;
    }

    float* s[WDG_STATES];
    const bool half = t.format == WDG_STATE_BFLOAT16;
    bool vector = t.storage == 0 && n % WDG_ILP == 0 && wdg_aligned(p) && wdg_aligned(g) && (mask == 0 || wdg_aligned(mask)) && (ema == 0 || wdg_aligned(ema));
#pragma unroll
    for (int k = 0; k < WDG_STATES; k++)
    {
        s[k] = wdg_state(t, k, start);
        vector = vector && wdg_state_aligned(s[k], half);
    }

    const int tid = WDG_TID_X();
    const int threads = WDG_BDIM_X();
    if (vector)
    {
        for (int i = tid * WDG_ILP; i < n; i += threads * WDG_ILP)
        {
            wdg_float4 rp = wdg_load4(p, i, 0.0f);
            const wdg_float4 rg = wdg_load4(g, i, 0.0f);
            const wdg_float4 rmask = wdg_load4(mask, i, 1.0f);
            wdg_float4 rs[WDG_STATES];
#pragma unroll
            for (int k = 0; k < WDG_STATES; k++)
            {
                rs[k] = wdg_state_load4(s[k], i, half);
            }

#pragma unroll
            for (int e = 0; e < WDG_ILP; e++)
            {
                float se[WDG_STATES];
#pragma unroll
                for (int k = 0; k < WDG_STATES; k++)
                {
                    se[k] = wdg_get(rs[k], e);
                }

                Rule::update(c, *wdg_ref(rp, e), wdg_scaled(t, wdg_get(rg, e)), se, wdg_get(rmask, e));
#pragma unroll
                for (int k = 0; k < WDG_STATES; k++)
                {
                    *wdg_ref(rs[k], e) = se[k];
                }
            }

#pragma unroll
            for (int k = 0; k < WDG_STATES; k++)
            {
                if (s[k] != 0)
                {
                    wdg_state_store4(s[k], i, rs[k], half);
                }
            }

            wdg_store4(p, i, rp);
            if (ema != 0)
            {
                wdg_float4 re = wdg_load4(ema, i, 0.0f);
#pragma unroll
                for (int e = 0; e < WDG_ILP; e++)
                {
                    *wdg_ref(re, e) = wdg_average(t, wdg_get(rp, e), wdg_get(re, e));
                }

                wdg_store4(ema, i, re);
            }
        }

        return;
    }

    // Unaligned or ragged chunk: each thread handles ILP elements strided by the block size per iteration.
    for (int base = 0; base < n; base += threads * WDG_ILP)
    {
        float rp[WDG_ILP], rg[WDG_ILP], rmask[WDG_ILP], rs[WDG_ILP][WDG_STATES];
#pragma unroll
        for (int e = 0; e < WDG_ILP; e++)
        {
            const int i = base + tid + e * threads;
            rp[e] = 0.0f;
            rg[e] = 0.0f;
            rmask[e] = 1.0f;
#pragma unroll
            for (int k = 0; k < WDG_STATES; k++)
            {
                rs[e][k] = 0.0f;
            }

            if (i < n)
            {
                rp[e] = wdg_param_get(t, start + i);
                rg[e] = wdg_grad_get(t, start + i);
                if (mask != 0)
                {
                    rmask[e] = mask[i];
                }

#pragma unroll
                for (int k = 0; k < WDG_STATES; k++)
                {
                    if (s[k] != 0)
                    {
                        rs[e][k] = wdg_state_get(s[k], i, half);
                    }
                }
            }
        }

#pragma unroll
        for (int e = 0; e < WDG_ILP; e++)
        {
            Rule::update(c, rp[e], wdg_scaled(t, rg[e]), rs[e], rmask[e]);
        }

#pragma unroll
        for (int e = 0; e < WDG_ILP; e++)
        {
            const int i = base + tid + e * threads;
            if (i < n)
            {
                const float held = wdg_param_set(t, start + i, rp[e]);
                if (ema != 0)
                {
                    ema[i] = wdg_average(t, held, ema[i]);
                }

#pragma unroll
                for (int k = 0; k < WDG_STATES; k++)
                {
                    if (s[k] != 0)
                    {
                        wdg_state_set(s[k], i, rs[e][k], half);
                    }
                }
            }
        }
    }
}

// An algorithm's step kernel: wdg_apply with its rule, under the entry point the host launches.
#define WDG_STEP_KERNEL(name, Rule)                                                                                   \
    extern "C" __global__ void WDG_LAUNCH_BOUNDS(WDG_THREADS) name(                                                   \
        const wdg_tensor* __restrict__ tensors,                                                                       \
        const wdg_block* __restrict__ blocks,                                                                         \
        const wdg_table<Rule::coefficients> table,                                                                    \
        int chunk_size)                                                                                               \
    {                                                                                                                 \
        wdg_apply<Rule>(tensors, blocks, table, chunk_size);                                                          \
    }                                                                                                                 \
    WDG_EMULATED_STEP(name, Rule)

// The non-finite gradient check (FusedEngineOptions.CheckNonFinite): sets found[tensor] = 1 when any element of a
// gradient is NaN or infinite. x*0 is 0 for finite x and NaN otherwise, as in the CPU backend.
extern "C" __global__ void WDG_LAUNCH_BOUNDS(WDG_THREADS) wdgen_nonfinite(
    const wdg_tensor* __restrict__ tensors,
    const wdg_block* __restrict__ blocks,
    int chunk_size,
    int* __restrict__ found)
{
    const wdg_block b = blocks[WDG_BID_X()];
    const wdg_tensor t = tensors[b.tensor];
    const wdg_i64 start = (wdg_i64)b.chunk * chunk_size;
    const int n = wdg_chunk_length(t, start, chunk_size);
    bool bad = false;
    for (int i = WDG_TID_X(); i < n; i += WDG_BDIM_X())
    {
        const float z = WDG_MUL(wdg_grad_get(t, start + i), 0.0f);
        bad = bad || z != z;
    }

    if (bad)
    {
        found[b.tensor] = 1;
    }
}

WDG_EMULATED_NONFINITE(wdgen_nonfinite)

// Clipping inside the step, first pass: each thread sums the squares of its strided elements of one chunk in double
// (lane j of a chunk: elements j, j + blockDim, ... in order; a float's square is exact in double, so contraction into
// a double fma changes nothing) and writes its lane's sum. No atomics: the host's order of addition is fixed.
extern "C" __global__ void WDG_LAUNCH_BOUNDS(WDG_THREADS) wdgen_sum_squares(
    const wdg_tensor* __restrict__ tensors,
    const wdg_block* __restrict__ blocks,
    int chunk_size,
    double* __restrict__ partials)
{
    const wdg_block b = blocks[WDG_BID_X()];
    const wdg_tensor t = tensors[b.tensor];
    const wdg_i64 start = (wdg_i64)b.chunk * chunk_size;
    const int n = wdg_chunk_length(t, start, chunk_size);
    double sum = 0.0;
    for (int i = WDG_TID_X(); i < n; i += WDG_BDIM_X())
    {
        const double d = (double)wdg_grad_get(t, start + i);
        sum = sum + d * d;
    }

    partials[(wdg_i64)WDG_BID_X() * WDG_BDIM_X() + WDG_TID_X()] = sum;
}

WDG_EMULATED_SUM_SQUARES(wdgen_sum_squares)

// Second pass: one thread per chunk adds its lanes in lane order (the host then adds the chunks in work-list order).
extern "C" __global__ void WDG_LAUNCH_BOUNDS(WDG_THREADS) wdgen_sum_lanes(
    const double* __restrict__ partials,
    int count,
    int lanes,
    double* __restrict__ sums)
{
    const int c = WDG_BID_X() * WDG_BDIM_X() + WDG_TID_X();
    if (c >= count)
    {
        return;
    }

    double sum = 0.0;
    for (int j = 0; j < lanes; j++)
    {
        sum = sum + partials[(wdg_i64)c * lanes + j];
    }

    sums[c] = sum;
}

WDG_EMULATED_SUM_LANES(wdgen_sum_lanes)

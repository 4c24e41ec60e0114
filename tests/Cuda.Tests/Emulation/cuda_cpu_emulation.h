// Runs the CUDA kernels on the CPU: just enough of CUDA's execution model for a kernel that uses no shared memory
// and no synchronisation. __global__/__device__ become plain (inline) functions, threadIdx/blockIdx/blockDim are
// thread-local variables, and WDG_EMULATE_LAUNCH runs the grid's blocks and each block's threads one after another
// (every thread of the real kernel touches disjoint elements, so any execution order gives the same results).
//
// The WDG_* operations are the IEEE-754 round-to-nearest operations the device intrinsics perform (__fmul_rn is a
// float multiply, __fmaf_rn is fmaf, __fsqrt_rn is sqrtf); build with -ffp-contract=off and without -ffast-math so
// the host compiler cannot fuse or reorder them either.
#ifndef WDGEN_CUDA_CPU_EMULATION_H
#define WDGEN_CUDA_CPU_EMULATION_H

#include <cmath>

#define WDGEN_CPU_EMULATION 1
#define __global__
#define __device__
#define __forceinline__ inline
#define WDG_LAUNCH_BOUNDS(threads)

struct wdg_dim3
{
    unsigned int x, y, z;
};

static thread_local wdg_dim3 threadIdx;
static thread_local wdg_dim3 blockIdx;
static thread_local wdg_dim3 blockDim;
static thread_local wdg_dim3 gridDim;

static inline float wdg_emu_mul(float a, float b) { return a * b; }
static inline float wdg_emu_add(float a, float b) { return a + b; }
static inline float wdg_emu_sub(float a, float b) { return a - b; }
static inline float wdg_emu_div(float a, float b) { return a / b; }
static inline float wdg_emu_sqrt(float a) { return std::sqrt(a); }
static inline float wdg_emu_fma(float a, float b, float c) { return std::fma(a, b, c); }

#define WDG_MUL(a, b) wdg_emu_mul((a), (b))
#define WDG_ADD(a, b) wdg_emu_add((a), (b))
#define WDG_SUB(a, b) wdg_emu_sub((a), (b))
#define WDG_DIV(a, b) wdg_emu_div((a), (b))
#define WDG_SQRT(a) wdg_emu_sqrt((a))
#define WDG_FMA(a, b, c) wdg_emu_fma((a), (b), (c))
#define WDG_TID_X() ((int)threadIdx.x)
#define WDG_BID_X() ((int)blockIdx.x)
#define WDG_BDIM_X() ((int)blockDim.x)

// Every step kernel (WDG_STEP_KERNEL) and the non-finite check get a host entry point, <kernel>_emulated, that runs the
// grid; the coefficient table arrives as a pointer to its bytes, as cuLaunchKernel takes a by-value struct.
#define WDG_EMULATED_STEP(name, Rule)                                                                                \
    extern "C" int name##_emulated(int grid, int block, const wdg_tensor* tensors, const wdg_block* blocks, const void* table, int chunk_size) \
    {                                                                                                                \
        WDG_EMULATE_LAUNCH(grid, block, name(tensors, blocks, *(const wdg_table<Rule::coefficients>*)table, chunk_size)); \
        return 0;                                                                                                    \
    }

#define WDG_EMULATED_NONFINITE(name)                                                                                 \
    extern "C" int name##_emulated(int grid, int block, const wdg_tensor* tensors, const wdg_block* blocks, int chunk_size, int* found) \
    {                                                                                                                \
        WDG_EMULATE_LAUNCH(grid, block, name(tensors, blocks, chunk_size, found));                                   \
        return 0;                                                                                                    \
    }

// Clipping's two norm kernels (sum of squares per lane, then per chunk).
#define WDG_EMULATED_SUM_SQUARES(name)                                                                               \
    extern "C" int name##_emulated(int grid, int block, const wdg_tensor* tensors, const wdg_block* blocks, int chunk_size, double* partials) \
    {                                                                                                                \
        WDG_EMULATE_LAUNCH(grid, block, name(tensors, blocks, chunk_size, partials));                                \
        return 0;                                                                                                    \
    }

#define WDG_EMULATED_SUM_LANES(name)                                                                                 \
    extern "C" int name##_emulated(int grid, int block, const double* partials, int count, int lanes, double* sums) \
    {                                                                                                                \
        WDG_EMULATE_LAUNCH(grid, block, name(partials, count, lanes, sums));                                         \
        return 0;                                                                                                    \
    }

// kernel<<<grid, block>>>(args...) on the CPU.
#define WDG_EMULATE_LAUNCH(grid, block, call)                                   \
    do                                                                          \
    {                                                                           \
        gridDim.x = (grid);                                                     \
        gridDim.y = gridDim.z = 1;                                              \
        blockDim.x = (block);                                                   \
        blockDim.y = blockDim.z = 1;                                            \
        for (unsigned int wdg_b = 0; wdg_b < (unsigned int)(grid); wdg_b++)     \
        {                                                                       \
            blockIdx.x = wdg_b;                                                 \
            blockIdx.y = blockIdx.z = 0;                                        \
            for (unsigned int wdg_t = 0; wdg_t < (unsigned int)(block); wdg_t++) \
            {                                                                   \
                threadIdx.x = wdg_t;                                            \
                threadIdx.y = threadIdx.z = 0;                                  \
                call;                                                           \
            }                                                                   \
        }                                                                       \
    } while (0)

#endif

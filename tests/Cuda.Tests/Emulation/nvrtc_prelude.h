// Stands in for what NVRTC predefines, so clang-16 can compile fused_optimizer.cu's __CUDACC_RTC__ branch (the one
// NVRTC compiles at run time) without the CUDA toolkit: the CUDA attributes, threadIdx/blockIdx/blockDim (clang's
// own __clang_cuda_builtin_vars.h, which needs no toolkit) and the round-to-nearest intrinsics, declared as
// NVRTC's device function library does, implemented with the NVVM builtins.
#ifndef WDGEN_NVRTC_PRELUDE_H
#define WDGEN_NVRTC_PRELUDE_H

#define __CUDACC_RTC__ 1
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(threads) __attribute__((launch_bounds(threads)))

#include <__clang_cuda_builtin_vars.h>

static __device__ __forceinline__ float __fmul_rn(float a, float b) { return __nvvm_mul_rn_f(a, b); }
static __device__ __forceinline__ float __fadd_rn(float a, float b) { return __nvvm_add_rn_f(a, b); }
static __device__ __forceinline__ float __fsub_rn(float a, float b) { return __nvvm_add_rn_f(a, -b); }
static __device__ __forceinline__ float __fdiv_rn(float a, float b) { return __nvvm_div_rn_f(a, b); }
static __device__ __forceinline__ float __fsqrt_rn(float a) { return __nvvm_sqrt_rn_f(a); }
static __device__ __forceinline__ float __fmaf_rn(float a, float b, float c) { return __nvvm_fma_rn_f(a, b, c); }

#endif

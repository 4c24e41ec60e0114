// The CPU stand-in for cuLaunchKernel: the composed kernel source (written next to this build by the tests) after the
// emulation header, whose WDG_EMULATED_STEP / WDG_EMULATED_NONFINITE give every kernel an exported host entry point
// (<kernel>_emulated). The generated declarations' static_asserts check the struct layouts against the host's here.
#include <cstddef>
#include "cuda_cpu_emulation.h"
#include "wdgen_kernels.cu"

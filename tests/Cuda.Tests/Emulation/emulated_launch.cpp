// The CPU stand-in for cuLaunchKernel: includes the real kernel text (src/Runtime/Optimization/Cuda/fused_optimizer.cu)
// after the emulation header and exports the launches and the kernel's struct layout to the C# tests.
#include <cstddef>
#include "cuda_cpu_emulation.h"
#include "fused_optimizer.cu"

extern "C" int wdgen_emulated_step(
    int grid, int block, const wdg_tensor* tensors, const wdg_block* blocks, const wdg_coefficient_table* table, int chunk_size, int algorithm)
{
    WDG_EMULATE_LAUNCH(grid, block, wdgen_fused_step(tensors, blocks, *table, chunk_size, algorithm));
    return 0;
}

extern "C" int wdgen_emulated_nonfinite(int grid, int block, const wdg_tensor* tensors, const wdg_block* blocks, int chunk_size, int* found)
{
    WDG_EMULATE_LAUNCH(grid, block, wdgen_nonfinite(tensors, blocks, chunk_size, found));
    return 0;
}

// sizeof and offsetof of the structs the host fills, for the layout test.
extern "C" int wdgen_layout(long long* out, int capacity)
{
    const long long values[] = {
        (long long)sizeof(wdg_coefficients), (long long)offsetof(wdg_coefficients, neg_lr), (long long)offsetof(wdg_coefficients, flags),
        (long long)sizeof(wdg_tensor), (long long)offsetof(wdg_tensor, mask), (long long)offsetof(wdg_tensor, numel),
        (long long)offsetof(wdg_tensor, coefficients), (long long)sizeof(wdg_block), (long long)sizeof(wdg_coefficient_table),
        (long long)WDG_TABLE_ROWS, (long long)WDG_ILP, (long long)WDG_THREADS,
    };
    const int count = (int)(sizeof(values) / sizeof(values[0]));
    for (int i = 0; i < count && i < capacity; i++)
    {
        out[i] = values[i];
    }

    return count;
}

/* WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md. */
/*
 * A stand-in for LibTorchSharp, used by tests only. It exports the THSTensor_* functions that WdGen's
 * generated code calls, with LibTorchSharp's names and C types, and answers them from the tensor header that
 * the managed fixture (tests/TorchSharpApi/Native/NativeTensor.cs) allocates behind every Tensor.Handle.
 * It contains no libtorch and no code from LibTorchSharp.
 *
 * Ownership: headers made by the managed fixture belong to their Tensor wrapper (THSTensor_dispose ignores
 * them). THSTensor_grad returns a new header owned by the caller, as LibTorchSharp does; THSTensor_dispose
 * frees that header and never the data it points to.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_API(type) __attribute__((visibility("default"))) type

/* Must match WdGen's fixture struct TorchSharp.FixtureNative.TensorHeader field for field. */
typedef struct tensor_header {
    void* data;            /* first element, NULL when the tensor has no elements */
    int64_t numel;
    int32_t dtype;         /* ScalarType: Float32 = 6, Float64 = 7, ... */
    int32_t element_size;  /* bytes per element */
    int32_t device_type;   /* DeviceType: CPU = 0 */
    int32_t is_contiguous;
    void* grad_handle;     /* the header of the gradient, or NULL */
    int32_t owned_by_shim; /* 1 for headers made by THSTensor_grad, which THSTensor_dispose frees */
    int32_t reserved;
} tensor_header;

typedef tensor_header* Tensor;

EXPORT_API(void*) THSTensor_data(const Tensor tensor)
{
    return tensor == NULL ? NULL : tensor->data;
}

EXPORT_API(Tensor) THSTensor_grad(const Tensor tensor)
{
    if (tensor == NULL || tensor->grad_handle == NULL) {
        return NULL;
    }
    Tensor copy = (Tensor)malloc(sizeof(tensor_header));
    if (copy == NULL) {
        return NULL;
    }
    memcpy(copy, tensor->grad_handle, sizeof(tensor_header));
    copy->owned_by_shim = 1;
    return copy;
}

EXPORT_API(int64_t) THSTensor_numel(const Tensor tensor)
{
    return tensor == NULL ? 0 : tensor->numel;
}

EXPORT_API(int64_t) THSTensor_element_size(const Tensor tensor)
{
    return tensor == NULL ? 0 : (int64_t)tensor->element_size;
}

EXPORT_API(int8_t) THSTensor_type(const Tensor tensor)
{
    return tensor == NULL ? (int8_t)-1 : (int8_t)tensor->dtype;
}

EXPORT_API(int) THSTensor_device_type(const Tensor tensor)
{
    return tensor == NULL ? -1 : (int)tensor->device_type;
}

EXPORT_API(int) THSTensor_is_contiguous(const Tensor tensor)
{
    return tensor == NULL ? 0 : (int)tensor->is_contiguous;
}

EXPORT_API(void) THSTensor_dispose(const Tensor tensor)
{
    if (tensor != NULL && tensor->owned_by_shim == 1) {
        tensor->owned_by_shim = 0;
        free(tensor);
    }
}

EXPORT_API(int) THSTensor_device_index(const Tensor tensor)
{
    /* LibTorchSharp: -1 for CPU tensors, the ordinal otherwise (the fixture's non-CPU tensors are all on device 0). */
    return tensor == NULL || tensor->device_type == 0 ? -1 : 0;
}

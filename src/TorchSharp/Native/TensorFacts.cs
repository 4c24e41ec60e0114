using System;
using TorchSharp;

namespace WdGen.Native
{
    /// <summary>How WdGen names element types and devices in messages: as PyTorch writes them (float64, cuda:1).</summary>
    internal static class TensorFacts
    {
        /// <summary>The TorchSharp version this assembly is built against.</summary>
        public const string TorchSharpVersion = "0.107.0";

        public static string Name(torch.ScalarType type) => type switch
        {
            torch.ScalarType.Byte => "uint8",
            torch.ScalarType.Int8 => "int8",
            torch.ScalarType.Int16 => "int16",
            torch.ScalarType.Int32 => "int32",
            torch.ScalarType.Int64 => "int64",
            torch.ScalarType.Float16 => "float16",
            torch.ScalarType.Float32 => "float32",
            torch.ScalarType.Float64 => "float64",
            torch.ScalarType.ComplexFloat32 => "complex64",
            torch.ScalarType.ComplexFloat64 => "complex128",
            torch.ScalarType.Bool => "bool",
            torch.ScalarType.BFloat16 => "bfloat16",
            _ => type.ToString().ToLowerInvariant(),
        };

        public static string Name(DeviceType type, int index) => type switch
        {
            DeviceType.CPU => "cpu",
            _ when index < 0 => type.ToString().ToLowerInvariant(),
            _ => type.ToString().ToLowerInvariant() + ":" + index,
        };

        /// <summary>The device a tensor lives on, by name.</summary>
        public static string DeviceOf(torch.Tensor tensor) => Name(tensor.device_type, tensor.device_index);
    }
}

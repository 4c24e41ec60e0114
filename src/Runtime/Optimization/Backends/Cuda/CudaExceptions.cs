using System;

// Public, in the namespace users catch them from; the rest of the CUDA backend is internal.
namespace WdGen.Optimization.Cuda
{
    /// <summary>
    /// The CUDA backend cannot run on this machine: the NVIDIA driver's CUDA library, NVRTC, or a CUDA device is
    /// missing. The message says which, what was tried, and what to install.
    /// </summary>
    public sealed class CudaUnavailableException : InvalidOperationException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">What is missing and how to get it.</param>
        public CudaUnavailableException(string message)
            : base(message)
        {
        }

        /// <summary>Creates the exception with its cause.</summary>
        /// <param name="message">What is missing and how to get it.</param>
        /// <param name="inner">The cause.</param>
        public CudaUnavailableException(string message, Exception inner)
            : base(message, inner)
        {
        }
    }

    /// <summary>A CUDA driver or NVRTC call failed; the message names the call and the error.</summary>
    public sealed class CudaException : InvalidOperationException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">The failing call and its error.</param>
        /// <param name="code">The CUresult or nvrtcResult.</param>
        public CudaException(string message, int code)
            : base(message)
        {
            Code = code;
        }

        /// <summary>The CUresult (driver) or nvrtcResult (NVRTC) value.</summary>
        public int Code { get; }
    }
}

using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using WdGen.Optimization.Algorithms;
using WdGen.Optimization.Backends.Cuda;
using Xunit;

namespace WdGen.Cuda.Tests
{
    /// <summary>
    /// The composed kernel source compiles to PTX with clang-16's NVPTX back end, with no CUDA headers or libraries
    /// (-nocudainc -nocudalib) and warnings as errors, for Volta, Ampere and Hopper.
    /// </summary>
    public sealed class KernelPtxTests
    {
        [ClangTheory]
        [InlineData("sm_70")]
        [InlineData("sm_80")]
        [InlineData("sm_90")]
        public void CompilesToPtx(string architecture)
        {
            var directory = Directory.CreateTempSubdirectory("wdgen-ptx-").FullName;
            try
            {
                var output = Path.Combine(directory, $"wdgen_kernels.{architecture}.ptx");
                var (exit, text) = Tool.Run(Clang.Path!, new[]
                {
                    "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib", "--cuda-gpu-arch=" + architecture,
                    "-S", "-O3", "-Werror", "-Wall", "-Wextra", "-ffp-contract=off", "-o", output, KernelFiles.WriteComposed(directory),
                });
                Assert.True(exit == 0, $"clang-16 failed ({exit}):\n{text}");
                var ptx = File.ReadAllText(output);
                Assert.Contains(".target " + architecture, ptx);
                var kernels = OptimizerAlgorithm.All.Select(a => (a.CudaKernel, Bytes: CudaLayout.TableRows * a.CoefficientSize)).Distinct().ToList();
                foreach (var (kernel, bytes) in kernels)
                {
                    Assert.Contains(".visible .entry " + kernel + "(", ptx);

                    // Each launch's coefficient table is a by-value kernel parameter: TableRows rows of the algorithm's coefficients.
                    Assert.Matches($@"\.param \.align \d+ \.b8 {kernel}_param_2\[{bytes}\]", ptx);
                }

                Assert.Contains(".visible .entry wdgen_nonfinite(", ptx);
                Assert.Contains(".visible .entry " + CudaKernelSource.SumSquaresKernel + "(", ptx); // clipping's norm, two passes
                Assert.Contains(".visible .entry " + CudaKernelSource.SumLanesKernel + "(", ptx);

                // __launch_bounds__(512): the register budget fits the backend's 512-thread blocks.
                Assert.Equal(kernels.Count + 3, Regex.Matches(ptx, @"\.maxntid 512, 1, 1").Count);

                // The aligned path uses 16-byte vector loads and stores.
                Assert.Contains("ld.v4.f32", ptx);
                Assert.Contains("st.v4.f32", ptx);

                // Every float operation carries an explicit IEEE rounding (.rn), so ptxas may not contract a mul and an
                // add into an FMA the CPU engine does not perform; no approximate or flush-to-zero arithmetic.
                var arithmetic = Regex.Matches(ptx, @"\b(add|sub|mul|div|sqrt|fma)(\.[a-z0-9]+)*\.f32\b").Select(m => m.Value).ToList();
                Assert.NotEmpty(arithmetic);
                var loose = arithmetic.Where(op => !op.Contains(".rn.") || op.Contains(".ftz") || op.Contains(".approx")).Distinct().ToList();
                Assert.True(loose.Count == 0, "operations without round-to-nearest: " + string.Join(", ", loose));
                Assert.Contains("fma.rn.f32", ptx);
                Assert.Contains("sqrt.rn.f32", ptx);
                Assert.Contains("div.rn.f32", ptx);

                // No local-memory spills of the tables, no calls into libdevice.
                Assert.DoesNotContain(".local", ptx);
                Assert.DoesNotContain("call", ptx);
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>The NVRTC branch of the kernel (what runs on a GPU), compiled by clang with a prelude standing in for NVRTC.</summary>
    public sealed class NvrtcBranchTests
    {
        [ClangFact]
        public void TheNvrtcBranchCompilesToTheSamePtxAsTheClangBranch()
        {
            var directory = Directory.CreateTempSubdirectory("wdgen-ptx-").FullName;
            try
            {
                string Compile(string name, params string[] extra)
                {
                    var output = Path.Combine(directory, name);
                    var arguments = new[]
                    {
                        "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib", "--cuda-gpu-arch=sm_80",
                        "-S", "-O3", "-Werror", "-Wall", "-Wextra", "-ffp-contract=off", "-o", output,
                    }.Concat(extra).Append(KernelFiles.WriteComposed(directory));
                    var (exit, text) = Tool.Run(Clang.Path!, arguments);
                    Assert.True(exit == 0, $"clang-16 failed ({exit}):\n{text}");
                    return string.Join("\n", File.ReadAllLines(output).Where(line => !line.StartsWith("//", System.StringComparison.Ordinal)));
                }

                var nvrtc = Compile("nvrtc.ptx", "-include", Path.Combine(KernelFiles.EmulationDirectory, "nvrtc_prelude.h"));
                var clang = Compile("clang.ptx");
                Assert.Contains(".visible .entry wdgen_adam_step(", nvrtc);
                Assert.Equal(clang, nvrtc);
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>A theory that needs clang-16.</summary>
    [System.AttributeUsage(System.AttributeTargets.Method)]
    public sealed class ClangTheoryAttribute : TheoryAttribute
    {
        public ClangTheoryAttribute()
        {
            if (Clang.Unavailable is { } reason)
            {
                Skip = reason;
            }
        }
    }
}

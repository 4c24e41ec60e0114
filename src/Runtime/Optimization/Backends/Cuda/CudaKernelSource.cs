using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using WdGen.Optimization.Algorithms;

namespace WdGen.Optimization.Backends.Cuda
{
    /// <summary>
    /// The kernels' source, composed from the files embedded in this assembly: the declarations generated from the
    /// host's structs (<see cref="CudaLayout"/>), the multi-tensor apply loop (multi_tensor.cuh) and each algorithm's
    /// kernel file. And its on-disk PTX cache: PTX compiled by NVRTC is kept per device architecture under the user's
    /// cache folder, keyed by a hash of the source, the NVRTC version and the compile options, so only the first run on
    /// a machine pays for compilation.
    /// </summary>
    /// <remarks>
    /// Cache folder: <c>WDGEN_PTX_CACHE</c> when set; otherwise <c>%LOCALAPPDATA%\WdGen\ptx</c> on Windows and
    /// <c>$XDG_CACHE_HOME/wdgen/ptx</c> (default <c>~/.cache/wdgen/ptx</c>) elsewhere. A cache that cannot be written
    /// is not an error (the PTX is then compiled at every start).
    /// </remarks>
    internal static class CudaKernelSource
    {
        /// <summary>The non-finite gradient check's entry point.</summary>
        public const string NonFiniteKernel = "wdgen_nonfinite";

        /// <summary>Clipping's per-lane sum of squares (see <c>multi_tensor.cuh</c>).</summary>
        public const string SumSquaresKernel = "wdgen_sum_squares";

        /// <summary>Clipping's per-chunk sum of the lanes.</summary>
        public const string SumLanesKernel = "wdgen_sum_lanes";

        private static readonly Lazy<string> SourceText = new(Compose);

        /// <summary>The kernel source text: every algorithm's kernel in one module.</summary>
        public static string Text => SourceText.Value;

        /// <summary>A short hex hash of the kernel source (part of every cache key).</summary>
        public static string Hash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Text))).Substring(0, 16).ToLowerInvariant();

        /// <summary>The PTX cache folder (see the remarks).</summary>
        public static string CacheDirectory
        {
            get
            {
                if (Environment.GetEnvironmentVariable("WDGEN_PTX_CACHE") is { Length: > 0 } overridden)
                {
                    return overridden;
                }

                if (OperatingSystem.IsWindows())
                {
                    return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "WdGen", "ptx");
                }

                var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                var root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
                return Path.Combine(root, "wdgen", "ptx");
            }
        }

        /// <summary>The cache file for one architecture and compiler.</summary>
        /// <param name="architecture">The virtual architecture, e.g. <c>compute_80</c>.</param>
        /// <param name="compilerKey">Identifies the compiler and its options (e.g. the NVRTC version).</param>
        /// <returns>The file path.</returns>
        public static string CachePath(string architecture, string compilerKey)
        {
            var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Text + "\n" + compilerKey))).Substring(0, 16).ToLowerInvariant();
            return Path.Combine(CacheDirectory, $"wdgen-{key}-{architecture}.ptx");
        }

        /// <summary>Returns cached PTX, or compiles it with <paramref name="compile"/> and caches it.</summary>
        internal static string GetOrCompile(string architecture, string compilerKey, Func<string> compile)
        {
            var path = CachePath(architecture, compilerKey);
            try
            {
                if (File.Exists(path))
                {
                    var cached = File.ReadAllText(path);
                    if (cached.Contains(".entry " + NonFiniteKernel, StringComparison.Ordinal))
                    {
                        return cached;
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            var ptx = compile();
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
                File.WriteAllText(temp, ptx);
                File.Move(temp, path, overwrite: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return ptx;
        }

        private static string Compose()
        {
            var text = new StringBuilder(CudaLayout.Prelude(OptimizerAlgorithm.All));
            text.Append('\n').Append(Read("multi_tensor.cuh"));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var algorithm in OptimizerAlgorithm.All)
            {
                if (seen.Add(algorithm.CudaSource))
                {
                    text.Append('\n').Append(Read(algorithm.CudaSource));
                }
            }

            return text.ToString();
        }

        /// <summary>One embedded kernel file (WdGen.Runtime.csproj embeds every .cu and .cuh under Optimization/ by file name).</summary>
        private static string Read(string file)
        {
            using var stream = typeof(CudaKernelSource).Assembly.GetManifestResourceStream("WdGen.Kernels." + file)
                ?? throw new InvalidOperationException("The CUDA kernel file " + file + " is missing from " + typeof(CudaKernelSource).Assembly.GetName().Name + ".");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }
}

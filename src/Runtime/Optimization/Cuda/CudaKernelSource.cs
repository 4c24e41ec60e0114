using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace WdGen.Optimization.Cuda
{
    /// <summary>
    /// The kernel source (fused_optimizer.cu, embedded in this assembly) and its on-disk PTX cache: PTX compiled by
    /// NVRTC is kept per device architecture under the user's cache folder, keyed by a hash of the source, the NVRTC
    /// version and the compile options, so only the first run on a machine pays for compilation.
    /// </summary>
    /// <remarks>
    /// Cache folder: <c>WDGEN_PTX_CACHE</c> when set; otherwise <c>%LOCALAPPDATA%\WdGen\ptx</c> on Windows and
    /// <c>$XDG_CACHE_HOME/wdgen/ptx</c> (default <c>~/.cache/wdgen/ptx</c>) elsewhere. A cache that cannot be written
    /// is not an error (the PTX is then compiled at every start).
    /// </remarks>
    public static class CudaKernelSource
    {
        /// <summary>The manifest name of the embedded kernel source.</summary>
        public const string ResourceName = "WdGen.Optimization.Cuda.fused_optimizer.cu";

        /// <summary>The step kernel's entry point.</summary>
        public const string StepKernel = "wdgen_fused_step";

        /// <summary>The non-finite gradient check's entry point.</summary>
        public const string NonFiniteKernel = "wdgen_nonfinite";

        private static readonly Lazy<string> SourceText = new(ReadSource);

        /// <summary>The kernel source text.</summary>
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
            return Path.Combine(CacheDirectory, $"fused_optimizer-{key}-{architecture}.ptx");
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
                    if (cached.Contains(".entry " + StepKernel, StringComparison.Ordinal))
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

        private static string ReadSource()
        {
            using var stream = typeof(CudaKernelSource).Assembly.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException("The CUDA kernel source is missing from " + typeof(CudaKernelSource).Assembly.GetName().Name + ".");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }
}

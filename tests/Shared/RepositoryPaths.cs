#nullable enable
using System;
using System.IO;

namespace WdGen.Tests.Shared
{
    /// <summary>
    /// Finds files of the repository from a running test. Not from [CallerFilePath]: CI builds map source paths to
    /// "/_/" (deterministic builds), so the test binaries are searched upwards for WdGen.sln instead.
    /// </summary>
    internal static class RepositoryPaths
    {
        private static readonly Lazy<string> RootDirectory = new(FindRoot);

        public static string Root => RootDirectory.Value;

        /// <summary>A path below the repository root, e.g. <c>Combine("tests", "TorchSharpApi")</c>.</summary>
        public static string Combine(params string[] parts) => Path.Combine(Root, Path.Combine(parts));

        private static string FindRoot()
        {
            for (var directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
            {
                if (File.Exists(Path.Combine(directory, "WdGen.sln")))
                {
                    return directory;
                }
            }

            throw new InvalidOperationException("Cannot find WdGen.sln above the test binaries in " + AppContext.BaseDirectory + ".");
        }
    }
}

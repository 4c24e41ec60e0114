using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using WdGen.Build;

// What is tested is the GNU/Linux dynamic loader's view of an ELF file.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace WdGen.Build.Tests
{
    /// <summary>The libraries the tests start from: TorchSharp's unmarked original, the build's output, this machine's libstdc++.</summary>
    internal static class TestLibraries
    {
        public const string VersionName = "GLIBCXX_3.4.32";

        /// <summary>The one dynamic symbol that libLibTorchSharp.so (TorchSharp 0.107.0) binds to GLIBCXX_3.4.32.</summary>
        public const string VersionedSymbol = "_ZSt21ios_base_library_initv";

        /// <summary>In the NuGet package folder: never marked (the build replaces its output copy instead).</summary>
        public static string PackageLibTorchSharp =>
            Path.Combine(PackageFolder, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

        /// <summary>Where a RID-less build puts libLibTorchSharp.so and libtorch's natives; the build marked its copy.</summary>
        public static string OutputNativeFolder => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

        public static string SystemLibstdcxx =>
            WeakVersionRequirement.FindSystemLibstdcxx()
            ?? throw new InvalidOperationException("No libstdc++.so.6 in " + string.Join(", ", WeakVersionRequirement.SystemLibstdcxxCandidates));

        public static bool SystemDefinesVersion => ElfFile.Read(SystemLibstdcxx).VersionDefinitions.Any(definition => definition.Name == VersionName);

        private static string PackageFolder
        {
            get
            {
                var folder = typeof(TestLibraries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                    .Single(attribute => attribute.Key == "TorchSharpPackageFolder").Value;
                return string.IsNullOrEmpty(folder)
                    ? throw new InvalidOperationException("The build did not pass TorchSharp's package folder ($(PkgTorchSharp)).")
                    : folder;
            }
        }

        public static VersionRequirement Requirement(ElfFile library) => library.VersionRequirements.Single(requirement => requirement.Name == VersionName);

        /// <summary>
        /// A copy of this machine's libstdc++ that defines <see cref="VersionName"/> or lacks it, whichever the test needs,
        /// whatever this machine's does: where they differ, one version definition's name is overwritten in the copy's
        /// string table by a name of the same length (GLIBCXX_3.4.NN to GLIBCXX_3.4.32, or GLIBCXX_3.4.32 to GLIBCXX_9.9.99).
        /// </summary>
        public static string SystemLibrary(TemporaryFolder folder, bool definesVersion)
        {
            var bytes = File.ReadAllBytes(SystemLibstdcxx);
            var definitions = ElfFile.Parse(bytes, SystemLibstdcxx).VersionDefinitions;
            var defines = definitions.Any(definition => definition.Name == VersionName);
            if (defines != definesVersion)
            {
                var renamed = definesVersion
                    ? definitions.Last(definition => definition.Name.StartsWith("GLIBCXX_3.4.", StringComparison.Ordinal) && definition.Name.Length == VersionName.Length)
                    : definitions.Single(definition => definition.Name == VersionName);
                Encoding.ASCII.GetBytes(definesVersion ? VersionName : "GLIBCXX_9.9.99").CopyTo(bytes, renamed.NameOffset);
            }

            var path = folder.PathOf(definesVersion ? "defines/libstdc++.so.6" : "lacks/libstdc++.so.6");
            File.WriteAllBytes(path, bytes);
            if (ElfFile.Read(path).VersionDefinitions.Any(definition => definition.Name == VersionName) != definesVersion)
            {
                throw new InvalidOperationException("Could not make a libstdc++ that " + (definesVersion ? "defines " : "lacks ") + VersionName);
            }

            return path;
        }

        /// <summary>Files whose bytes differ, by offset.</summary>
        public static IReadOnlyList<long> DifferingOffsets(byte[] before, byte[] after)
        {
            if (before.Length != after.Length)
            {
                throw new InvalidOperationException("The sizes differ: " + before.Length + " and " + after.Length + " bytes.");
            }

            var offsets = new List<long>();
            for (long offset = 0; offset < before.Length; offset++)
            {
                if (before[offset] != after[offset])
                {
                    offsets.Add(offset);
                }
            }

            return offsets;
        }

        /// <summary>Makes <paramref name="newPath"/> a second name of <paramref name="existingPath"/>'s file, as MSBuild's
        /// Copy does from the NuGet cache into an output folder (CreateHardLinksForCopyLocalIfPossible).</summary>
        public static void CreateHardLink(string existingPath, string newPath)
        {
            if (link(existingPath, newPath) != 0)
            {
                throw new IOException("link(" + existingPath + ", " + newPath + ") failed with errno " + Marshal.GetLastPInvokeError() + ".");
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int link(string existingPath, string newPath);
    }

    /// <summary>A fresh folder under the temporary folder, deleted with everything in it.</summary>
    internal sealed class TemporaryFolder : IDisposable
    {
        public TemporaryFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wdgen-build-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        /// <summary>A path in this folder; its parent folders are created.</summary>
        public string PathOf(string relativePath)
        {
            var path = System.IO.Path.Combine(Path, relativePath);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            return path;
        }

        public string Copy(string source, string relativePath)
        {
            var path = PathOf(relativePath);
            File.Copy(source, path);
            return path;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

using System;
using System.IO;
using System.Runtime.InteropServices;
using WdGen.Build;
using Xunit;
using Xunit.Abstractions;
using static WdGen.Build.Tests.TestLibraries;

namespace WdGen.Build.Tests
{
    /// <summary>What the build did to this project's own output, and whether the dynamic loader of this machine takes
    /// the marked and the unmarked library (each loaded beside libtorch's natives, as TorchSharp loads it).</summary>
    public sealed class LoadingTests : IDisposable
    {
        private readonly TemporaryFolder _folder = new();
        private readonly ITestOutputHelper _output;

        public LoadingTests(ITestOutputHelper output) => _output = output;

        public void Dispose() => _folder.Dispose();

        [Fact]
        public void The_build_marked_its_output_copy_and_left_the_package_copy_alone()
        {
            var output = Path.Combine(OutputNativeFolder, "libLibTorchSharp.so");
            var package = File.ReadAllBytes(PackageLibTorchSharp);
            var built = File.ReadAllBytes(output);

            // With hard-linked copies, marking the output in place would have marked the package's file too.
            Assert.Equal(0, Requirement(ElfFile.Parse(package, PackageLibTorchSharp)).Flags);
            var requirement = Requirement(ElfFile.Parse(built, output));
            if (SystemDefinesVersion)
            {
                _output.WriteLine(SystemLibstdcxx + " defines " + VersionName + ", so the build left " + output + " as it was.");
                Assert.Equal(package, built);
            }
            else
            {
                _output.WriteLine(SystemLibstdcxx + " lacks " + VersionName + ": the build marked it weak in " + output + ".");
                Assert.Equal(WeakVersionRequirement.WeakFlag, requirement.Flags);
                Assert.Equal(new[] { requirement.FlagsOffset }, DifferingOffsets(package, built));
            }
        }

        [Fact]
        public void The_marked_copy_loads()
        {
            var library = LibraryBesideLibtorch("marked");
            var result = WeakVersionRequirement.Apply(library, VersionName, SystemLibstdcxx);
            _output.WriteLine(result.Message);
            Assert.Equal(SystemDefinesVersion ? WeakVersionOutcome.SystemDefinesVersion : WeakVersionOutcome.MarkWeak, result.Outcome);

            Assert.True(NativeLibrary.TryLoad(library, out var handle), "the dynamic loader refused " + library);
            Assert.NotEqual(IntPtr.Zero, NativeLibrary.GetExport(handle, "THSTensor_ones"));
        }

        [Fact]
        public void The_unmarked_copy_fails_to_load_where_libstdcxx_lacks_the_version()
        {
            var library = LibraryBesideLibtorch("unmarked");

            if (SystemDefinesVersion)
            {
                // Then there is nothing to fix on this machine, and the original has to load as it is.
                _output.WriteLine(SystemLibstdcxx + " defines " + VersionName + ": checking that the unmarked library loads instead.");
                Assert.True(NativeLibrary.TryLoad(library, out _), "the dynamic loader refused " + library);
                return;
            }

            var error = Assert.Throws<DllNotFoundException>(() => NativeLibrary.Load(library));
            _output.WriteLine(error.Message);
            Assert.Contains("version `" + VersionName + "' not found", error.Message, StringComparison.Ordinal);
        }

        /// <summary>
        /// An unmarked copy of libLibTorchSharp.so in a folder of its own, beside links to the output's other natives
        /// (libtorch.so, libc10.so, ...), which its RUNPATH ($ORIGIN) finds. A copy, not the output's file: the
        /// loader maps a file once per process, and the build's copy may be loaded by another test.
        /// </summary>
        private string LibraryBesideLibtorch(string folderName)
        {
            foreach (var native in Directory.GetFiles(OutputNativeFolder))
            {
                if (Path.GetFileName(native) != "libLibTorchSharp.so")
                {
                    File.CreateSymbolicLink(_folder.PathOf(Path.Combine(folderName, Path.GetFileName(native))), native);
                }
            }

            return _folder.Copy(PackageLibTorchSharp, Path.Combine(folderName, "libLibTorchSharp.so"));
        }
    }
}

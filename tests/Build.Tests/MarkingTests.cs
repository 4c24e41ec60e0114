using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using WdGen.Build;
using Xunit;
using Xunit.Abstractions;
using static WdGen.Build.Tests.TestLibraries;

namespace WdGen.Build.Tests
{
    /// <summary>WeakVersionRequirement on copies of TorchSharp's unmarked libLibTorchSharp.so, against copies of this
    /// machine's libstdc++ made to lack (or define) GLIBCXX_3.4.32, so the outcome does not depend on the machine.</summary>
    public sealed class MarkingTests : IDisposable
    {
        private readonly TemporaryFolder _folder = new();
        private readonly ITestOutputHelper _output;

        public MarkingTests(ITestOutputHelper output) => _output = output;

        public void Dispose() => _folder.Dispose();

        [Fact]
        public void The_original_requires_the_version_strongly_for_one_unrelocated_symbol()
        {
            var library = ElfFile.Read(PackageLibTorchSharp);
            var requirement = Requirement(library);

            Assert.Equal("libstdc++.so.6", requirement.FileName);
            Assert.Equal(0, requirement.Flags);
            var bound = Enumerable.Range(0, library.DynamicSymbolVersions.Count)
                .Where(symbol => (library.DynamicSymbolVersions[symbol] & 0x7fff) == requirement.Index)
                .ToList();
            Assert.Equal(VersionedSymbol, library.DynamicSymbolNames[Assert.Single(bound)]);
            Assert.DoesNotContain(library.Relocations, relocation => relocation.SymbolIndex == bound[0]);
        }

        [Fact]
        public void Marking_changes_exactly_the_one_flags_byte()
        {
            var library = _folder.Copy(PackageLibTorchSharp, "libLibTorchSharp.so");
            var before = File.ReadAllBytes(library);
            var requirement = Requirement(ElfFile.Parse(before, library));
            var system = SystemLibrary(_folder, definesVersion: false);

            var plan = WeakVersionRequirement.Plan(library, VersionName, system);
            Assert.Equal(WeakVersionOutcome.MarkWeak, plan.Outcome);
            Assert.Equal(before, File.ReadAllBytes(library));

            var result = WeakVersionRequirement.Apply(library, VersionName, system);

            _output.WriteLine(result.Message);
            Assert.Equal(WeakVersionOutcome.MarkWeak, result.Outcome);
            Assert.StartsWith("marked " + VersionName + " weak in " + library, result.Message, StringComparison.Ordinal);
            Assert.Equal(new[] { VersionedSymbol }, result.Symbols);
            var after = File.ReadAllBytes(library);
            Assert.Equal(new[] { requirement.FlagsOffset }, DifferingOffsets(before, after));
            Assert.Equal(new[] { requirement.FlagsOffset }, result.FlagOffsets);
            Assert.Equal(0x00, before[requirement.FlagsOffset]);
            Assert.Equal(WeakVersionRequirement.WeakFlag, after[requirement.FlagsOffset]);
        }

        [Fact]
        public void The_marked_library_requires_only_that_version_weakly()
        {
            var library = _folder.Copy(PackageLibTorchSharp, "libLibTorchSharp.so");
            var before = ElfFile.Read(library).VersionRequirements;

            WeakVersionRequirement.Apply(library, VersionName, SystemLibrary(_folder, definesVersion: false));

            var after = ElfFile.Read(library).VersionRequirements;
            Assert.Equal(before.Select(Describe), after.Select(Describe).Select(line => line.Replace(VersionName + " 2", VersionName + " 0")));
            Assert.Equal(WeakVersionRequirement.WeakFlag, after.Single(requirement => requirement.Name == VersionName).Flags);
            Assert.All(after.Where(requirement => requirement.Name != VersionName), requirement => Assert.Equal(0, requirement.Flags));
            CompareWithReadelf(PackageLibTorchSharp);
            CompareWithReadelf(library);

            static string Describe(VersionRequirement requirement) =>
                requirement.FileName + " " + requirement.Name + " " + requirement.Flags + " " + requirement.Index;
        }

        [Fact]
        public void A_second_run_reports_already_weak_and_changes_nothing()
        {
            var library = _folder.Copy(PackageLibTorchSharp, "native/libLibTorchSharp.so");
            var system = SystemLibrary(_folder, definesVersion: false);
            WeakVersionRequirement.Apply(library, VersionName, system);
            var marked = File.ReadAllBytes(library);
            var lastWrite = File.GetLastWriteTimeUtc(library);
            // A second name for the file: if the run replaced the file, the two names would part.
            var secondName = _folder.PathOf("elsewhere/libLibTorchSharp.so");
            CreateHardLink(library, secondName);

            var result = WeakVersionRequirement.Apply(library, VersionName, system);

            _output.WriteLine(result.Message);
            Assert.Equal(WeakVersionOutcome.AlreadyWeak, result.Outcome);
            Assert.Equal("not needed: " + library + " already requires " + VersionName + " weakly", result.Message);
            Assert.Empty(result.FlagOffsets);
            Assert.Equal(marked, File.ReadAllBytes(library));
            Assert.Equal(lastWrite, File.GetLastWriteTimeUtc(library));
            Assert.Equal(new[] { library }, Directory.GetFiles(Path.GetDirectoryName(library)!));
            File.AppendAllText(secondName, "x");
            Assert.Equal(marked.Length + 1, new FileInfo(library).Length);
        }

        [Fact]
        public void A_hard_linked_target_is_replaced_and_its_link_source_stays_untouched()
        {
            // As in a build: the output file is a second name of the NuGet cache's file.
            var cached = _folder.Copy(PackageLibTorchSharp, "cache/libLibTorchSharp.so");
            const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
            File.SetUnixFileMode(cached, mode);
            var cachedLastWrite = File.GetLastWriteTimeUtc(cached);
            var output = _folder.PathOf("bin/runtimes/linux-x64/native/libLibTorchSharp.so");
            CreateHardLink(cached, output);
            var pristine = File.ReadAllBytes(PackageLibTorchSharp);

            var result = WeakVersionRequirement.Apply(output, VersionName, SystemLibrary(_folder, definesVersion: false));

            Assert.Equal(WeakVersionOutcome.MarkWeak, result.Outcome);
            Assert.Equal(pristine, File.ReadAllBytes(cached));
            Assert.Equal(0, Requirement(ElfFile.Read(cached)).Flags);
            Assert.Single(DifferingOffsets(pristine, File.ReadAllBytes(output)));
            Assert.Equal(WeakVersionRequirement.WeakFlag, Requirement(ElfFile.Read(output)).Flags);
            Assert.Equal(mode, File.GetUnixFileMode(output));
            // The same time stamp lets the build's Copy (size and time) keep the marked file on later builds.
            Assert.Equal(cachedLastWrite, File.GetLastWriteTimeUtc(output));
            Assert.Equal(new[] { output }, Directory.GetFiles(Path.GetDirectoryName(output)!));
        }

        [Fact]
        public void Nothing_is_done_when_the_system_library_defines_the_version()
        {
            var library = _folder.Copy(PackageLibTorchSharp, "libLibTorchSharp.so");
            var system = SystemLibrary(_folder, definesVersion: true);

            var result = WeakVersionRequirement.Apply(library, VersionName, system);

            _output.WriteLine(result.Message);
            Assert.Equal(WeakVersionOutcome.SystemDefinesVersion, result.Outcome);
            Assert.Equal("not needed: " + system + " defines " + VersionName + ", which " + library + " requires", result.Message);
            Assert.Equal(File.ReadAllBytes(PackageLibTorchSharp), File.ReadAllBytes(library));
        }

        [Fact]
        public void Nothing_is_done_to_a_library_that_does_not_require_the_version()
        {
            // libc10.so: libtorch's own, built against an older libstdc++.
            var libc10 = _folder.Copy(Path.Combine(OutputNativeFolder, "libc10.so"), "libc10.so");
            var torchSharp = _folder.Copy(PackageLibTorchSharp, "libLibTorchSharp.so");
            var system = SystemLibrary(_folder, definesVersion: false);

            var forLibc10 = WeakVersionRequirement.Apply(libc10, VersionName, system);
            var forLaterVersion = WeakVersionRequirement.Apply(torchSharp, "GLIBCXX_3.4.33", system);

            Assert.Equal(WeakVersionOutcome.NotRequired, forLibc10.Outcome);
            Assert.Equal("not needed: " + libc10 + " does not require " + VersionName, forLibc10.Message);
            Assert.Equal(WeakVersionOutcome.NotRequired, forLaterVersion.Outcome);
            Assert.Equal(File.ReadAllBytes(Path.Combine(OutputNativeFolder, "libc10.so")), File.ReadAllBytes(libc10));
            Assert.Equal(File.ReadAllBytes(PackageLibTorchSharp), File.ReadAllBytes(torchSharp));
        }

        [Fact]
        public void A_relocation_against_the_versioned_symbol_is_refused()
        {
            // Points the first .rela.plt entry (r_info's upper half is the symbol index) at _ZSt21ios_base_library_initv,
            // as if the library called it: then the loader would have to bind it, and a weak version would not do.
            var bytes = File.ReadAllBytes(PackageLibTorchSharp);
            var original = ElfFile.Parse(bytes, PackageLibTorchSharp);
            var versionedSymbol = original.DynamicSymbolNames.ToList().IndexOf(VersionedSymbol);
            var relocation = original.Relocations.First(entry => entry.SectionName == ".rela.plt" && entry.SymbolIndex != 0);
            BitConverter.GetBytes((uint)versionedSymbol).CopyTo(bytes, relocation.Offset + 12);
            var library = _folder.PathOf("libLibTorchSharp.so");
            File.WriteAllBytes(library, bytes);

            var result = WeakVersionRequirement.Apply(library, VersionName, SystemLibrary(_folder, definesVersion: false));

            _output.WriteLine(result.Message);
            Assert.Equal(WeakVersionOutcome.Refused, result.Outcome);
            Assert.Equal(new[] { VersionedSymbol }, result.Symbols);
            Assert.StartsWith("refusing to mark " + VersionName + " weak in " + library + ": relocations use symbol " + VersionedSymbol,
                result.Message, StringComparison.Ordinal);
            Assert.Equal(bytes, File.ReadAllBytes(library));
        }

        [Fact]
        public void A_relocated_symbol_bound_to_the_version_is_refused()
        {
            // Gives the symbol of the first .rela.plt entry the version's index in .gnu.version (two bytes per symbol).
            var bytes = File.ReadAllBytes(PackageLibTorchSharp);
            var original = ElfFile.Parse(bytes, PackageLibTorchSharp);
            var relocation = original.Relocations.First(entry => entry.SectionName == ".rela.plt" && entry.SymbolIndex != 0);
            var versions = original.Sections.Single(section => section.Type == ElfFile.SectionSymbolVersions);
            BitConverter.GetBytes(Requirement(original).Index).CopyTo(bytes, versions.Offset + 2 * relocation.SymbolIndex);
            var library = _folder.PathOf("libLibTorchSharp.so");
            File.WriteAllBytes(library, bytes);

            var result = WeakVersionRequirement.Apply(library, VersionName, SystemLibrary(_folder, definesVersion: false));

            _output.WriteLine(result.Message);
            Assert.Equal(WeakVersionOutcome.Refused, result.Outcome);
            Assert.Equal(new[] { original.DynamicSymbolNames[(int)relocation.SymbolIndex] }, result.Symbols);
            Assert.Contains(original.DynamicSymbolNames[(int)relocation.SymbolIndex], result.Message, StringComparison.Ordinal);
            Assert.Equal(bytes, File.ReadAllBytes(library));
        }

        [Theory]
        [InlineData("text", "not an ELF file (it does not start with 0x7F 'E' 'L' 'F')")]
        [InlineData("32-bit", "not a 64-bit ELF file (EI_CLASS is 1); only ELFCLASS64 is supported")]
        [InlineData("big-endian", "not a little-endian ELF file (EI_DATA is 2); only ELFDATA2LSB is supported")]
        [InlineData("truncated", "lies outside the file")]
        public void Anything_but_a_64_bit_little_endian_elf_file_is_refused_clearly(string kind, string problem)
        {
            var bytes = File.ReadAllBytes(PackageLibTorchSharp);
            bytes = kind switch
            {
                "text" => "#!/bin/sh\necho not a library\n"u8.ToArray(),
                "32-bit" => WithByte(bytes, 4, 1),
                "big-endian" => WithByte(bytes, 5, 2),
                _ => bytes.Take(bytes.Length / 2).ToArray(), // the section headers sit at the end
            };
            var library = _folder.PathOf("libLibTorchSharp.so");
            File.WriteAllBytes(library, bytes);

            var error = Assert.Throws<InvalidDataException>(
                () => WeakVersionRequirement.Apply(library, VersionName, SystemLibrary(_folder, definesVersion: false)));

            _output.WriteLine(error.Message);
            Assert.StartsWith(library + ": ", error.Message, StringComparison.Ordinal);
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
            Assert.Equal(bytes, File.ReadAllBytes(library));

            static byte[] WithByte(byte[] bytes, int offset, byte value)
            {
                bytes[offset] = value;
                return bytes;
            }
        }

        /// <summary>Checks the parser against binutils' readelf -V where it is installed (the lines
        /// "Name: GLIBCXX_3.4.32  Flags: WEAK  Version: 18" of .gnu.version_r).</summary>
        private void CompareWithReadelf(string path)
        {
            string listing;
            try
            {
                using var readelf = Process.Start(new ProcessStartInfo("readelf", "-V -W " + path) { RedirectStandardOutput = true })!;
                listing = readelf.StandardOutput.ReadToEnd();
                readelf.WaitForExit();
            }
            catch (System.ComponentModel.Win32Exception)
            {
                _output.WriteLine("readelf (binutils) is not installed: the parser was not compared with it for " + path);
                return;
            }

            var fromReadelf = new List<string>();
            foreach (Match match in Regex.Matches(listing, @"Name: (\S+)\s+Flags: (\S+)\s+Version: (\d+)"))
            {
                fromReadelf.Add(match.Groups[1].Value + " " + match.Groups[2].Value + " " + match.Groups[3].Value);
            }

            var fromParser = ElfFile.Read(path).VersionRequirements
                .Select(requirement => requirement.Name + " " + (requirement.Flags == 0 ? "none" : requirement.Flags == 2 ? "WEAK" : "?") + " " + requirement.Index);
            Assert.Equal(fromReadelf, fromParser);
            _output.WriteLine("readelf -V agrees for " + path + ": " + string.Join("; ", fromReadelf.Where(line => line.StartsWith(VersionName, StringComparison.Ordinal))));
        }
    }
}

#nullable enable
// Compiled twice: by MSBuild's RoslynCodeTaskFactory (build/TorchSharp.targets, against netstandard 2.0 and
// MSBuild's own assemblies only) and into tests/Build.Tests (with WDGEN_BUILD_TESTS, without the task class).
// Hence: netstandard 2.0 APIs only (no Span, no records), no unsafe code, no P/Invoke, no packages.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace WdGen.Build
{
    /// <summary>What <see cref="WeakVersionRequirement"/> decided for one library.</summary>
    public enum WeakVersionOutcome
    {
        /// <summary>The requirement is (or, from <see cref="WeakVersionRequirement.Plan"/>, can be) marked weak.</summary>
        MarkWeak,
        SystemDefinesVersion,
        AlreadyWeak,
        NotRequired,
        /// <summary>A relocation uses a symbol of the version: the library really needs it, so nothing is changed.</summary>
        Refused,
    }

    public sealed class WeakVersionResult
    {
        internal WeakVersionResult(WeakVersionOutcome outcome, string message, IReadOnlyList<long> flagOffsets, IReadOnlyList<string> symbols)
        {
            Outcome = outcome;
            Message = message;
            FlagOffsets = flagOffsets;
            Symbols = symbols;
        }

        public WeakVersionOutcome Outcome { get; }

        /// <summary>One line for the build log: what was done or why nothing was.</summary>
        public string Message { get; }

        /// <summary>File offsets of the vna_flags fields that get (or got) VER_FLG_WEAK; empty unless MarkWeak.</summary>
        public IReadOnlyList<long> FlagOffsets { get; }

        /// <summary>The dynamic symbols bound to the version: unused ones for MarkWeak, relocated ones for Refused.</summary>
        public IReadOnlyList<string> Symbols { get; }

        public override string ToString() => Outcome + ": " + Message;
    }

    /// <summary>
    /// Marks one GNU symbol-version requirement (a Vernaux entry of .gnu.version_r) of a shared library weak, so that
    /// the dynamic loader only warns when the system library lacks that version, but only when no relocation uses a
    /// symbol of that version: then nothing in the library can bind to a missing definition.
    /// </summary>
    public static class WeakVersionRequirement
    {
        public const ushort WeakFlag = 0x2; // VER_FLG_WEAK

        /// <summary>Where Debian/Ubuntu, Fedora/RHEL and others keep the libstdc++ that the dynamic loader finds.</summary>
        public static readonly IReadOnlyList<string> SystemLibstdcxxCandidates = new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };

        /// <summary>The first of <see cref="SystemLibstdcxxCandidates"/> that exists; null off Linux.</summary>
        public static string? FindSystemLibstdcxx()
        {
            foreach (var candidate in SystemLibstdcxxCandidates)
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        /// <summary>Decides without writing anything. Throws <see cref="InvalidDataException"/> for a file that is not a
        /// 64-bit little-endian ELF file, or a malformed one.</summary>
        public static WeakVersionResult Plan(string libraryPath, string versionName, string systemLibraryPath)
        {
            var library = ElfFile.Read(libraryPath);
            return Plan(library, libraryPath, versionName, systemLibraryPath);
        }

        /// <summary>
        /// Plans, and for <see cref="WeakVersionOutcome.MarkWeak"/> writes the marked bytes to a new file in the same
        /// folder and renames it over <paramref name="libraryPath"/>. Never writes into the existing file: it may be a
        /// hard link to the NuGet cache's copy, which must stay as it is.
        /// </summary>
        public static WeakVersionResult Apply(string libraryPath, string versionName, string systemLibraryPath)
        {
            var library = ElfFile.Read(libraryPath);
            var plan = Plan(library, libraryPath, versionName, systemLibraryPath);
            if (plan.Outcome != WeakVersionOutcome.MarkWeak)
            {
                return plan;
            }

            var marked = (byte[])library.Bytes.Clone();
            foreach (var offset in plan.FlagOffsets)
            {
                var flags = (ushort)(ElfFile.ReadUInt16(marked, offset) | WeakFlag);
                marked[offset] = (byte)flags;
                marked[offset + 1] = (byte)(flags >> 8);
            }

            ReplaceFile(libraryPath, marked);
            return new WeakVersionResult(
                WeakVersionOutcome.MarkWeak,
                "marked " + versionName + " weak in " + libraryPath + " (" + systemLibraryPath + " lacks it; no relocation uses "
                    + Describe(plan.Symbols) + ")",
                plan.FlagOffsets,
                plan.Symbols);
        }

        private static WeakVersionResult Plan(ElfFile library, string libraryPath, string versionName, string systemLibraryPath)
        {
            var none = Array.Empty<long>();
            var requirements = new List<VersionRequirement>();
            foreach (var requirement in library.VersionRequirements)
            {
                if (requirement.Name == versionName)
                {
                    requirements.Add(requirement);
                }
            }

            if (requirements.Count == 0)
            {
                return new WeakVersionResult(WeakVersionOutcome.NotRequired,
                    "not needed: " + libraryPath + " does not require " + versionName, none, Array.Empty<string>());
            }

            if (requirements.TrueForAll(requirement => (requirement.Flags & WeakFlag) != 0))
            {
                return new WeakVersionResult(WeakVersionOutcome.AlreadyWeak,
                    "not needed: " + libraryPath + " already requires " + versionName + " weakly", none, Array.Empty<string>());
            }

            // Read only now: in the steady state (already weak) a build touches just the one library.
            var system = ElfFile.Read(systemLibraryPath);
            foreach (var definition in system.VersionDefinitions)
            {
                if (definition.Name == versionName)
                {
                    return new WeakVersionResult(WeakVersionOutcome.SystemDefinesVersion,
                        "not needed: " + systemLibraryPath + " defines " + versionName + ", which " + libraryPath + " requires",
                        none, Array.Empty<string>());
                }
            }

            var versionIndexes = new HashSet<int>();
            foreach (var requirement in requirements)
            {
                versionIndexes.Add(requirement.Index);
            }

            var boundSymbols = new List<string>();
            for (var symbol = 1; symbol < library.DynamicSymbolVersions.Count && symbol < library.DynamicSymbolNames.Count; symbol++)
            {
                // The top bit marks a hidden symbol; the rest is the version index (Vernaux vna_other).
                if (versionIndexes.Contains(library.DynamicSymbolVersions[symbol] & 0x7fff))
                {
                    boundSymbols.Add(library.DynamicSymbolNames[symbol]);
                }
            }

            var relocatedSymbols = new List<string>();
            foreach (var relocation in library.Relocations)
            {
                if (!relocation.UsesDynamicSymbols || relocation.SymbolIndex == 0
                    || relocation.SymbolIndex >= library.DynamicSymbolVersions.Count)
                {
                    continue;
                }

                if (versionIndexes.Contains(library.DynamicSymbolVersions[(int)relocation.SymbolIndex] & 0x7fff))
                {
                    var name = library.DynamicSymbolNames[(int)relocation.SymbolIndex];
                    if (!relocatedSymbols.Contains(name))
                    {
                        relocatedSymbols.Add(name);
                    }
                }
            }

            if (relocatedSymbols.Count > 0)
            {
                return new WeakVersionResult(WeakVersionOutcome.Refused,
                    "refusing to mark " + versionName + " weak in " + libraryPath + ": relocations use "
                        + Describe(relocatedSymbols) + " of that version, which " + systemLibraryPath
                        + " does not define: marked weak, the library would load but fail to bind "
                        + (relocatedSymbols.Count == 1 ? "it" : "them"),
                    none, relocatedSymbols);
            }

            var flagOffsets = new List<long>();
            foreach (var requirement in requirements)
            {
                if ((requirement.Flags & WeakFlag) == 0)
                {
                    flagOffsets.Add(requirement.FlagsOffset);
                }
            }

            return new WeakVersionResult(WeakVersionOutcome.MarkWeak,
                versionName + " can be marked weak in " + libraryPath + " (" + systemLibraryPath + " lacks it; no relocation uses "
                    + Describe(boundSymbols) + ")",
                flagOffsets, boundSymbols);
        }

        private static string Describe(IReadOnlyList<string> symbols) =>
            symbols.Count == 0 ? "any symbol of it" : (symbols.Count == 1 ? "symbol " : "symbols ") + string.Join(", ", symbols);

        private static void ReplaceFile(string path, byte[] contents)
        {
            var fullPath = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(fullPath) ?? ".";
            var temporary = Path.Combine(folder, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            var lastWrite = File.GetLastWriteTimeUtc(fullPath);
            try
            {
                // Copying first gives the new file the old one's permission bits (File.Copy keeps them on Unix);
                // the contents are then overwritten with exactly the bytes that were planned on.
                File.Copy(fullPath, temporary);
                File.WriteAllBytes(temporary, contents);
                // Keep the time stamp: the build's Copy step compares size and time, and would otherwise link the
                // unmarked file back over this one on every build.
                File.SetLastWriteTimeUtc(temporary, lastWrite);
                // A rename on Unix: atomic, and it replaces only this folder entry, not the file it named.
                File.Replace(temporary, fullPath, null);
            }
            catch
            {
                File.Delete(temporary);
                throw;
            }
        }
    }

    /// <summary>One Vernaux entry of SHT_GNU_verneed: a version that a needed library must define.</summary>
    public sealed class VersionRequirement
    {
        internal VersionRequirement(string fileName, string name, ushort flags, ushort index, long flagsOffset)
        {
            FileName = fileName;
            Name = name;
            Flags = flags;
            Index = index;
            FlagsOffset = flagsOffset;
        }

        /// <summary>The needed library (the Verneed's vn_file), e.g. libstdc++.so.6.</summary>
        public string FileName { get; }

        public string Name { get; }

        /// <summary>vna_flags; <see cref="WeakVersionRequirement.WeakFlag"/> makes a missing version only a warning.</summary>
        public ushort Flags { get; }

        /// <summary>vna_other: the index that .gnu.version gives the symbols bound to this version.</summary>
        public ushort Index { get; }

        public long FlagsOffset { get; }
    }

    /// <summary>One Verdef entry of SHT_GNU_verdef: a version that the library defines.</summary>
    public sealed class VersionDefinition
    {
        internal VersionDefinition(string name, ushort index, ushort flags, long nameOffset)
        {
            Name = name;
            Index = index;
            Flags = flags;
            NameOffset = nameOffset;
        }

        public string Name { get; }

        public ushort Index { get; }

        public ushort Flags { get; }

        /// <summary>File offset of the name's first character (in the string table).</summary>
        public long NameOffset { get; }
    }

    public sealed class ElfSection
    {
        internal ElfSection(int index, string name, uint type, long offset, long size, uint link, uint info, long entrySize)
        {
            Index = index;
            Name = name;
            Type = type;
            Offset = offset;
            Size = size;
            Link = link;
            Info = info;
            EntrySize = entrySize;
        }

        public int Index { get; }

        public string Name { get; }

        public uint Type { get; }

        public long Offset { get; }

        public long Size { get; }

        public uint Link { get; }

        public uint Info { get; }

        public long EntrySize { get; }
    }

    /// <summary>One entry of an SHT_RELA or SHT_REL section.</summary>
    public sealed class ElfRelocation
    {
        internal ElfRelocation(string sectionName, long offset, uint type, uint symbolIndex, bool usesDynamicSymbols)
        {
            SectionName = sectionName;
            Offset = offset;
            Type = type;
            SymbolIndex = symbolIndex;
            UsesDynamicSymbols = usesDynamicSymbols;
        }

        public string SectionName { get; }

        /// <summary>File offset of the entry; its r_info field starts 8 bytes later.</summary>
        public long Offset { get; }

        public uint Type { get; }

        public uint SymbolIndex { get; }

        /// <summary>Whether the section's symbol table is .dynsym (the one .gnu.version describes); relocations kept
        /// against .symtab (ld --emit-relocs) are never processed by the dynamic loader.</summary>
        public bool UsesDynamicSymbols { get; }
    }

    /// <summary>The parts of a 64-bit little-endian ELF file that symbol versioning involves, read from its section headers.</summary>
    public sealed class ElfFile
    {
        public const uint SectionRela = 4;
        public const uint SectionRel = 9;
        public const uint SectionDynamicSymbols = 11;
        public const uint SectionVersionDefinitions = 0x6ffffffd; // SHT_GNU_verdef
        public const uint SectionVersionRequirements = 0x6ffffffe; // SHT_GNU_verneed
        public const uint SectionSymbolVersions = 0x6fffffff; // SHT_GNU_versym

        private readonly string _path;

        private ElfFile(string path, byte[] bytes)
        {
            _path = path;
            Bytes = bytes;
        }

        public byte[] Bytes { get; }

        public IReadOnlyList<ElfSection> Sections { get; private set; } = Array.Empty<ElfSection>();

        /// <summary>Names of .dynsym's entries, by symbol index (entry 0 is the null symbol).</summary>
        public IReadOnlyList<string> DynamicSymbolNames { get; private set; } = Array.Empty<string>();

        /// <summary>.gnu.version: one version index per .dynsym entry; empty when the library has none.</summary>
        public IReadOnlyList<ushort> DynamicSymbolVersions { get; private set; } = Array.Empty<ushort>();

        public IReadOnlyList<VersionRequirement> VersionRequirements { get; private set; } = Array.Empty<VersionRequirement>();

        public IReadOnlyList<VersionDefinition> VersionDefinitions { get; private set; } = Array.Empty<VersionDefinition>();

        public IReadOnlyList<ElfRelocation> Relocations { get; private set; } = Array.Empty<ElfRelocation>();

        public static ElfFile Read(string path) => Parse(File.ReadAllBytes(path), path);

        /// <summary>Throws <see cref="InvalidDataException"/> (naming <paramref name="path"/>) for anything but a
        /// well-formed 64-bit little-endian ELF file with section headers.</summary>
        public static ElfFile Parse(byte[] bytes, string path)
        {
            var file = new ElfFile(path, bytes);
            file.ParseAll();
            return file;
        }

        public static ushort ReadUInt16(byte[] bytes, long offset) => (ushort)(bytes[offset] | bytes[offset + 1] << 8);

        public static uint ReadUInt32(byte[] bytes, long offset) =>
            (uint)(bytes[offset] | bytes[offset + 1] << 8 | bytes[offset + 2] << 16 | bytes[offset + 3] << 24);

        public static ulong ReadUInt64(byte[] bytes, long offset) => ReadUInt32(bytes, offset) | (ulong)ReadUInt32(bytes, offset + 4) << 32;

        private void ParseAll()
        {
            if (Bytes.Length < 4 || Bytes[0] != 0x7f || Bytes[1] != (byte)'E' || Bytes[2] != (byte)'L' || Bytes[3] != (byte)'F')
            {
                throw Invalid("not an ELF file (it does not start with 0x7F 'E' 'L' 'F')");
            }

            if (Bytes.Length < 64)
            {
                throw Invalid("truncated ELF header");
            }

            if (Bytes[4] != 2)
            {
                throw Invalid("not a 64-bit ELF file (EI_CLASS is " + Bytes[4] + "); only ELFCLASS64 is supported");
            }

            if (Bytes[5] != 1)
            {
                throw Invalid("not a little-endian ELF file (EI_DATA is " + Bytes[5] + "); only ELFDATA2LSB is supported");
            }

            var sectionHeadersOffset = ToOffset(ReadUInt64(Bytes, 0x28), "e_shoff");
            long headerSize = ReadUInt16(Bytes, 0x3a);
            long sectionCount = ReadUInt16(Bytes, 0x3c);
            long namesSectionIndex = ReadUInt16(Bytes, 0x3e);
            if (sectionHeadersOffset == 0)
            {
                throw Invalid("no section headers");
            }

            if (headerSize < 64)
            {
                throw Invalid("section header size " + headerSize + " is below the 64 bytes of Elf64_Shdr");
            }

            Require(sectionHeadersOffset, headerSize, "the first section header");
            // Extended numbering: with 0xff00 or more sections, section 0 holds the real count and names index.
            if (sectionCount == 0)
            {
                sectionCount = ToOffset(ReadUInt64(Bytes, sectionHeadersOffset + 0x20), "section count");
            }

            if (namesSectionIndex == 0xffff)
            {
                namesSectionIndex = ReadUInt32(Bytes, sectionHeadersOffset + 0x28);
            }

            Require(sectionHeadersOffset, checked(sectionCount * headerSize), "the section headers");
            var headers = new List<(uint NameOffset, uint Type, long Offset, long Size, uint Link, uint Info, long EntrySize)>();
            for (long index = 0; index < sectionCount; index++)
            {
                var at = sectionHeadersOffset + index * headerSize;
                var type = ReadUInt32(Bytes, at + 4);
                var offset = ToOffset(ReadUInt64(Bytes, at + 0x18), "sh_offset");
                var size = ToOffset(ReadUInt64(Bytes, at + 0x20), "sh_size");
                if (type != 8 /* SHT_NOBITS */ && type != 0)
                {
                    Require(offset, size, "section " + index);
                }

                headers.Add((ReadUInt32(Bytes, at), type, offset, size, ReadUInt32(Bytes, at + 0x28), ReadUInt32(Bytes, at + 0x2c),
                    ToOffset(ReadUInt64(Bytes, at + 0x38), "sh_entsize")));
            }

            if (namesSectionIndex >= headers.Count)
            {
                throw Invalid("the section names index " + namesSectionIndex + " is not a section");
            }

            var names = headers[(int)namesSectionIndex];
            var sections = new List<ElfSection>();
            for (var index = 0; index < headers.Count; index++)
            {
                var header = headers[index];
                var name = namesSectionIndex == 0 ? "" : ReadString(names.Offset, names.Size, header.NameOffset);
                sections.Add(new ElfSection(index, name, header.Type, header.Offset, header.Size, header.Link, header.Info, header.EntrySize));
            }

            Sections = sections;
            var dynamicSymbols = sections.Find(section => section.Type == SectionDynamicSymbols);
            if (dynamicSymbols != null)
            {
                ParseDynamicSymbols(dynamicSymbols);
            }

            foreach (var section in sections)
            {
                switch (section.Type)
                {
                    case SectionSymbolVersions:
                        ParseSymbolVersions(section);
                        break;
                    case SectionVersionRequirements:
                        ParseVersionRequirements(section);
                        break;
                    case SectionVersionDefinitions:
                        ParseVersionDefinitions(section);
                        break;
                }
            }

            var relocations = new List<ElfRelocation>();
            foreach (var section in sections)
            {
                if (section.Type == SectionRela || section.Type == SectionRel)
                {
                    ParseRelocations(section, dynamicSymbols, relocations);
                }
            }

            Relocations = relocations;
        }

        private void ParseDynamicSymbols(ElfSection symbols)
        {
            var strings = LinkedSection(symbols, "its string table");
            const long entrySize = 24; // Elf64_Sym
            var count = symbols.Size / entrySize;
            var names = new string[count];
            for (long index = 0; index < count; index++)
            {
                names[index] = ReadString(strings.Offset, strings.Size, ReadUInt32(Bytes, symbols.Offset + index * entrySize));
            }

            DynamicSymbolNames = names;
        }

        private void ParseSymbolVersions(ElfSection versions)
        {
            var count = versions.Size / 2;
            if (count != DynamicSymbolNames.Count)
            {
                throw Invalid(versions.Name + " has " + count + " entries for " + DynamicSymbolNames.Count + " dynamic symbols");
            }

            var indexes = new ushort[count];
            for (long index = 0; index < count; index++)
            {
                indexes[index] = ReadUInt16(Bytes, versions.Offset + index * 2);
            }

            DynamicSymbolVersions = indexes;
        }

        private void ParseVersionRequirements(ElfSection section)
        {
            var strings = LinkedSection(section, "its string table");
            var requirements = new List<VersionRequirement>();
            long need = 0;
            // sh_info counts the Verneed entries; the entry chains are followed through vn_next/vna_next, each bounded.
            for (uint file = 0; file < section.Info; file++)
            {
                var needAt = section.Offset + need;
                Require(needAt, 16, section.Name + " entry " + file, section);
                var auxCount = ReadUInt16(Bytes, needAt + 2);
                var fileName = ReadString(strings.Offset, strings.Size, ReadUInt32(Bytes, needAt + 4));
                var aux = need + ReadUInt32(Bytes, needAt + 8);
                for (var entry = 0; entry < auxCount; entry++)
                {
                    var auxAt = section.Offset + aux;
                    Require(auxAt, 16, section.Name + " entry " + file + "." + entry, section);
                    requirements.Add(new VersionRequirement(
                        fileName,
                        ReadString(strings.Offset, strings.Size, ReadUInt32(Bytes, auxAt + 8)),
                        ReadUInt16(Bytes, auxAt + 4),
                        ReadUInt16(Bytes, auxAt + 6),
                        auxAt + 4));
                    var nextAux = ReadUInt32(Bytes, auxAt + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }

                var nextNeed = ReadUInt32(Bytes, needAt + 12);
                if (nextNeed == 0)
                {
                    break;
                }

                need += nextNeed;
            }

            VersionRequirements = requirements;
        }

        private void ParseVersionDefinitions(ElfSection section)
        {
            var strings = LinkedSection(section, "its string table");
            var definitions = new List<VersionDefinition>();
            long definition = 0;
            for (uint entry = 0; entry < section.Info; entry++)
            {
                var definitionAt = section.Offset + definition;
                Require(definitionAt, 20, section.Name + " entry " + entry, section);
                // The first Verdaux names the version itself; later ones name its parents.
                var auxAt = definitionAt + ReadUInt32(Bytes, definitionAt + 12);
                Require(auxAt, 8, section.Name + " entry " + entry + " name", section);
                var nameIndex = ReadUInt32(Bytes, auxAt);
                definitions.Add(new VersionDefinition(
                    ReadString(strings.Offset, strings.Size, nameIndex),
                    ReadUInt16(Bytes, definitionAt + 4),
                    ReadUInt16(Bytes, definitionAt + 2),
                    strings.Offset + nameIndex));
                var next = ReadUInt32(Bytes, definitionAt + 16);
                if (next == 0)
                {
                    break;
                }

                definition += next;
            }

            VersionDefinitions = definitions;
        }

        private void ParseRelocations(ElfSection section, ElfSection? dynamicSymbols, List<ElfRelocation> relocations)
        {
            var entrySize = section.EntrySize != 0 ? section.EntrySize : section.Type == SectionRela ? 24 : 16;
            if (entrySize < 16)
            {
                throw Invalid(section.Name + " has entries of " + entrySize + " bytes, fewer than r_offset and r_info need");
            }

            var usesDynamicSymbols = dynamicSymbols != null && section.Link == dynamicSymbols.Index;
            var count = section.Size / entrySize;
            for (long index = 0; index < count; index++)
            {
                var at = section.Offset + index * entrySize;
                var info = ReadUInt64(Bytes, at + 8);
                var symbolIndex = (uint)(info >> 32);
                if (usesDynamicSymbols && symbolIndex >= DynamicSymbolNames.Count)
                {
                    throw Invalid(section.Name + " entry " + index + " names symbol " + symbolIndex + " of " + DynamicSymbolNames.Count);
                }

                relocations.Add(new ElfRelocation(section.Name, at, (uint)info, symbolIndex, usesDynamicSymbols));
            }
        }

        private ElfSection LinkedSection(ElfSection section, string what)
        {
            if (section.Link == 0 || section.Link >= Sections.Count)
            {
                throw Invalid(section.Name + " links to section " + section.Link + " for " + what + ", which does not exist");
            }

            return Sections[(int)section.Link];
        }

        private string ReadString(long tableOffset, long tableSize, uint index)
        {
            if (index >= tableSize)
            {
                throw Invalid("string index " + index + " is outside its string table of " + tableSize + " bytes");
            }

            var start = tableOffset + index;
            var end = start;
            while (end < tableOffset + tableSize && Bytes[end] != 0)
            {
                end++;
            }

            if (end == tableOffset + tableSize)
            {
                throw Invalid("a string at index " + index + " runs past the end of its string table");
            }

            return Encoding.UTF8.GetString(Bytes, (int)start, (int)(end - start));
        }

        private void Require(long offset, long length, string what, ElfSection? within = null)
        {
            var (start, size) = within == null ? (0L, (long)Bytes.Length) : (within.Offset, within.Size);
            if (offset < start || length < 0 || offset + length > start + size)
            {
                throw Invalid(what + " (" + length + " bytes at offset " + offset + ") lies outside "
                    + (within == null ? "the file (" + Bytes.Length + " bytes)" : within.Name));
            }
        }

        private long ToOffset(ulong value, string what) =>
            value <= int.MaxValue ? (long)value : throw Invalid(what + " is " + value + ", beyond any file this reads");

        private InvalidDataException Invalid(string problem) => new InvalidDataException(_path + ": " + problem + ".");
    }

#if !WDGEN_BUILD_TESTS
    /// <summary>MSBuild task: marks <see cref="VersionName"/> weak in each of <see cref="Libraries"/> where that is
    /// needed and safe (see <see cref="WeakVersionRequirement"/>); fails the build where a relocation uses it.</summary>
    public sealed class MarkVersionRequirementWeak : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        [Microsoft.Build.Framework.Required]
        public string VersionName { get; set; } = "";

        /// <summary>The libstdc++ the dynamic loader will use; empty: the first of the usual places that exists.</summary>
        public string? SystemLibrary { get; set; }

        public override bool Execute()
        {
            var systemLibrary = string.IsNullOrEmpty(SystemLibrary) ? WeakVersionRequirement.FindSystemLibstdcxx() : SystemLibrary!;
            if (systemLibrary == null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    "not needed: no libstdc++.so.6 in " + string.Join(", ", WeakVersionRequirement.SystemLibstdcxxCandidates));
                return true;
            }

            foreach (var library in Libraries)
            {
                try
                {
                    var result = WeakVersionRequirement.Apply(library.ItemSpec, VersionName, systemLibrary);
                    if (result.Outcome == WeakVersionOutcome.Refused)
                    {
                        Log.LogError(result.Message);
                    }
                    else
                    {
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, result.Message);
                    }
                }
                catch (Exception exception) when (exception is InvalidDataException || exception is IOException
                    || exception is UnauthorizedAccessException)
                {
                    // The messages name the file.
                    Log.LogError("cannot mark " + VersionName + " weak: " + exception.Message);
                }
            }

            return !Log.HasLoggedErrors;
        }
    }
#endif
}

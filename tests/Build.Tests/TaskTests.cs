using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using WdGen.Build;
using WdGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;
using static WdGen.Build.Tests.TestLibraries;

namespace WdGen.Build.Tests
{
    /// <summary>The MarkVersionRequirementWeak task as MSBuild compiles it from build/TorchSharp.targets (with
    /// RoslynCodeTaskFactory, against netstandard), which this project's own build only does when its output changed.</summary>
    public sealed class TaskTests : IDisposable
    {
        private readonly TemporaryFolder _folder = new();
        private readonly ITestOutputHelper _output;

        public TaskTests(ITestOutputHelper output) => _output = output;

        public void Dispose() => _folder.Dispose();

        [Fact]
        public void The_task_marks_reports_and_fails_the_build_on_a_refusal_or_a_non_elf_file()
        {
            var system = SystemLibrary(_folder, definesVersion: false);
            var good = _folder.Copy(PackageLibTorchSharp, "good/libLibTorchSharp.so");
            var bytes = File.ReadAllBytes(PackageLibTorchSharp);
            var original = ElfFile.Parse(bytes, PackageLibTorchSharp);
            // As in MarkingTests: the first .rela.plt entry retargeted at the GLIBCXX_3.4.32 symbol.
            var relocation = original.Relocations.First(entry => entry.SectionName == ".rela.plt" && entry.SymbolIndex != 0);
            BitConverter.GetBytes((uint)original.DynamicSymbolNames.ToList().IndexOf(VersionedSymbol)).CopyTo(bytes, relocation.Offset + 12);
            var refused = _folder.PathOf("refused/libLibTorchSharp.so");
            File.WriteAllBytes(refused, bytes);
            var text = _folder.PathOf("text/libLibTorchSharp.so");
            File.WriteAllText(text, "not a library\n");

            var (failed, log) = RunTask(system, good, refused, text);

            Assert.True(failed, "the build succeeded");
            Assert.Contains("marked " + VersionName + " weak in " + good, log, StringComparison.Ordinal);
            Assert.Contains("error : refusing to mark " + VersionName + " weak in " + refused + ": relocations use symbol " + VersionedSymbol, log,
                StringComparison.Ordinal);
            Assert.Contains("error : cannot mark " + VersionName + " weak: " + text + ": not an ELF file", log, StringComparison.Ordinal);
            Assert.Equal(bytes, File.ReadAllBytes(refused));

            var (failedAgain, logAgain) = RunTask(system, good);

            Assert.False(failedAgain, "the build failed");
            Assert.Contains("not needed: " + good + " already requires " + VersionName + " weakly", logAgain, StringComparison.Ordinal);
        }

        private (bool Failed, string Log) RunTask(string systemLibrary, params string[] libraries)
        {
            var project = _folder.PathOf("task/check.proj");
            File.WriteAllText(project, $"""
                <Project>
                  <Import Project="{RepositoryPaths.Combine("build", "TorchSharp.targets")}" />
                  <Target Name="Check">
                    <MarkVersionRequirementWeak Libraries="{string.Join(";", libraries)}" VersionName="{VersionName}" SystemLibrary="{systemLibrary}" />
                  </Target>
                </Project>
                """);
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetDirectoryName(project)!,
            };
            foreach (var argument in new[] { "msbuild", project, "-t:Check", "-v:n", "-nologo", "-nodeReuse:false", "-tl:off" })
            {
                start.ArgumentList.Add(argument);
            }

            using var msbuild = Process.Start(start)!;
            var errors = msbuild.StandardError.ReadToEndAsync();
            var log = msbuild.StandardOutput.ReadToEnd() + errors.Result;
            msbuild.WaitForExit();
            _output.WriteLine(log);
            return (msbuild.ExitCode != 0, log);
        }
    }
}

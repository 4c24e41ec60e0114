using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using WdGen.Tests.Shared;
using Xunit;

namespace WdGen.Samples.Tests
{
    /// <summary>
    /// CI builds every TorchSharp sample against the API fixture (compile only). One class, so the builds run one
    /// after another rather than competing for the machine's two cores.
    /// </summary>
    public sealed class SampleBuildTests
    {
        private static readonly Regex ExpectMarker = new(@"//\s*expect:\s*(?<ids>WDG\d{3}(\s*,\s*WDG\d{3})*)", RegexOptions.CultureInvariant);

        [Theory]
        [InlineData("Gpt")]
        [InlineData("Vision")]
        public void Sample_builds_against_the_fixture_without_warnings(string sample)
        {
            using var result = SampleBuild.Build(sample, "TorchSharpMode=Fixture");

            Assert.True(result.ExitCode == 0, $"samples/{sample} failed to build in fixture mode:\n{result.Log}");
            Assert.True(result.Diagnostics.Count == 0, $"samples/{sample} built with diagnostics:\n{string.Join("\n", result.Diagnostics)}");
        }

        [Fact]
        public void Misuse_reports_exactly_the_diagnostics_its_expect_comments_name()
        {
            var expected = ExpectedMisuseDiagnostics();
            Assert.Equal(
                Enumerable.Range(1, 11).Select(i => $"WDG{i:000}"),
                expected.Select(d => d.Id).Distinct().OrderBy(id => id, StringComparer.Ordinal));

            using var result = SampleBuild.Build("Misuse", "TorchSharpMode=Fixture");

            Assert.True(result.ExitCode == 0, "samples/Misuse failed to build:\n" + result.Log);
            Assert.Equal(
                expected.Select(d => d.ToString()),
                result.Diagnostics.Select(d => d.ToString()));
        }

        [Fact]
        public void Assembly_mode_references_the_given_TorchSharp_and_copies_its_native_library()
        {
            // The fixture's build output stands in for a TorchSharp build folder: TorchSharp.dll with
            // libLibTorchSharp.so next to it.
            var folder = RepositoryPaths.Combine("tests", "TorchSharpApi", "bin", SampleBuild.Configuration, "net10.0");
            var assembly = Path.Combine(folder, "TorchSharp.dll");
            Assert.True(File.Exists(assembly), "The fixture is not built: " + assembly);
            Assert.True(File.Exists(Path.Combine(folder, "libLibTorchSharp.so")), "The fixture's native shim is not built.");

            using var result = SampleBuild.Build("Vision", "TorchSharpAssembly=" + assembly);

            Assert.True(result.ExitCode == 0, "samples/Vision failed to build against a TorchSharp assembly:\n" + result.Log);
            Assert.Empty(result.Diagnostics);
            Assert.True(File.Exists(Path.Combine(result.OutputDirectory, "TorchSharp.dll")), "TorchSharp.dll was not copied to " + result.OutputDirectory);
            Assert.True(File.Exists(Path.Combine(result.OutputDirectory, "libLibTorchSharp.so")), "The native library was not copied to " + result.OutputDirectory);
        }

        [Theory]
        [InlineData("Gpt")]
        [InlineData("Vision")]
        [InlineData("Misuse")]
        public void By_default_a_sample_references_the_TorchSharp_package_like_a_user_project(string sample)
        {
            var (exitCode, log) = SampleBuild.Run(
                new[] { "msbuild", SampleBuild.ProjectFile(sample), "-nologo", "-getProperty:TorchSharpMode", "-getItem:PackageReference" },
                RepositoryPaths.Root);

            Assert.True(exitCode == 0, log);
            Assert.Contains("\"TorchSharpMode\": \"Package\"", log);
            Assert.Contains("\"Identity\": \"TorchSharp-cpu\"", log);
        }

        /// <summary>The file, line and ID named by each "// expect: WDGxxx" comment in samples/Misuse.</summary>
        private static List<BuildDiagnostic> ExpectedMisuseDiagnostics()
        {
            var directory = RepositoryPaths.Combine("samples", "Misuse");
            var expected = new List<BuildDiagnostic>();
            foreach (var path in Directory.GetFiles(directory, "*.cs", SearchOption.TopDirectoryOnly))
            {
                var lines = File.ReadAllLines(path);
                for (var i = 0; i < lines.Length; i++)
                {
                    var match = ExpectMarker.Match(lines[i]);
                    if (!match.Success) continue;
                    foreach (var id in match.Groups["ids"].Value.Split(',', StringSplitOptions.TrimEntries))
                    {
                        expected.Add(new BuildDiagnostic("warning", id, Path.GetFileName(path), i + 1));
                    }
                }
            }

            return expected
                .OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line).ThenBy(d => d.Id, StringComparer.Ordinal)
                .ToList();
        }
    }
}

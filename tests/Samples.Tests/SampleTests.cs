using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using WdGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace WdGen.Samples.Tests
{
    /// <summary>
    /// Every TorchSharp sample, built as a user project (TorchSharp 0.107 from the package) and run on real tensors.
    /// One class, so the builds and runs go one after another rather than competing for the machine's two cores.
    /// </summary>
    public sealed class SampleTests : IClassFixture<SampleTests.BuiltSamples>
    {
        private static readonly Regex ExpectMarker = new(@"//\s*expect:\s*(?<ids>WDG\d{3}(\s*,\s*WDG\d{3})*)", RegexOptions.CultureInvariant);
        private static readonly Regex LossLine = new(@"^Loss: first step (?<first>[\d.]+), last step (?<last>[\d.]+); weights after step (?<step>\d+): SHA-256 (?<digest>[0-9A-F]+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant);

        private readonly BuiltSamples samples;
        private readonly ITestOutputHelper output;

        public SampleTests(BuiltSamples samples, ITestOutputHelper output)
        {
            this.samples = samples;
            this.output = output;
        }

        [Theory]
        [InlineData("Gpt")]
        [InlineData("Vision")]
        public void Sample_builds_without_warnings(string sample)
        {
            var result = samples[sample];

            Assert.True(result.ExitCode == 0, $"samples/{sample} failed to build:\n{result.Log}");
            Assert.True(result.Diagnostics.Count == 0, $"samples/{sample} built with diagnostics:\n{string.Join("\n", result.Diagnostics)}");
        }

        [Fact]
        public void Gpt_loss_falls_and_a_resumed_run_ends_with_the_weights_of_the_uninterrupted_run()
        {
            var checkpoints = Path.Combine(samples["Gpt"].ScratchDirectory, "checkpoints");
            var whole = Gpt("--steps", "30", "--checkpoint", Path.Combine(checkpoints, "whole"));
            var firstHalf = Gpt("--steps", "15", "--checkpoint", Path.Combine(checkpoints, "split"));
            var secondHalf = Gpt("--steps", "15", "--resume", "--checkpoint", Path.Combine(checkpoints, "split"));

            Assert.True(double.Parse(whole.Groups["last"].Value) < 0.85 * double.Parse(whole.Groups["first"].Value), "The loss did not fall: " + whole.Value);
            Assert.Equal("15", firstHalf.Groups["step"].Value);
            Assert.Equal("30", secondHalf.Groups["step"].Value);
            Assert.Equal(whole.Groups["digest"].Value, secondHalf.Groups["digest"].Value);
            Assert.NotEqual(firstHalf.Groups["digest"].Value, secondHalf.Groups["digest"].Value);
        }

        [Fact]
        public void Gpt_with_bfloat16_or_int8_optimizer_state_ends_within_1_and_2_percent_of_float32_state()
        {
            // issue 16's quality bar, on the real model and real TorchSharp: the same 100 steps with each state format,
            // compared by the loss on 16 fixed evaluation batches (the last batch alone is too noisy).
            var checkpoints = Path.Combine(samples["Gpt"].ScratchDirectory, "formats");
            double Evaluation(string format)
            {
                var log = Run("Gpt", "--steps", "100", "--state", format, "--checkpoint", Path.Combine(checkpoints, format));
                var match = Regex.Match(log, @"Evaluation loss \(16 fixed batches\): (?<loss>[0-9.]+)");
                Assert.True(match.Success, "samples/Gpt printed no evaluation loss:\n" + log);
                Assert.Contains($"{format} state", log, StringComparison.OrdinalIgnoreCase);
                return double.Parse(match.Groups["loss"].Value, CultureInfo.InvariantCulture);
            }

            var float32 = Evaluation("float32");
            var bfloat16 = Evaluation("bfloat16");
            var int8 = Evaluation("int8");
            Assert.True(Math.Abs(bfloat16 - float32) <= 0.01 * float32, $"bfloat16 state: {bfloat16:0.0000} against float32 state's {float32:0.0000}");
            Assert.True(Math.Abs(int8 - float32) <= 0.02 * float32, $"int8 state: {int8:0.0000} against float32 state's {float32:0.0000}");
        }

        [Fact]
        public void Vision_shows_smaller_weights_with_decay_and_writes_its_svg()
        {
            var svg = Path.Combine(samples["Vision"].ScratchDirectory, "weight-norm.svg");
            var log = Run("Vision", "--steps", "60", "--out", svg);

            Assert.Contains("Weights are smaller with weight decay", log);
            Assert.StartsWith("<svg", File.ReadAllText(svg).TrimStart());
            Assert.Contains("<polyline", File.ReadAllText(svg));
        }

        [Fact]
        public void Misuse_reports_exactly_the_diagnostics_its_expect_comments_name()
        {
            var expected = ExpectedMisuseDiagnostics();
            Assert.Equal(
                Enumerable.Range(1, 14).Select(i => $"WDG{i:000}"),
                expected.Select(d => d.Id).Distinct().OrderBy(id => id, StringComparer.Ordinal));

            using var result = SampleBuild.Build("Misuse");

            Assert.True(result.ExitCode == 0, "samples/Misuse failed to build:\n" + result.Log);
            Assert.Equal(
                expected.Select(d => d.ToString()),
                result.Diagnostics.Select(d => d.ToString()));
        }

        [Theory]
        [InlineData("Gpt")]
        [InlineData("Vision")]
        [InlineData("Misuse")]
        public void A_sample_references_TorchSharp_and_a_libtorch_package_like_a_user_project(string sample)
        {
            var (exitCode, log) = SampleBuild.Run(
                new[] { "msbuild", SampleBuild.ProjectFile(sample), "-nologo", "-getItem:PackageReference" },
                RepositoryPaths.Root);

            Assert.True(exitCode == 0, log);
            Assert.Contains("\"Identity\": \"TorchSharp\"", log);
            Assert.Contains("\"Identity\": \"libtorch-cpu-", log);
        }

        private Match Gpt(params string[] arguments)
        {
            var log = Run("Gpt", arguments);
            var match = LossLine.Match(log);
            Assert.True(match.Success, "samples/Gpt printed no loss line:\n" + log);
            return match;
        }

        private string Run(string sample, params string[] arguments)
        {
            var built = samples[sample];
            Assert.True(built.ExitCode == 0, $"samples/{sample} failed to build:\n{built.Log}");
            var (exitCode, log) = SampleBuild.Run(
                new[] { Path.Combine(built.OutputDirectory, "WdGen." + sample + ".dll") }.Concat(arguments).ToList(),
                built.ScratchDirectory);
            output.WriteLine($"samples/{sample} {string.Join(" ", arguments)}:\n{log}");
            Assert.True(exitCode == 0, $"samples/{sample} {string.Join(" ", arguments)} exited with {exitCode}:\n{log}");
            return log;
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

        /// <summary>The runnable samples, each built once into a scratch folder for the whole class.</summary>
        public sealed class BuiltSamples : IDisposable
        {
            private readonly Dictionary<string, BuildResult> builds = new() { ["Gpt"] = SampleBuild.Build("Gpt"), ["Vision"] = SampleBuild.Build("Vision") };

            public BuildResult this[string sample] => builds[sample];

            public void Dispose()
            {
                foreach (var build in builds.Values)
                {
                    build.Dispose();
                }
            }
        }
    }
}

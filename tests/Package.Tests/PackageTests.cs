using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using WdGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace WdGen.Package.Tests
{
    /// <summary>
    /// Packs WdGen into a temporary folder once, then builds consumer projects that reference the package by version
    /// from that folder (the source is given on the command line, never written into a file); TorchSharp 0.107 comes
    /// in as the package's dependency.
    /// </summary>
    public sealed class PackageTests : IClassFixture<PackageTests.PackedWdGen>
    {
        private const string CleanModel = """
            using System;
            using TorchSharp;
            using TorchSharp.Modules;
            using WdGen;
            using static TorchSharp.torch;

            [DecayGroups]
            public sealed partial class Classifier : nn.Module<Tensor, Tensor>
            {
                private readonly Embedding embed = nn.Embedding(10, 4);
                private readonly Sequential body = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4));
                [Decay(0.5)] private readonly Linear head = nn.Linear(4, 2);

                public Classifier() : base(nameof(Classifier)) => RegisterComponents();

                public override Tensor forward(Tensor input) => input;
            }

            public static class Training
            {
                public static void Start()
                {
                    var groups = new Classifier().GetDecayGroups();
                    var optimizer = groups.ToAdamW(lr: 3e-4, weightDecay: 0.1);
                    Console.WriteLine(DecayPlan.Of<Classifier>());
                    Console.WriteLine(optimizer);
                }
            }
            """;

        private const string HashSetToAdamW = """
            using System.Collections.Generic;
            using TorchSharp;
            using TorchSharp.Modules;
            using static TorchSharp.torch;

            public static class Training
            {
                public static optim.Optimizer Create(nn.Module model)
                {
                    var parameters = new HashSet<Parameter>(model.parameters());
                    return optim.AdamW(parameters, lr: 1e-3);
                }
            }
            """;

        private readonly PackedWdGen package;
        private readonly ITestOutputHelper output;

        public PackageTests(PackedWdGen package, ITestOutputHelper output)
        {
            this.package = package;
            this.output = output;
        }

        [Fact]
        public void Package_holds_the_runtime_for_both_frameworks_and_the_Roslyn_components()
        {
            using var archive = ZipFile.OpenRead(package.PackagePath);
            var entries = archive.Entries.Select(e => e.FullName).ToList();

            foreach (var framework in new[] { "net8.0", "net10.0" })
            {
                Assert.Contains("lib/" + framework + "/WdGen.Runtime.dll", entries);
                Assert.Contains("lib/" + framework + "/WdGen.TorchSharp.dll", entries);
                Assert.Contains("lib/" + framework + "/WdGen.TorchSharp.xml", entries);
            }

            Assert.Contains("analyzers/dotnet/cs/WdGen.Generator.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/WdGen.Analyzers.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/WdGen.CodeFixes.dll", entries);
            Assert.Contains("README.md", entries);
            Assert.True(File.Exists(Path.ChangeExtension(package.PackagePath, ".snupkg")), "No symbol package next to " + package.PackagePath);

            using var nuspecStream = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
            var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
            Assert.Equal("WdGen", Value("id"));
            Assert.Equal("MIT", Value("license"));
            Assert.Equal("README.md", Value("readme"));
            Assert.Contains("torchsharp", Value("tags"));
            Assert.False(string.IsNullOrWhiteSpace(Value("description")));
            // One dependency, TorchSharp (managed only: users choose their libtorch), for each framework.
            var dependencies = metadata.Elements().Single(e => e.Name.LocalName == "dependencies").Descendants().Where(d => d.Name.LocalName == "dependency").ToList();
            Assert.NotEmpty(dependencies);
            Assert.All(dependencies, d => Assert.Equal(("TorchSharp", "0.107.0"), ((string)d.Attribute("id")!, (string)d.Attribute("version")!)));
        }

        [Fact]
        public void Consumer_using_generated_groups_builds_with_no_WdGen_diagnostics()
        {
            var (exitCode, log) = package.BuildConsumer("clean", ("Classifier.cs", CleanModel));
            output.WriteLine(log);

            Assert.True(exitCode == 0, "The consumer did not build:\n" + log);
            Assert.DoesNotContain("WDG0", log);
            Assert.DoesNotContain("CS8785", log);
            Assert.DoesNotContain("AD0001", log);
        }

        [Fact]
        public void Consumer_handing_a_HashSet_to_AdamW_gets_WDG001()
        {
            var (exitCode, log) = package.BuildConsumer("hashset", ("Training.cs", HashSetToAdamW));
            output.WriteLine(log);

            Assert.Equal(0, exitCode);
            Assert.Matches(@"Training\.cs\(\d+,\d+\): warning WDG001", log);
        }

        /// <summary>Packs once per test run into a temporary folder; consumers restore into their own package cache.</summary>
        public sealed class PackedWdGen : IDisposable
        {
            private readonly string root = Path.Combine(Path.GetTempPath(), "wdgen-package-" + Guid.NewGuid().ToString("N"));

            public PackedWdGen()
            {
                var configuration = typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;
                Configuration = configuration;
                Feed = Directory.CreateDirectory(Path.Combine(root, "feed")).FullName;
                // The whole solution, as `dotnet pack WdGen.sln` packs it: exactly one package comes out.
                var (exitCode, log) = Run(RepositoryPaths.Root, "pack", "WdGen.sln", "-c", configuration, "--no-build", "-o", Feed);
                if (exitCode != 0)
                {
                    throw new InvalidOperationException("dotnet pack failed:\n" + log);
                }

                PackagePath = Directory.GetFiles(Feed, "WdGen.*.nupkg").Single(p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
                Version = Path.GetFileNameWithoutExtension(PackagePath).Substring("WdGen.".Length);
            }

            public string Configuration { get; }

            public string Feed { get; }

            public string PackagePath { get; }

            public string Version { get; }

            /// <summary>Creates a consumer project with <paramref name="files"/>, restores it from the feed alone and builds it.</summary>
            public (int ExitCode, string Log) BuildConsumer(string name, params (string Path, string Text)[] files)
            {
                var directory = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
                File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
                    <Project Sdk="Microsoft.NET.Sdk">
                      <PropertyGroup>
                        <OutputType>Library</OutputType>
                        <TargetFramework>net10.0</TargetFramework>
                        <Nullable>enable</Nullable>
                        <ImplicitUsings>disable</ImplicitUsings>
                      </PropertyGroup>
                      <ItemGroup>
                        <PackageReference Include="WdGen" Version="{Version}" />
                      </ItemGroup>
                    </Project>
                    """);
                foreach (var (path, text) in files)
                {
                    File.WriteAllText(Path.Combine(directory, path), text);
                }

                var packages = Path.Combine(root, "packages");
                // WdGen from the feed into a cache of its own (a cached older build of the same version must not win);
                // TorchSharp, its dependency, from the machine's package sources, reusing the user's cache.
                var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
                var restore = Run(directory, "restore", "--packages", packages, "-p:RestoreAdditionalProjectSources=" + Feed, "-p:RestoreAdditionalProjectFallbackFolders=" + globalPackages);
                if (restore.ExitCode != 0)
                {
                    return restore;
                }

                return Run(directory, "build", "--no-restore", "-c", "Release", "-nologo", "-clp:NoSummary");
            }

            public void Dispose()
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException)
                {
                    // A temporary folder left behind is not a test failure.
                }
            }

            private static (int ExitCode, string Log) Run(string directory, params string[] arguments)
            {
                var start = new ProcessStartInfo("dotnet")
                {
                    WorkingDirectory = directory,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                foreach (var argument in arguments)
                {
                    start.ArgumentList.Add(argument);
                }

                start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
                start.Environment["DOTNET_NOLOGO"] = "1";
                start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
                using var process = Process.Start(start)!;
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEnd();
                process.WaitForExit();
                return (process.ExitCode, stdout.Result + stderr);
            }
        }
    }
}

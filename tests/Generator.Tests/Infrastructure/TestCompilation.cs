using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace WdGen.Generator.Tests.Infrastructure
{
    /// <summary>Builds compilations of test sources against the framework, WdGen (runtime and TorchSharp bridge) and TorchSharp 0.107.</summary>
    internal static class TestCompilation
    {
        public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

        private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(() =>
            ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
                .Split(Path.PathSeparator)
                .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal)
                    || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
                .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
                .ToImmutableArray());

        private static readonly MetadataReference RuntimeReference = MetadataReference.CreateFromFile(typeof(DecayGroups<>).Assembly.Location);

        /// <summary>TorchSharp and WdGen.TorchSharp, which a user project gets from the WdGen package's dependency and lib/.</summary>
        public static readonly ImmutableArray<MetadataReference> TorchSharpReferences = ImmutableArray.Create<MetadataReference>(
            MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(TorchSharpDecayGroups).Assembly.Location));

        /// <summary>A compilation of <paramref name="sources"/> (file paths Model0.cs, Model1.cs, …).</summary>
        public static CSharpCompilation Create(IEnumerable<string> sources, bool withTorchSharp = true, string assemblyName = "UserModels")
            => Create(sources.Select((text, i) => ("Model" + i + ".cs", text)), withTorchSharp, assemblyName);

        public static CSharpCompilation Create(IEnumerable<(string Path, string Text)> sources, bool withTorchSharp = true, string assemblyName = "UserModels")
        {
            var references = FrameworkReferences.Value.Add(RuntimeReference);
            if (withTorchSharp)
            {
                references = references.AddRange(TorchSharpReferences);
            }

            return CSharpCompilation.Create(
                assemblyName,
                sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)),
                references,
                new CSharpCompilationOptions(
                    OutputKind.DynamicallyLinkedLibrary,
                    nullableContextOptions: NullableContextOptions.Enable,
                    deterministic: true));
        }

        /// <summary>Emits a compilation that must have no warning and no error, and loads it.</summary>
        public static Assembly EmitAndLoad(Compilation compilation)
        {
            AssertClean(compilation);
            using var stream = new MemoryStream();
            var result = compilation.Emit(stream);
            if (!result.Success)
            {
                throw new InvalidOperationException("Emit failed:\n" + string.Join("\n", result.Diagnostics));
            }

            return Assembly.Load(stream.ToArray());
        }

        /// <summary>Fails on any warning or error: generated code must build under TreatWarningsAsErrors.</summary>
        public static void AssertClean(Compilation compilation)
        {
            var problems = compilation.GetDiagnostics()
                .Where(d => d.Severity >= DiagnosticSeverity.Warning)
                .ToList();
            if (problems.Count > 0)
            {
                throw new Xunit.Sdk.XunitException("The compilation has warnings or errors:\n" + string.Join("\n", problems.Select(p => p.ToString())));
            }
        }
    }
}

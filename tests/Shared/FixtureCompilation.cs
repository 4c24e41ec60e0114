#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace WdGen.Tests.Shared
{
    /// <summary>
    /// Compiles the TorchSharp API fixture's sources in memory, in either shape of <c>Tensor.grad</c> (a method up to
    /// TorchSharp 0.102.5, a property from 0.102.6), so tests can check code against both.
    /// Linked into the test projects that need it.
    /// </summary>
    internal static class FixtureCompilation
    {
        public static CSharpCompilation Create(bool gradProperty)
        {
            var symbols = gradProperty ? new[] { "TORCHSHARP_GRAD_PROPERTY" } : Array.Empty<string>();
            var options = new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: symbols);
            var separator = Path.DirectorySeparatorChar;
            var trees = Directory.EnumerateFiles(FixtureDirectory(), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(separator + "obj" + separator, StringComparison.Ordinal) && !f.Contains(separator + "bin" + separator, StringComparison.Ordinal))
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f))
                .ToList();
            return CSharpCompilation.Create(
                "TorchSharp",
                trees,
                FrameworkReferences(),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Disable)
                    .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS8981"] = ReportDiagnostic.Suppress }));
        }

        /// <summary>The framework's reference assemblies of the running test host.</summary>
        public static IEnumerable<MetadataReference> FrameworkReferences()
            => ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));

        private static string FixtureDirectory() => RepositoryPaths.Combine("tests", "TorchSharpApi");
    }
}

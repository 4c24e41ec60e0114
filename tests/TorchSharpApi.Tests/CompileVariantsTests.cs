using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace TorchSharpApi.Tests
{
    /// <summary>WdGen's tests compile the fixture's sources in both shapes of Tensor.grad; both must compile cleanly.</summary>
    public class CompileVariantsTests
    {
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Fixture_sources_compile_with_and_without_TORCHSHARP_GRAD_PROPERTY(bool gradProperty)
        {
            var symbols = gradProperty ? new[] { "TORCHSHARP_GRAD_PROPERTY" } : Array.Empty<string>();
            var options = new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: symbols);
            var trees = Directory.EnumerateFiles(FixtureDirectory(), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                         && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f))
                .ToList();
            var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
                .Select(p => MetadataReference.CreateFromFile(p));
            var compilation = CSharpCompilation.Create(
                "TorchSharp",
                trees,
                references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Disable)
                    .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS8981"] = ReportDiagnostic.Suppress }));

            using var stream = new MemoryStream();
            var result = compilation.Emit(stream);
            var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
            Assert.True(result.Success && problems.Count == 0, string.Join(Environment.NewLine, problems));

            var tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
            var grad = tensor.GetMembers("grad").Single();
            Assert.Equal(gradProperty ? SymbolKind.Property : SymbolKind.Method, grad.Kind);
        }

        private static string FixtureDirectory([CallerFilePath] string path = "")
            => Path.Combine(Path.GetDirectoryName(path), "..", "TorchSharpApi");
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using WdGen.Tests.Shared;
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
            var compilation = FixtureCompilation.Create(gradProperty);

            using var stream = new MemoryStream();
            var result = compilation.Emit(stream);
            var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
            Assert.True(result.Success && problems.Count == 0, string.Join(Environment.NewLine, problems));

            var tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
            var grad = tensor.GetMembers("grad").Single();
            Assert.Equal(gradProperty ? SymbolKind.Property : SymbolKind.Method, grad.Kind);
        }
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using WdGen.Analyzers.Tests.Infrastructure;
using Xunit;
using static WdGen.Analyzers.Tests.Infrastructure.AnalyzerHarness;
using static WdGen.Analyzers.Tests.Infrastructure.Sources;

namespace WdGen.Analyzers.Tests
{
    /// <summary>No analyzer throws (AD0001), on broken code or without TorchSharp; the descriptors are complete.</summary>
    public sealed class RobustnessTests
    {
        [Theory]
        [InlineData("public static class T { public static void R(Net m) { torch.optim.AdamW(m.parameters(, weight_decay: ); } }")]
        [InlineData("public static class T { public static void R(Net m) { torch.optim.AdamW(Unknown.Thing, weight_decay: 0.1); } }")]
        [InlineData("public static class T { public static void R(Net m) { var x = new HashSet<Parameter>(m.parameters()); torch.optim.SGD(x); } }")]
        [InlineData("public static class T { public static void R() { torch.optim.AdamW(new[] { new AdamW.ParamGroup(missing, new AdamW.Options { weight_decay = }) }); } }")]
        [InlineData("public static class T { public static void R(Net m) { var q = q; torch.optim.AdamW(q); } }")]
        [InlineData("public static class T { public static void R(Net m) { torch.optim.AdamW([.. m.parameters(), ..]); } }")]
        [InlineData("[DecayGroups] public partial class Broken : nn.Module<Tensor { [Decay(\"x\")] Linear a; [Decay(1, IncludeBiases = 3)] Linear }")]
        [InlineData("public sealed class Tie : nn.Module<Tensor, Tensor> { Linear a; Linear b; public Tie() : base(\"t\") { a.weight = b.weight = ; } } public static class U { static void R(Tie t) => torch.optim.AdamW(t.parameters()); }")]
        [InlineData("public sealed class Rec : nn.Module<Tensor, Tensor> { Rec inner; public Rec() : base(\"r\") { } public override Tensor forward(Tensor x) => x; } public static class U { static void R(Rec r) => torch.optim.AdamW(r.parameters(), weight_decay: 0.1); }")]
        [InlineData("public static class T { static System.Collections.Generic.IEnumerable<Parameter> P() { yield return ; } public static void R() { torch.optim.AdamW(P()); } }")]
        public void Analyzers_do_not_throw_on_broken_code(string source)
        {
            var compilation = CSharpCompilation.Create("Broken", new[] { CSharpSyntaxTree.ParseText(Usings + Net + source, AnalyzerHarness.ParseOptions, "Test0.cs") }, ReferencesFor(true), AnalyzerHarness.CompilationOptions);
            Analyze(compilation, allowCompileErrors: true);
        }

        [Fact]
        public void Nothing_is_reported_without_TorchSharp()
        {
            var compilation = CSharpCompilation.Create(
                "NoTorch",
                new[] { CSharpSyntaxTree.ParseText("using System.Collections.Generic; public class C { [WdGen.Decay(0)] public int x; public HashSet<int> S { get; } = new(); }", AnalyzerHarness.ParseOptions) },
                ReferencesFor(false),
                AnalyzerHarness.CompilationOptions);
            Assert.DoesNotContain(Analyze(compilation), d => d.Id.StartsWith("WDG", System.StringComparison.Ordinal));
        }

        [Fact]
        public void Every_rule_has_a_help_page_and_a_release_entry()
        {
            var ids = new System.Collections.Generic.HashSet<string>();
            foreach (var analyzer in AnalyzerHarness.Analyzers)
            {
                foreach (var descriptor in analyzer.SupportedDiagnostics)
                {
                    ids.Add(descriptor.Id);
                    Assert.Equal(DiagnosticDescriptors.HelpLinkBase + descriptor.Id + ".md", descriptor.HelpLinkUri);
                    Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString()));
                }
            }

            Assert.Equal(14, ids.Count);
            var root = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
            var unshipped = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "src", "Analyzers", "AnalyzerReleases.Unshipped.md"));
            foreach (var id in ids)
            {
                Assert.True(System.IO.File.Exists(System.IO.Path.Combine(root, "docs", "diagnostics", id + ".md")), "docs/diagnostics/" + id + ".md is missing");
                Assert.Contains(id + " |", unshipped);
            }
        }
    }
}

namespace WdGen.Analyzers.Tests
{
    /// <summary>The analyzer and code-fix assemblies must load in the .NET 8 SDK's compiler (Roslyn 4.8).</summary>
    public sealed class LoadabilityTests
    {
        [Theory]
        [InlineData(typeof(WdGen.Analyzers.OptimizerUsageAnalyzer))]
        [InlineData(typeof(WdGen.CodeFixes.UseGeneratedGroupsCodeFix))]
        public void References_no_Roslyn_newer_than_4_8(System.Type type)
        {
            var references = type.Assembly.GetReferencedAssemblies();
            Xunit.Assert.Contains(references, r => r.Name == "Microsoft.CodeAnalysis");
            foreach (var reference in references)
            {
                if (reference.Name!.StartsWith("Microsoft.CodeAnalysis", System.StringComparison.Ordinal))
                {
                    Xunit.Assert.True(reference.Version <= new System.Version(4, 8, 0, 0), reference.FullName);
                }
            }

            Xunit.Assert.Equal(".NETStandard,Version=v2.0", type.Assembly.GetCustomAttributes(typeof(System.Runtime.Versioning.TargetFrameworkAttribute), false)
                is { Length: 1 } attributes ? ((System.Runtime.Versioning.TargetFrameworkAttribute)attributes[0]).FrameworkName : null);
        }
    }
}

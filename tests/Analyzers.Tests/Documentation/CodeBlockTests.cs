using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using WdGen.Analyzers.Tests.Infrastructure;
using WdGen.Tests.Shared;
using Xunit;

namespace WdGen.Analyzers.Tests.Documentation
{
    /// <summary>
    /// Every <c>```csharp</c> block in README.md and docs/**/*.md compiles, with the generator and every WdGen
    /// analyzer, against WdGen and the TorchSharp fixture, and the diagnostics pages show what they say.
    /// The conventions (also in docs/diagnostics/README.md, for doc writers):
    /// <list type="bullet">
    /// <item>Every block has global usings of System, System.Collections.Generic, System.Linq, TorchSharp,
    /// TorchSharp.Modules, WdGen and <c>static TorchSharp.torch</c> (see <see cref="Usings"/>).</item>
    /// <item>A block that declares a type or namespace is compiled as a file; with top-level statements (which C#
    /// wants before the types) as a console application. A line <c>// Name.cs</c> starts another file of the same
    /// block (to show partial declarations in several files).</item>
    /// <item>Any other block is a list of statements, compiled as the body of a method that receives
    /// <c>model</c>, a <c>[DecayGroups]</c> model with fields <c>embed</c> (Embedding), <c>fc</c> (Linear),
    /// <c>norm</c> (LayerNorm) and <c>head</c> (Linear), and <c>lm</c>, a <c>[DecayGroups]</c> language model whose
    /// <c>head</c> is tied to its embedding <c>tok</c> (see <see cref="Prelude"/>). Other variables are declared
    /// in the block.</item>
    /// <item>No block may have compile errors (analyzer warnings are fine unless an expectation says otherwise).</item>
    /// <item>On docs/diagnostics/WDGnnn.md, a block under a line starting with "Before" must raise WDGnnn (others may
    /// come too) and a block under a line starting with "After" must raise no WDG diagnostic at all: the fixed code
    /// is clean. Blocks with <c>#pragma warning disable</c>, and blocks under other lines, only have to compile.
    /// Every rule has such a page with at least one Before and one After block.</item>
    /// <item>Anywhere, an HTML comment on the line just above the fence sets the expectation instead:
    /// <c>&lt;!-- expect: WDG001, WDG002 --&gt;</c> (each must be reported) or <c>&lt;!-- expect: none --&gt;</c>
    /// (no WDG diagnostic at all).</item>
    /// <item>Every fence names its language; only <c>csharp</c> is compiled (use ini, sh, text, … for the rest).</item>
    /// </list>
    /// Compiler and analyzer messages point at the Markdown file and line (through <c>#line</c>).
    /// </summary>
    public sealed class CodeBlockTests
    {
        private const string Usings = """
            global using System;
            global using System.Collections.Generic;
            global using System.Linq;
            global using TorchSharp;
            global using TorchSharp.Modules;
            global using WdGen;
            global using static TorchSharp.torch;

            """;

        /// <summary>What statement blocks may use: <c>model</c>, <c>lm</c> and their fields.</summary>
        private const string Prelude = """
            [DecayGroups]
            public sealed partial class DocsModel : nn.Module<Tensor, Tensor>
            {
                public readonly Embedding embed = nn.Embedding(10, 4);
                public readonly Linear fc = nn.Linear(4, 4);
                public readonly LayerNorm norm = nn.LayerNorm(4);
                public readonly Linear head = nn.Linear(4, 10);

                public DocsModel() : base(nameof(DocsModel)) => RegisterComponents();

                public override Tensor forward(Tensor input) => head.call(norm.call(fc.call(embed.call(input))));
            }

            [DecayGroups]
            public sealed partial class DocsLm : nn.Module<Tensor, Tensor>
            {
                public readonly Embedding tok = nn.Embedding(10, 4);
                [NoDecay] public readonly Linear head = nn.Linear(4, 10, hasBias: false);

                public DocsLm() : base(nameof(DocsLm))
                {
                    head.weight = tok.weight!;
                    RegisterComponents();
                }

                public override Tensor forward(Tensor input) => head.call(tok.call(input));
            }

            """;

        private static readonly Regex Fence = new(@"^```(?<language>\S*)\s*$");
        private static readonly Regex Expect = new(@"^<!--\s*expect:\s*(?<ids>[^>]*?)\s*-->$");
        private static readonly Regex FileStart = new(@"^//\s*(?<name>[\w.]+\.cs)\s*$");
        private static readonly Regex DiagnosticPage = new(@"^docs/diagnostics/(?<id>WDG\d{3})\.md$");

        /// <summary>A fenced block: <paramref name="Line"/> is the Markdown line of its first code line.</summary>
        public sealed record CodeBlock(string File, int Number, int Line, string Language, string Code, string Label, string? Expect);

        private static IEnumerable<string> DocumentationFiles()
            => new[] { "README.md" }
                .Concat(Directory.EnumerateFiles(RepositoryPaths.Combine("docs"), "*.md", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f).Replace('\\', '/')))
                .OrderBy(f => f, StringComparer.Ordinal);

        /// <summary>Every fenced block of a file; <see cref="CodeBlock.Number"/> counts the csharp blocks only.</summary>
        private static List<CodeBlock> Fences(string file)
        {
            var lines = File.ReadAllText(RepositoryPaths.Combine(file)).Replace("\r\n", "\n").Split('\n');
            var blocks = new List<CodeBlock>();
            var csharp = 0;
            for (var i = 0; i < lines.Length; i++)
            {
                var open = Fence.Match(lines[i]);
                if (!open.Success)
                {
                    continue;
                }

                var close = i + 1;
                while (close < lines.Length && lines[close].TrimEnd() != "```")
                {
                    close++;
                }

                Assert.True(close < lines.Length, file + "(" + (i + 1) + "): unclosed code fence.");
                string? expect = null;
                var label = "";
                for (var back = i - 1; back >= 0; back--)
                {
                    var line = lines[back].Trim();
                    if (line.Length == 0)
                    {
                        continue;
                    }

                    var marker = Expect.Match(line);
                    if (marker.Success && expect is null)
                    {
                        expect = marker.Groups["ids"].Value;
                        continue;
                    }

                    label = line;
                    break;
                }

                var language = open.Groups["language"].Value;
                var number = language == "csharp" ? ++csharp : 0;
                var code = string.Join("\n", lines.Skip(i + 1).Take(close - i - 1)) + "\n";
                blocks.Add(new CodeBlock(file, number, i + 2, language, code, label, expect));
                i = close;
            }

            return blocks;
        }

        private static IEnumerable<CodeBlock> CSharpBlocks() => DocumentationFiles().SelectMany(Fences).Where(b => b.Language == "csharp");

        public static IEnumerable<object[]> Blocks() => CSharpBlocks().Select(b => new object[] { b.File, b.Number });

        [Fact]
        public void The_documentation_has_code_blocks_to_check()
        {
            var count = CSharpBlocks().Count();
            Assert.True(count >= 34, "Expected the README and docs to hold at least 34 C# blocks; found " + count + ".");
        }

        [Fact]
        public void Every_fence_names_its_language_and_csharp_is_spelled_csharp()
        {
            var wrong = DocumentationFiles().SelectMany(Fences)
                .Where(b => b.Language.Length == 0 || b.Language is "cs" or "c#" or "C#" or "CSharp" or "CS")
                .Select(b => b.File + "(" + (b.Line - 1) + "): fence language '" + b.Language + "'")
                .ToList();
            Assert.True(wrong.Count == 0, "Name every fence's language (csharp to be compiled; ini, sh, text, … otherwise):\n" + string.Join("\n", wrong));
        }

        [Fact]
        public void Every_rule_has_a_page_with_before_and_after_blocks()
        {
            var ids = AnalyzerHarness.Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().OrderBy(id => id, StringComparer.Ordinal).ToList();
            Assert.True(ids.Count >= 11, "Expected WDG001–WDG011; the analyzers support " + string.Join(", ", ids) + ".");
            var blocks = CSharpBlocks().ToList();
            foreach (var id in ids)
            {
                var page = "docs/diagnostics/" + id + ".md";
                Assert.True(File.Exists(RepositoryPaths.Combine(page)), id + " has no page " + page + ".");
                var onPage = blocks.Where(b => b.File == page).Select(Expectation).ToList();
                Assert.True(onPage.Any(e => e.Required.Contains(id)), page + " has no C# block that raises " + id + " (a block under \"Before:\").");
                Assert.True(onPage.Any(e => e.None), page + " has no C# block checked to be clean (a block under \"After:\").");
            }
        }

        [Theory]
        [MemberData(nameof(Blocks))]
        public void Code_block_compiles_and_shows_what_it_says(string file, int number)
        {
            var block = CSharpBlocks().Single(b => b.File == file && b.Number == number);
            var compilation = Compile(block);
            var diagnostics = AnalyzerHarness.Analyze(compilation, allowCompileErrors: true);
            string Describe() => "\n--- " + file + ", C# block " + number + " (line " + block.Line + ") ---\n" + block.Code;

            var errors = diagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("WDG", StringComparison.Ordinal) && AnalyzerHarness.IsUserCode(d))
                .Select(d => d.ToString())
                .ToList();
            Assert.True(errors.Count == 0, "The block does not compile:\n" + string.Join("\n", errors) + Describe());

            var reported = diagnostics.Where(d => d.Id.StartsWith("WDG", StringComparison.Ordinal)).ToList();
            var expectation = Expectation(block);
            string Reported() => "\nReported:\n" + (reported.Count == 0 ? "  (no WDG diagnostic)" : string.Join("\n", reported.Select(d => "  " + d)));
            foreach (var id in expectation.Required)
            {
                Assert.True(reported.Any(d => d.Id == id), "The block should raise " + id + " but does not." + Reported() + Describe());
            }

            Assert.True(!expectation.None || reported.Count == 0, "The block should raise no WDG diagnostic." + Reported() + Describe());
        }

        /// <summary>
        /// What a block must raise (Required) or whether it must raise no WDG diagnostic at all (None): from its
        /// marker, else from its page's rule and its Before/After label.
        /// </summary>
        private static (string[] Required, bool None) Expectation(CodeBlock block)
        {
            if (block.Expect is { } expect)
            {
                return expect.Trim() == "none"
                    ? (Array.Empty<string>(), true)
                    : (expect.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries), false);
            }

            var page = DiagnosticPage.Match(block.File);
            if (!page.Success || block.Code.Contains("#pragma warning disable", StringComparison.Ordinal))
            {
                return (Array.Empty<string>(), false);
            }

            var id = page.Groups["id"].Value;
            if (block.Label.StartsWith("Before", StringComparison.Ordinal))
            {
                return (new[] { id }, false);
            }

            return (Array.Empty<string>(), block.Label.StartsWith("After", StringComparison.Ordinal));
        }

        /// <summary>The block as C#: a file (or several), or statements in <c>Snippet.Run(model, lm)</c> after the prelude.</summary>
        private static Compilation Compile(CodeBlock block)
        {
            var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(block.Code, AnalyzerHarness.ParseOptions).GetRoot();
            var declaresTypes = root.Members.Any(m => m is BaseTypeDeclarationSyntax or BaseNamespaceDeclarationSyntax or DelegateDeclarationSyntax);
            var trees = new List<SyntaxTree> { Parse(Usings, "Usings.cs") };
            var kind = OutputKind.DynamicallyLinkedLibrary;
            if (declaresTypes)
            {
                if (root.Members.OfType<GlobalStatementSyntax>().Any())
                {
                    kind = OutputKind.ConsoleApplication;
                }

                foreach (var (name, line, code) in Files(block))
                {
                    trees.Add(Parse("#line " + line + " \"" + block.File + "\"\n" + code, name));
                }
            }
            else
            {
                trees.Add(Parse(Prelude, "Prelude.cs"));
                trees.Add(Parse(
                    "public static class Snippet\n{\n    public static void Run(DocsModel model, DocsLm lm)\n    {\n"
                    + "#line " + block.Line + " \"" + block.File + "\"\n" + block.Code + "#line default\n    }\n}\n",
                    "Block.cs"));
            }

            return CSharpCompilation.Create(
                "Docs",
                trees,
                AnalyzerHarness.ReferencesFor(torchSharp: true),
                AnalyzerHarness.CompilationOptions.WithOutputKind(kind));
        }

        /// <summary>A file block's files: a line <c>// Name.cs</c> starts one; text before the first is Block.cs.</summary>
        private static IEnumerable<(string Name, int Line, string Code)> Files(CodeBlock block)
        {
            var lines = block.Code.Split('\n');
            var name = "Block.cs";
            var start = 0;
            var current = new StringBuilder();
            for (var i = 0; i < lines.Length; i++)
            {
                var next = FileStart.Match(lines[i]);
                if (next.Success && i > 0)
                {
                    if (current.ToString().Trim().Length > 0)
                    {
                        yield return (name, block.Line + start, current.ToString());
                    }

                    current.Clear();
                    start = i;
                }

                if (next.Success)
                {
                    name = next.Groups["name"].Value;
                }

                current.Append(lines[i]).Append('\n');
            }

            yield return (name, block.Line + start, current.ToString());
        }

        private static SyntaxTree Parse(string code, string path) => CSharpSyntaxTree.ParseText(code, AnalyzerHarness.ParseOptions, path, Encoding.UTF8);
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using WdGen.Generator;
using Xunit;
using Xunit.Sdk;

namespace WdGen.Analyzers.Tests.Infrastructure
{
    /// <summary>
    /// Compiles test sources against TorchSharp 0.107 and WdGen, runs the WdGen generator (so models get their
    /// <c>IDecayGroupsModel</c> marker and <c>GetDecayGroups()</c> applies), runs every WdGen analyzer and compares with the markup; applies code fixes in an
    /// AdhocWorkspace and recompiles the result. Every run asserts that no analyzer threw (AD0001).
    /// </summary>
    internal static class AnalyzerHarness
    {
        public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

        public static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(
            new OptimizerUsageAnalyzer(), new ModelDeclarationAnalyzer());

        private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
            ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
                .Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .Append(MetadataReference.CreateFromFile(typeof(DecayGroups<>).Assembly.Location))
                .ToImmutableArray());

        /// <summary>TorchSharp 0.107 and WdGen.TorchSharp (<c>GetDecayGroups()</c>, the optimizers), as a user project references them.</summary>
        private static readonly ImmutableArray<MetadataReference> TorchSharpReferences = ImmutableArray.Create<MetadataReference>(
            MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(TorchSharpDecayGroups).Assembly.Location));

        public static readonly CSharpCompilationOptions CompilationOptions = new(
            OutputKind.DynamicallyLinkedLibrary,
            allowUnsafe: true,
            nullableContextOptions: NullableContextOptions.Enable,
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress });

        public static ImmutableArray<MetadataReference> ReferencesFor(bool torchSharp)
            => torchSharp ? References.Value.AddRange(TorchSharpReferences) : References.Value;

        /// <summary>
        /// Checks that exactly the marked WDG diagnostics are reported (only IDs in <paramref name="only"/> when given).
        /// Sources are markup; the first is Test0.cs.
        /// </summary>
        public static void Verify(string[] markups, string? defaultId = null, string[]? only = null, bool allowCompileErrors = false, bool torchSharp = true)
        {
            var parsed = markups.Select(m => Markup.Parse(m, defaultId)).ToList();
            var compilation = CSharpCompilation.Create(
                "Tests",
                parsed.Select((p, i) => CSharpSyntaxTree.ParseText(p.Source, ParseOptions, "Test" + i + ".cs")),
                ReferencesFor(torchSharp),
                CompilationOptions);
            var diagnostics = Analyze(compilation, allowCompileErrors);
            var ids = only is null ? null : new HashSet<string>(only.Concat(parsed.SelectMany(p => p.Expected.Select(e => e.Id))));
            var actual = diagnostics
                .Where(d => d.Id.StartsWith("WDG", StringComparison.Ordinal) && (ids is null || ids.Contains(d.Id)))
                .Select(d => (d.Id, File: d.Location.SourceTree!.FilePath, d.Location.SourceSpan, Message: d.GetMessage()))
                .OrderBy(d => d.File).ThenBy(d => d.SourceSpan.Start).ThenBy(d => d.Id)
                .ToList();
            var expected = parsed
                .SelectMany((p, i) => p.Expected.Select(e => (e.Id, File: "Test" + i + ".cs", e.Span)))
                .OrderBy(d => d.File).ThenBy(d => d.Span.Start).ThenBy(d => d.Id)
                .ToList();
            var actualKeys = actual.Select(a => (a.Id, a.File, a.SourceSpan)).ToList();
            if (!actualKeys.SequenceEqual(expected))
            {
                string Show(string file, TextSpan span) => parsed[int.Parse(file.Substring(4, file.Length - 7))].Source.Substring(span.Start, span.Length);
                throw new XunitException(
                    "Expected:\n" + string.Join("\n", expected.Select(e => "  " + e.Id + " " + e.File + e.Span + " '" + Show(e.File, e.Span) + "'"))
                    + "\nActual:\n" + string.Join("\n", actual.Select(a => "  " + a.Id + " " + a.File + a.SourceSpan + " '" + Show(a.File, a.SourceSpan) + "': " + a.Message)));
            }
        }

        public static void Verify(string markup, string? defaultId = null, string[]? only = null) => Verify(new[] { markup }, defaultId, only);

        /// <summary>Runs the generator, then every analyzer; fails on AD0001 and (unless allowed) on compile errors.</summary>
        public static ImmutableArray<Diagnostic> Analyze(Compilation compilation, bool allowCompileErrors = false)
        {
            var withGenerated = RunGenerator(compilation);
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false);
            var withAnalyzers = withGenerated.WithAnalyzers(Analyzers, options);
            var all = withAnalyzers.GetAllDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
            var crashes = all.Where(d => d.Id == "AD0001").ToList();
            Assert.True(crashes.Count == 0, "An analyzer threw:\n" + string.Join("\n", crashes.Select(c => c.GetMessage())));
            if (!allowCompileErrors)
            {
                var errors = all.Where(d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("WDG", StringComparison.Ordinal) && IsUserCode(d)).ToList();
                Assert.True(errors.Count == 0, "The test source does not compile:\n" + string.Join("\n", errors));
            }

            return all;
        }

        /// <summary>
        /// Whether a diagnostic is in the test's own sources. Generated code is the generator's business (its own
        /// tests compile it warning-free); these tests check the user code the analyzers and fixes see and write.
        /// </summary>
        public static bool IsUserCode(Diagnostic diagnostic)
            => diagnostic.Location.SourceTree is not { } tree || !tree.FilePath.Contains("WdGen.Generator", StringComparison.Ordinal);

        public static Compilation RunGenerator(Compilation compilation)
        {
            CSharpGeneratorDriver.Create(new[] { new DecayGroupsGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
                .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
            return output;
        }

        /// <summary>
        /// Applies <paramref name="fix"/> to the first <paramref name="id"/> diagnostic (or to all of them through the
        /// fix-all provider), recompiles with the generator, and checks: no compile error, fewer <paramref name="id"/>
        /// diagnostics (none after a fix-all), no other WDG diagnostic more often than before. Returns the fixed sources.
        /// </summary>
        public static string[] VerifyFix(string[] sources, string id, CodeFixProvider fix, bool fixAll = false, string? equivalenceKey = null)
        {
            using var workspace = new AdhocWorkspace();
            var projectId = ProjectId.CreateNewId();
            var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
                projectId, VersionStamp.Default, "Tests", "Tests", LanguageNames.CSharp,
                compilationOptions: CompilationOptions, parseOptions: ParseOptions, metadataReferences: ReferencesFor(true)));
            var documentIds = new List<DocumentId>();
            for (var i = 0; i < sources.Length; i++)
            {
                var documentId = DocumentId.CreateNewId(projectId);
                solution = solution.AddDocument(documentId, "Test" + i + ".cs", SourceText.From(sources[i]), filePath: "Test" + i + ".cs");
                documentIds.Add(documentId);
            }

            var before = Analyze(solution.GetProject(projectId)!.GetCompilationAsync().GetAwaiter().GetResult()!);
            var targets = before.Where(d => d.Id == id && d.Location.IsInSource).ToList();
            Assert.True(targets.Count > 0, "No " + id + " diagnostic to fix.");
            var target = targets[0];
            var document = solution.GetDocument(target.Location.SourceTree)!;

            var actions = new List<CodeAction>();
            var context = new CodeFixContext(document, target, (action, _) => actions.Add(action), CancellationToken.None);
            fix.RegisterCodeFixesAsync(context).GetAwaiter().GetResult();
            var chosen = actions.FirstOrDefault(a => equivalenceKey is null || a.EquivalenceKey == equivalenceKey);
            Assert.True(chosen is not null, "The code fix offered no action for " + id + ".");

            CodeAction action = chosen!;
            if (fixAll)
            {
                var provider = fix.GetFixAllProvider();
                Assert.NotNull(provider);
                var fixAllContext = new FixAllContext(document, fix, FixAllScope.Document, chosen!.EquivalenceKey, new[] { id }, new Diagnostics(before), CancellationToken.None);
                action = provider!.GetFixAsync(fixAllContext).GetAwaiter().GetResult()!;
                Assert.NotNull(action);
            }

            var operations = action.GetOperationsAsync(CancellationToken.None).GetAwaiter().GetResult();
            var fixedSolution = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
            var fixedSources = documentIds.Select(d => fixedSolution.GetDocument(d)!.GetTextAsync().GetAwaiter().GetResult().ToString()).ToArray();
            ImmutableArray<Diagnostic> after;
            try
            {
                after = Analyze(fixedSolution.GetProject(projectId)!.GetCompilationAsync().GetAwaiter().GetResult()!);
            }
            catch (XunitException e)
            {
                throw new XunitException(e.Message + "\nFixed sources:\n" + string.Join("\n----\n", fixedSources));
            }

            string Dump() => string.Join("\n----\n", fixedSources) + "\nAfter:\n" + string.Join("\n", after.Where(d => d.Id.StartsWith("WDG", StringComparison.Ordinal)));
            var countBefore = before.Count(d => d.Id == id);
            var countAfter = after.Count(d => d.Id == id);
            if (fixAll)
            {
                var inDocument = before.Count(d => d.Id == id && d.Location.SourceTree == target.Location.SourceTree);
                Assert.True(countAfter <= countBefore - inDocument, "Fix all left " + id + " behind:\n" + Dump());
            }
            else
            {
                Assert.True(countAfter < countBefore, "The fix did not remove " + id + ":\n" + Dump());
            }

            foreach (var other in after.Where(d => d.Id.StartsWith("WDG", StringComparison.Ordinal)).GroupBy(d => d.Id))
            {
                Assert.True(other.Count() <= before.Count(d => d.Id == other.Key), "The fix introduced " + other.Key + ":\n" + Dump());
            }

            var warnings = after.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id.StartsWith("CS", StringComparison.Ordinal) && IsUserCode(d)).ToList();
            Assert.True(warnings.Count == 0, "The fixed code has compiler warnings:\n" + string.Join("\n", warnings) + "\n" + Dump());
            return fixedSources;
        }

        public static string VerifyFix(string source, string id, CodeFixProvider fix, bool fixAll = false, string? equivalenceKey = null)
            => VerifyFix(new[] { source }, id, fix, fixAll, equivalenceKey)[0];

        private sealed class Diagnostics : FixAllContext.DiagnosticProvider
        {
            private readonly ImmutableArray<Diagnostic> all;

            public Diagnostics(ImmutableArray<Diagnostic> all)
            {
                this.all = all;
            }

            public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken)
                => Task.FromResult(all.AsEnumerable());

            public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
            {
                var tree = document.GetSyntaxTreeAsync(cancellationToken).GetAwaiter().GetResult();
                return Task.FromResult(all.Where(d => d.Location.SourceTree == tree));
            }

            public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken)
                => Task.FromResult(Enumerable.Empty<Diagnostic>());
        }
    }
}

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using WdGen.Analyzers.Tests.Infrastructure;
using WdGen.Generator;

namespace WdGen.Robustness.Tests.Infrastructure
{
    /// <summary>What running WdGen's generator, analyzers and code fixes over one set of sources found.</summary>
    internal sealed class PipelineOutcome
    {
        public List<string> Problems { get; } = new();

        public ImmutableArray<Diagnostic> CompilerDiagnostics { get; set; } = ImmutableArray<Diagnostic>.Empty;

        public ImmutableArray<Diagnostic> AnalyzerDiagnostics { get; set; } = ImmutableArray<Diagnostic>.Empty;

        public IReadOnlyList<(string HintName, string Text)> Generated { get; set; } = Array.Empty<(string, string)>();

        public int CodeActions { get; set; }
    }

    /// <summary>
    /// Runs, as the IDE does on a keystroke: the generator (CSharpGeneratorDriver), every analyzer of WdGen.Analyzers
    /// (CompilationWithAnalyzers, exceptions caught through onAnalyzerException), and every code-fix provider of
    /// WdGen.CodeFixes on each diagnostic it claims, in an AdhocWorkspace, computing each offered action's operations
    /// and the documents they change. Analyzers and providers are found by reflection, so new ones are covered.
    /// </summary>
    internal static class Pipeline
    {
        public static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = Discover<DiagnosticAnalyzer>(typeof(WdGen.Analyzers.OptimizerUsageAnalyzer).Assembly);

        public static readonly ImmutableArray<CodeFixProvider> CodeFixes = Discover<CodeFixProvider>(typeof(WdGen.CodeFixes.UseGeneratedGroupsCodeFix).Assembly);

        private static readonly Lazy<(Solution Solution, ProjectId Project)> Empty = new(CreateEmptyProject);

        private static readonly CSharpParseOptions ParseOptions = AnalyzerHarness.ParseOptions;

        public static PipelineOutcome Run(IReadOnlyList<(string Name, string Text)> sources, bool codeFixes = true, CancellationToken cancellationToken = default)
        {
            var outcome = new PipelineOutcome();
            var (solution, projectId) = Empty.Value;
            foreach (var (name, text) in sources)
            {
                solution = solution.AddDocument(DocumentId.CreateNewId(projectId), name, SourceText.From(text), filePath: name);
            }

            var compilation = solution.GetProject(projectId)!.GetCompilationAsync(cancellationToken).GetAwaiter().GetResult()!;

            // The generator: no exception (CS8785 / RunResult.Exception), generated sources parse.
            var driver = CSharpGeneratorDriver.Create(new[] { new DecayGroupsGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
                .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics, cancellationToken);
            var run = driver.GetRunResult().Results.Single();
            if (run.Exception is { } generatorException)
            {
                outcome.Problems.Add("The generator threw: " + generatorException);
            }

            foreach (var diagnostic in generatorDiagnostics)
            {
                outcome.Problems.Add("The generator reported " + diagnostic);
            }

            foreach (var generated in run.GeneratedSources)
            {
                foreach (var error in generated.SyntaxTree.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error))
                {
                    outcome.Problems.Add("Generated " + generated.HintName + " does not parse: " + error);
                }
            }

            outcome.Generated = run.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).ToList();

            // Every analyzer: no AD0001, no exception.
            var exceptions = new ConcurrentQueue<string>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, diagnostic) => exceptions.Enqueue(analyzer.GetType().Name + " threw " + exception),
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false);
            var analyzerDiagnostics = output.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync(cancellationToken).GetAwaiter().GetResult();
            outcome.Problems.AddRange(exceptions);
            outcome.Problems.AddRange(analyzerDiagnostics.Where(d => d.Id == "AD0001").Select(d => "AD0001: " + d.GetMessage()));
            outcome.AnalyzerDiagnostics = analyzerDiagnostics;

            if (codeFixes)
            {
                outcome.CodeActions = RunCodeFixes(solution, analyzerDiagnostics, outcome.Problems, cancellationToken);
            }

            return outcome;
        }

        private static int RunCodeFixes(Solution solution, ImmutableArray<Diagnostic> diagnostics, List<string> problems, CancellationToken cancellationToken)
        {
            var actionsRun = 0;
            foreach (var diagnostic in diagnostics)
            {
                if (!diagnostic.Location.IsInSource || solution.GetDocument(diagnostic.Location.SourceTree) is not { } document)
                {
                    continue; // e.g. in generated code, which the IDE does not offer fixes in
                }

                foreach (var provider in CodeFixes.Where(p => p.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    var where = provider.GetType().Name + " on " + diagnostic.Id + " at " + diagnostic.Location.SourceSpan;
                    try
                    {
                        var actions = new List<CodeAction>();
                        provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken)).GetAwaiter().GetResult();
                        foreach (var action in Flatten(actions))
                        {
                            actionsRun++;
                            foreach (var operation in action.GetOperationsAsync(cancellationToken).GetAwaiter().GetResult())
                            {
                                if (operation is ApplyChangesOperation apply)
                                {
                                    foreach (var changed in apply.ChangedSolution.GetChanges(solution).GetProjectChanges().SelectMany(p => p.GetChangedDocuments()))
                                    {
                                        apply.ChangedSolution.GetDocument(changed)!.GetSyntaxRootAsync(cancellationToken).GetAwaiter().GetResult();
                                    }
                                }
                            }
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        problems.Add(where + " threw " + e);
                    }
                }
            }

            return actionsRun;
        }

        private static IEnumerable<CodeAction> Flatten(IEnumerable<CodeAction> actions)
            => actions.SelectMany(a => a.NestedActions.IsDefaultOrEmpty ? new[] { a } : Flatten(a.NestedActions));

        private static (Solution, ProjectId) CreateEmptyProject()
        {
            var workspace = new AdhocWorkspace();
            var projectId = ProjectId.CreateNewId();
            var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
                projectId, VersionStamp.Default, "Fuzz", "Fuzz", LanguageNames.CSharp,
                compilationOptions: AnalyzerHarness.CompilationOptions, parseOptions: ParseOptions, metadataReferences: AnalyzerHarness.ReferencesFor(true)));

            // Bind the references once: variants fork this solution, so their compilations share it.
            solution.GetProject(projectId)!.GetCompilationAsync().GetAwaiter().GetResult()!.GetTypeByMetadataName("TorchSharp.torch");
            return (solution, projectId);
        }

        private static ImmutableArray<T> Discover<T>(Assembly assembly)
            => assembly.GetTypes()
                .Where(t => typeof(T).IsAssignableFrom(t) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null)
                .OrderBy(t => t.FullName, StringComparer.Ordinal)
                .Select(t => (T)Activator.CreateInstance(t)!)
                .ToImmutableArray();
    }
}

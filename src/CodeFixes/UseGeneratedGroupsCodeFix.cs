using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using WdGen.Analyzers;

namespace WdGen.CodeFixes
{
    /// <summary>
    /// WDG001 (model with generated groups), WDG002 and WDG011: replace <c>torch.optim.AdamW(model.parameters(), lr, …)</c>
    /// by <c>model.GetDecayGroups().ToAdamW(lr, weightDecay, …)</c>, adding <c>[DecayGroups]</c> and <c>partial</c> to the
    /// model class (and partial to the classes containing it) where needed.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseGeneratedGroupsCodeFix)), Shared]
    public sealed class UseGeneratedGroupsCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "WDG.GeneratedGroups";

        private static readonly string[] Usings = { "WdGen" };

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
            DiagnosticIds.UnorderedParameters, DiagnosticIds.NonDecayParameterDecays, DiagnosticIds.TiedParameterTwice);

        // Each fix may edit the model class in another document, so fix-all applies them one after another (not as a batch).
        public override FixAllProvider? GetFixAllProvider() => SequentialFixAll.Instance;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || semanticModel is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (CallFor(root, diagnostic) is not { } call || Rewrite(semanticModel, call, context.CancellationToken) is not { } rewrite)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Use the generated groups: " + rewrite.Replacement,
                        token => GeneratedGroupsEdit.ApplyAsync(context.Document, call, rewrite.Replacement, rewrite.ModelType, Usings, token),
                        EquivalenceKey),
                    diagnostic);
            }
        }

        /// <summary>The optimizer call a diagnostic's argument belongs to, when the fix applies to it.</summary>
        private static ExpressionSyntax? CallFor(SyntaxNode root, Diagnostic diagnostic)
            => diagnostic.Properties.TryGetValue(DiagnosticProperties.CanUseGeneratedGroups, out var can) && can == "true"
                && FixHelpers.NodeAt(root, diagnostic.Location.SourceSpan) is { } node
                ? node.Parent?.FirstAncestorOrSelf<SyntaxNode>(n => n is InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax) as ExpressionSyntax
                : null;

        private static (ExpressionSyntax Replacement, INamedTypeSymbol ModelType)? Rewrite(SemanticModel semanticModel, ExpressionSyntax call, CancellationToken cancellationToken)
        {
            var operation = semanticModel.GetOperation(call, cancellationToken);
            var (optimizer, learningRate, arguments) = operation switch
            {
                IInvocationOperation invocation when TorchSharpOptimizers.Find(invocation.TargetMethod.Name) is { } found => (found, found.FactoryLearningRate, invocation.Arguments),
                IObjectCreationOperation { Type: { } type } creation when TorchSharpOptimizers.Find(type.Name) is { } found => (found, TorchSharpOptimizers.LearningRate, creation.Arguments),
                _ => (null, string.Empty, ImmutableArray<IArgumentOperation>.Empty),
            };
            if (optimizer?.GroupsExtension is not { } extension)
            {
                return null;
            }

            var parameters = arguments.FirstOrDefault(a => a.Parameter?.Ordinal == TorchSharpOptimizers.ParametersOrdinal);
            var receiver = parameters is null ? null : GeneratedGroupsEdit.ModelReceiver(parameters.Value);
            if (receiver?.Type is not INamedTypeSymbol modelType)
            {
                return null;
            }

            // As written, or the default the call used.
            string Value(string parameter)
                => arguments.FirstOrDefault(a => a.Parameter?.Name == parameter) switch
                {
                    { ArgumentKind: ArgumentKind.Explicit } argument => argument.Value.Syntax.ToString(),
                    { Value.ConstantValue: { HasValue: true, Value: { } constant } } => System.Convert.ToString(constant, CultureInfo.InvariantCulture) ?? "0",
                    _ => "0",
                };

            var list = new List<string> { Value(learningRate), Value(TorchSharpOptimizers.WeightDecay) };
            foreach (var parameter in optimizer.GroupsExtensionArguments)
            {
                if (arguments.FirstOrDefault(a => a.Parameter?.Name == parameter) is { ArgumentKind: ArgumentKind.Explicit } argument)
                {
                    list.Add(parameter + ": " + argument.Value.Syntax);
                }
            }

            var text = receiver.Syntax + "." + TorchSharpOptimizers.GetDecayGroups + "()." + extension + "(" + string.Join(", ", list) + ")";
            return (SyntaxFactory.ParseExpression(text), modelType);
        }

        /// <summary>
        /// Fix-all: marks every call to fix, then rewrites them one at a time against the current solution, so a model
        /// class gets <c>[DecayGroups]</c> and <c>partial</c> once however many calls use it.
        /// </summary>
        private sealed class SequentialFixAll : FixAllProvider
        {
            public static readonly SequentialFixAll Instance = new SequentialFixAll();

            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes()
                => new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

            public override Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            {
                var documents = fixAllContext.Scope switch
                {
                    FixAllScope.Document when fixAllContext.Document is { } document => new[] { document },
                    FixAllScope.Project => fixAllContext.Project.Documents.ToArray(),
                    FixAllScope.Solution => fixAllContext.Solution.Projects.SelectMany(p => p.Documents).ToArray(),
                    _ => System.Array.Empty<Document>(),
                };
                return Task.FromResult<CodeAction?>(CodeAction.Create(
                    "Use the generated groups everywhere",
                    token => FixAllAsync(fixAllContext, documents, token),
                    fixAllContext.CodeActionEquivalenceKey));
            }

            private static async Task<Solution> FixAllAsync(FixAllContext fixAllContext, IReadOnlyList<Document> documents, CancellationToken cancellationToken)
            {
                var solution = fixAllContext.Solution;
                var targets = new List<(DocumentId Document, SyntaxAnnotation Call)>();
                foreach (var document in documents)
                {
                    var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                    if (root is null)
                    {
                        continue;
                    }

                    var calls = new Dictionary<SyntaxNode, SyntaxAnnotation>();
                    foreach (var diagnostic in await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false))
                    {
                        if (CallFor(root, diagnostic) is { } call && !calls.ContainsKey(call))
                        {
                            calls[call] = new SyntaxAnnotation("WdGenFixAll");
                        }
                    }

                    if (calls.Count > 0)
                    {
                        solution = solution.WithDocumentSyntaxRoot(document.Id, root.ReplaceNodes(calls.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(calls[original])));
                        targets.AddRange(calls.Values.Select(a => (document.Id, a)));
                    }
                }

                foreach (var (documentId, annotation) in targets)
                {
                    var document = solution.GetDocument(documentId);
                    var root = document is null ? null : await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                    var model = document is null ? null : await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                    if (document is null || root is null || model is null
                        || root.GetAnnotatedNodes(annotation).FirstOrDefault() is not ExpressionSyntax call
                        || Rewrite(model, call, cancellationToken) is not { } rewrite)
                    {
                        continue;
                    }

                    solution = await GeneratedGroupsEdit.ApplyAsync(document, call, rewrite.Replacement, rewrite.ModelType, Usings, cancellationToken).ConfigureAwait(false);
                }

                return solution;
            }
        }
    }
}

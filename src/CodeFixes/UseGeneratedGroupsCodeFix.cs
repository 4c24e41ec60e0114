using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
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

        private static readonly Dictionary<string, string> Extensions = new Dictionary<string, string> { ["AdamW"] = "ToAdamW", ["Adam"] = "ToAdam", ["SGD"] = "ToSgd" };

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
                        token => ApplyAsync(context.Document, call, rewrite.Replacement, rewrite.ModelType, token),
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
            var (name, arguments) = operation switch
            {
                IInvocationOperation invocation => (invocation.TargetMethod.Name, invocation.Arguments),
                IObjectCreationOperation creation => (creation.Type?.Name ?? string.Empty, creation.Arguments),
                _ => (string.Empty, ImmutableArray<IArgumentOperation>.Empty),
            };
            if (!Extensions.TryGetValue(name, out var extension))
            {
                return null;
            }

            var parameters = arguments.FirstOrDefault(a => a.Parameter?.Name == "parameters");
            var receiver = parameters is null ? null : ModelReceiver(parameters.Value);
            if (receiver?.Type is not INamedTypeSymbol modelType)
            {
                return null;
            }

            string Value(string parameter, string fallback)
                => arguments.FirstOrDefault(a => a.Parameter?.Name == parameter) is { ArgumentKind: ArgumentKind.Explicit } argument ? argument.Value.Syntax.ToString() : fallback;

            var lr = name == "SGD" ? Value(arguments.Any(a => a.Parameter?.Name == "learningRate") ? "learningRate" : "lr", "1e-3") : Value("lr", "1e-3");
            var list = new List<string> { lr, Value("weight_decay", "0") };
            var extra = name == "SGD" ? new[] { "momentum", "dampening", "nesterov", "maximize" } : new[] { "beta1", "beta2", "eps", "amsgrad", "maximize" };
            foreach (var parameter in extra)
            {
                if (arguments.FirstOrDefault(a => a.Parameter?.Name == parameter) is { ArgumentKind: ArgumentKind.Explicit } argument)
                {
                    list.Add(parameter + ": " + argument.Value.Syntax);
                }
            }

            var text = receiver.Syntax + ".GetDecayGroups()." + extension + "(" + string.Join(", ", list) + ")";
            return (SyntaxFactory.ParseExpression(text), modelType);
        }

        /// <summary>The receiver of <c>x.parameters()</c>/<c>x.named_parameters()</c> inside the argument (through ToArray/ToList and locals).</summary>
        private static IOperation? ModelReceiver(IOperation operation)
        {
            for (var depth = 0; depth < 8; depth++)
            {
                while (operation is IConversionOperation conversion)
                {
                    operation = conversion.Operand;
                }

                switch (operation)
                {
                    case IInvocationOperation { TargetMethod.Name: "parameters" or "named_parameters", Instance: { } instance }:
                        return instance;
                    case IInvocationOperation { Instance: null, Arguments.Length: > 0 } extension:
                        operation = extension.Arguments[0].Value;
                        break;
                    case IInvocationOperation { Instance: { } instance }:
                        operation = instance;
                        break;
                    case IObjectCreationOperation { Arguments.Length: 1 } creation:
                        operation = creation.Arguments[0].Value;
                        break;
                    case ILocalReferenceOperation local when local.SemanticModel is { } model
                        && local.Local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } value }
                        && value.SyntaxTree == model.SyntaxTree
                        && model.GetOperation(value) is { } initializer:
                        operation = initializer;
                        break;
                    default:
                        return null;
                }
            }

            return null;
        }

        private static async Task<Solution> ApplyAsync(Document document, ExpressionSyntax call, ExpressionSyntax replacement, INamedTypeSymbol modelType, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document.Project.Solution;
            }

            // Mark the call, then edit the model's declarations (possibly in this document), then replace the call.
            var annotation = new SyntaxAnnotation("WdGenCall");
            var solution = document.WithSyntaxRoot(root.ReplaceNode(call, call.WithAdditionalAnnotations(annotation))).Project.Solution;
            var needsAttribute = !ModelFacts.IsDecayGroupsModel(modelType);
            var first = true;
            foreach (var group in modelType.DeclaringSyntaxReferences.GroupBy(r => r.SyntaxTree))
            {
                var modelDocumentId = document.Project.Solution.GetDocumentId(group.Key);
                var modelDocument = modelDocumentId is null ? null : solution.GetDocument(modelDocumentId);
                if (modelDocument is null)
                {
                    continue;
                }

                var modelRoot = await modelDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (modelRoot is null)
                {
                    continue;
                }

                var declarations = group.Select(r => modelRoot.FindNode(r.Span)).OfType<TypeDeclarationSyntax>().ToList();
                var targets = new HashSet<SyntaxNode>(declarations.SelectMany(d => d.AncestorsAndSelf().OfType<TypeDeclarationSyntax>()));
                var addAttributeTo = needsAttribute && first ? declarations.FirstOrDefault() : null;
                first = false;
                var newRoot = modelRoot.ReplaceNodes(targets, (original, rewritten) =>
                {
                    var declaration = MakePartialCodeFix.AddPartial((TypeDeclarationSyntax)rewritten);
                    if (original == addAttributeTo)
                    {
                        var attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::WdGen.DecayGroups"))))
                            .WithAdditionalAnnotations(Formatter.Annotation);
                        declaration = declaration.WithAttributeLists(declaration.AttributeLists.Add(attribute));
                    }

                    return declaration;
                });
                solution = modelDocument.WithSyntaxRoot(newRoot).Project.Solution;
            }

            var updated = solution.GetDocument(document.Id);
            var updatedRoot = updated is null ? null : await updated.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var marked = updatedRoot?.GetAnnotatedNodes(annotation).FirstOrDefault();
            if (updated is null || updatedRoot is null || marked is null)
            {
                return document.Project.Solution;
            }

            var finalRoot = updatedRoot.ReplaceNode(marked, replacement.WithTriviaFrom(marked));
            if (finalRoot is CompilationUnitSyntax unit)
            {
                finalRoot = FixHelpers.AddUsing(unit, "WdGen");
            }

            return updated.WithSyntaxRoot(finalRoot).Project.Solution;
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

                    solution = await ApplyAsync(document, call, rewrite.Replacement, rewrite.ModelType, cancellationToken).ConfigureAwait(false);
                }

                return solution;
            }
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.CodeFixes
{
    /// <summary>Edits shared by the fixes that switch code to a model's generated groups (<c>model.GetDecayGroups()</c>).</summary>
    internal static class GeneratedGroupsEdit
    {
        /// <summary>The receiver of <c>x.parameters()</c>/<c>x.named_parameters()</c> inside the argument (through ToArray/ToList and locals).</summary>
        public static IOperation? ModelReceiver(IOperation operation)
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

        /// <summary>
        /// Replaces <paramref name="node"/> (which uses <c>model.GetDecayGroups()</c>) by <paramref name="replacement"/>,
        /// adding <c>[DecayGroups]</c> and <c>partial</c> to the model class (and partial to the classes containing it) where
        /// needed, possibly in other documents, and the given usings to the edited document.
        /// </summary>
        public static async Task<Solution> ApplyAsync(Document document, SyntaxNode node, ExpressionSyntax replacement, INamedTypeSymbol modelType, IEnumerable<string> usings, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document.Project.Solution;
            }

            // Mark the call, then edit the model's declarations (possibly in this document), then replace the call.
            var annotation = new SyntaxAnnotation("WdGenCall");
            var solution = document.WithSyntaxRoot(root.ReplaceNode(node, node.WithAdditionalAnnotations(annotation))).Project.Solution;
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
            foreach (var ns in usings)
            {
                if (finalRoot is CompilationUnitSyntax unit)
                {
                    finalRoot = FixHelpers.AddUsing(unit, ns);
                }
            }

            return updated.WithSyntaxRoot(finalRoot).Project.Solution;
        }
    }
}

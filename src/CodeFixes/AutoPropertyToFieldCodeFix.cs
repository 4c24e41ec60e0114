using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using WdGen.Analyzers;

namespace WdGen.CodeFixes
{
    /// <summary>WDG008: turn the auto-property into a field of the same name (readonly when it had no setter).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AutoPropertyToFieldCodeFix)), Shared]
    public sealed class AutoPropertyToFieldCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "WDG008.Field";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ModuleInAutoProperty);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<PropertyDeclarationSyntax>() is not { AccessorList: { } accessors } property)
                {
                    continue;
                }

                var modifiers = property.Modifiers;
                if (!accessors.Accessors.Any(a => a.IsKind(SyntaxKind.SetAccessorDeclaration)))
                {
                    modifiers = modifiers.Add(SyntaxFactory.Token(SyntaxKind.ReadOnlyKeyword));
                }

                var declarator = SyntaxFactory.VariableDeclarator(property.Identifier.WithoutTrivia());
                if (property.Initializer is { } initializer)
                {
                    declarator = declarator.WithIdentifier(declarator.Identifier.WithTrailingTrivia(SyntaxFactory.Space)).WithInitializer(initializer);
                }

                var field = SyntaxFactory.FieldDeclaration(
                        property.AttributeLists,
                        modifiers,
                        SyntaxFactory.VariableDeclaration(property.Type.WithoutTrailingTrivia().WithTrailingTrivia(SyntaxFactory.Space), SyntaxFactory.SingletonSeparatedList(declarator)),
                        SyntaxFactory.Token(SyntaxKind.SemicolonToken))
                    .WithTriviaFrom(property);
                context.RegisterCodeFix(
                    CodeAction.Create("Declare a field instead", token => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(property, field))), EquivalenceKey),
                    diagnostic);
            }
        }
    }
}

using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using WdGen.Analyzers.Rules;

namespace WdGen.Analyzers
{
    /// <summary>
    /// Checks model classes and their WdGen attributes (one symbol action per class, which hands each rule the class
    /// and the members with something to check): WDG002 (<c>[Decay]</c> on norms, embeddings, or with
    /// <c>IncludeBiases = true</c>), WDG007, WDG008, WDG009 and WDG010. Each rule is a class in Rules/.
    /// </summary>
    [DiagnosticAnalyzer(Microsoft.CodeAnalysis.LanguageNames.CSharp)]
    public sealed class ModelDeclarationAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.WDG002,
            DiagnosticDescriptors.WDG007,
            DiagnosticDescriptors.WDG008,
            DiagnosticDescriptors.WDG009,
            DiagnosticDescriptors.WDG010);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                if (TorchSharpApi.Create(start.Compilation) is not { } api)
                {
                    return;
                }

                start.RegisterSymbolAction(c => AnalyzeType(c, api), SymbolKind.NamedType);
            });
        }

        private static void AnalyzeType(SymbolAnalysisContext context, TorchSharpApi api)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            if (type.TypeKind != TypeKind.Class)
            {
                return;
            }

            var isModule = api.IsModule(type);
            if (type.Locations.FirstOrDefault(l => l.IsInSource) is { } location)
            {
                AttributeMisuseRule.CheckClass(context, type, isModule, location);
                ImplicitNoDecayRule.CheckClass(context, api, type, isModule, location);
            }

            foreach (var symbol in type.GetMembers())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                var memberType = symbol switch
                {
                    IFieldSymbol { IsImplicitlyDeclared: false } field => field.Type,
                    IPropertySymbol property => property.Type,
                    _ => null,
                };
                if (memberType is null)
                {
                    continue;
                }

                var decay = ModelFacts.FindAttribute(symbol, WdGenNames.DecayAttribute);
                var noDecay = ModelFacts.FindAttribute(symbol, WdGenNames.NoDecayAttribute);
                var learningRate = ModelFacts.FindAttribute(symbol, WdGenNames.LearningRateAttribute);
                var held = isModule ? api.Holds(symbol) : HeldValue.Nothing;
                if (decay is null && noDecay is null && learningRate is null && held is not (HeldValue.Module or HeldValue.Parameter))
                {
                    continue;
                }

                var member = new DeclaredMember(type, isModule, symbol, memberType, held, decay, noDecay, learningRate);
                AttributeMisuseRule.CheckMember(context, api, member);
                if (decay is not null)
                {
                    NonDecayParameterRule.CheckDecayAttribute(context, member, decay);
                }

                AutoPropertyRule.Check(context, member);
                ImplicitNoDecayRule.CheckMember(context, member);
            }

            if (isModule)
            {
                SplitFieldsRule.Check(context, api, type);
            }
        }
    }
}

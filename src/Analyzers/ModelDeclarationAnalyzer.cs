using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WdGen.Analyzers
{
    /// <summary>
    /// Checks model classes and their WdGen attributes (symbol actions only): WDG002 (<c>[Decay]</c> on norms,
    /// embeddings, or with <c>IncludeBiases = true</c>), WDG007, WDG008, WDG009 and WDG010.
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
            AnalyzeClass(context, api, type, isModule);
            foreach (var member in type.GetMembers())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                switch (member)
                {
                    case IFieldSymbol { IsImplicitlyDeclared: false } field:
                        AnalyzeMember(context, api, type, isModule, field, field.Type);
                        break;
                    case IPropertySymbol property:
                        AnalyzeMember(context, api, type, isModule, property, property.Type);
                        break;
                }
            }

            if (isModule)
            {
                CheckSplitFields(context, api, type);
            }
        }

        private static void AnalyzeClass(SymbolAnalysisContext context, TorchSharpApi api, INamedTypeSymbol type, bool isModule)
        {
            var location = type.Locations.FirstOrDefault(l => l.IsInSource);
            if (location is null)
            {
                return;
            }

            var decayGroups = ModelFacts.FindAttribute(type, WdGenNames.DecayGroupsAttribute);
            if (decayGroups is not null && !isModule)
            {
                Report(context, decayGroups, location, "[DecayGroups] on '" + type.Name + "', which is not a TorchSharp module: derive it from torch.nn.Module or remove the attribute");
            }

            if (isModule && ModelFacts.IsDecayGroupsModel(type) && !ModelFacts.IsPartialChain(type, context.CancellationToken))
            {
                var notPartial = NonPartialType(type, context);
                var why = decayGroups is not null ? "has [DecayGroups]" : "has WdGen attributes on its members";
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG007,
                    notPartial.Locations.FirstOrDefault(l => l.IsInSource) ?? location,
                    ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.Misuse, DiagnosticProperties.NotPartial),
                    "'" + type.Name + "' " + why + " but " + (SymbolEqualityComparer.Default.Equals(notPartial, type) ? "is not partial" : "its containing type '" + notPartial.Name + "' is not partial") + ": the generator cannot add its walk, so GetDecayGroups() is not available; declare it partial"));
            }

            if (isModule && type.Name.EndsWith("Norm", StringComparison.OrdinalIgnoreCase)
                && !api.IsTorchSharpType(type) && ModelInspector.Layer(type) is null && ModelInspector.LayerRole(type) is null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG010,
                    location,
                    "Module class '" + type.Name + "', whose name suggests a normalization layer,",
                    "give it [LayerRole(ParameterRole.Norm)] (or [LayerRole(ParameterRole.Weight)] if its parameters should decay)"));
            }
        }

        private static void AnalyzeMember(SymbolAnalysisContext context, TorchSharpApi api, INamedTypeSymbol type, bool isModule, ISymbol member, ITypeSymbol memberType)
        {
            var decay = ModelFacts.FindAttribute(member, WdGenNames.DecayAttribute);
            var noDecay = ModelFacts.FindAttribute(member, WdGenNames.NoDecayAttribute);
            var attribute = decay ?? noDecay;
            var holds = !isModule || member.IsStatic ? null : api.IsParameter(memberType) ? "Parameter" : api.IsModule(memberType) ? "module" : null;
            var autoProperty = holds is not null && member is IPropertySymbol property && IsAutoProperty(type, property);
            var unmarkedParameter = holds == "Parameter" && member is IFieldSymbol && attribute is null && ModelInspector.LayerRole(type) is null;

            // Symbol.Locations allocates on every call: it is read only for a member with something to report.
            if ((attribute is null && !autoProperty && !unmarkedParameter) || member.Locations.FirstOrDefault(l => l.IsInSource) is not { } location)
            {
                return;
            }

            if (attribute is not null)
            {
                var shown = decay is not null ? "[Decay]" : "[NoDecay]";
                if (decay is not null && noDecay is not null)
                {
                    Report(context, noDecay, location, "'" + member.Name + "' has both [Decay] and [NoDecay]: keep the one you mean");
                }

                if (member.IsStatic)
                {
                    Report(context, attribute, location, shown + " on static member '" + member.Name + "': TorchSharp registers only instance fields, so the attribute has no effect");
                }
                else if (!CanHoldParameters(api, memberType))
                {
                    Report(context, attribute, location, shown + " on '" + member.Name + "', whose type " + memberType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + " holds no parameters: put it on a module or Parameter field");
                }
                else if (!isModule)
                {
                    Report(context, attribute, location, shown + " on '" + member.Name + "' of '" + type.Name + "', which is not a TorchSharp module: the attribute has no effect");
                }

                if (decay is not null)
                {
                    CheckDecay(context, api, member, memberType, decay, location);
                }
            }

            if (autoProperty)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG008, location, member.Name, holds));
            }

            if (unmarkedParameter)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG010,
                    location,
                    "Raw Parameter field '" + member.Name + "'",
                    "mark it [Decay] or [NoDecay] (or give '" + type.Name + "' a [LayerRole]) to say so explicitly"));
            }
        }

        private static void CheckDecay(SymbolAnalysisContext context, TorchSharpApi api, ISymbol member, ITypeSymbol memberType, AttributeData decay, Location fallback)
        {
            var location = decay.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? fallback;
            if (decay.ConstructorArguments.Length == 1 && decay.ConstructorArguments[0].Value is double scale
                && (double.IsNaN(scale) || double.IsInfinity(scale) || scale <= 0))
            {
                var argumentLocation = decay.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax { ArgumentList.Arguments.Count: > 0 } syntax
                    ? syntax.ArgumentList.Arguments[0].GetLocation()
                    : location;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG007,
                    argumentLocation,
                    "[Decay(" + scale.ToString("R", CultureInfo.InvariantCulture) + ")] on '" + member.Name + "': the decay scale must be positive and finite; use [NoDecay] for no decay"));
            }

            var includeBiases = decay.NamedArguments.Any(a => a.Key == WdGenNames.IncludeBiases && a.Value.Value is true);
            if (includeBiases)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG002, location, "[Decay(IncludeBiases = true)] on '" + member.Name + "'", "makes its biases decay"));
            }

            var role = ModelInspector.Layer(memberType) is { Kind: TorchSharpModuleKind.Layer } layer ? layer.DefaultRole : ModelInspector.LayerRole(memberType);
            if (role is ParameterRole.Norm or ParameterRole.Embedding)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG002,
                    location,
                    "[Decay] on '" + member.Name + "' (" + memberType.Name + ")",
                    "makes its " + (role == ParameterRole.Norm ? "normalization parameters" : "embedding table") + " decay"));
            }
        }

        /// <summary>WDG009: parameter-bearing fields of one module declared in several files.</summary>
        private static void CheckSplitFields(SymbolAnalysisContext context, TorchSharpApi api, INamedTypeSymbol type)
        {
            // Every model has a second declaration (its generated code), so the syntax is read first: with fields and
            // properties in one file at most, the symbols' locations (allocated anew on each call) are not needed.
            if (!DeclaresMembersInSeveralFiles(type, context.CancellationToken))
            {
                return;
            }

            var files = new List<string>();
            foreach (var member in type.GetMembers())
            {
                var memberType = member switch
                {
                    IFieldSymbol { IsStatic: false, IsImplicitlyDeclared: false } f => f.Type,
                    IPropertySymbol { IsStatic: false } p when IsAutoProperty(type, p) => p.Type,
                    _ => null,
                };
                if (memberType is not null && (api.IsModule(memberType) || api.IsParameter(memberType))
                    && member.Locations.FirstOrDefault(l => l.IsInSource)?.SourceTree?.FilePath is { } path && !files.Contains(path))
                {
                    files.Add(path);
                }
            }

            if (files.Count > 1)
            {
                var location = type.Locations.FirstOrDefault(l => l.IsInSource);
                if (location is not null)
                {
                    var names = string.Join(", ", files.Select(f => System.IO.Path.GetFileName(f)).OrderBy(f => f, StringComparer.Ordinal));
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG009, location, type.Name, files.Count, names));
                }
            }
        }

        private static bool DeclaresMembersInSeveralFiles(INamedTypeSymbol type, System.Threading.CancellationToken cancellationToken)
        {
            SyntaxTree? first = null;
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
                    && (declaration.ParameterList is not null || declaration.Members.Any(m => m is BaseFieldDeclarationSyntax or PropertyDeclarationSyntax)))
                {
                    if (first is null)
                    {
                        first = declaration.SyntaxTree;
                    }
                    else if (first != declaration.SyntaxTree)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static bool CanHoldParameters(TorchSharpApi api, ITypeSymbol type)
            => type is IErrorTypeSymbol or ITypeParameterSymbol
                || type.SpecialType == SpecialType.System_Object
                || type.TypeKind is TypeKind.Interface or TypeKind.Error or TypeKind.Dynamic
                || api.IsModule(type)
                || api.IsParameter(type)
                || (api.Parameter?.BaseType is { } tensor && TorchSharpApi.InheritsFrom(type, tensor));

        private static bool IsAutoProperty(INamedTypeSymbol type, IPropertySymbol property)
        {
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol { AssociatedSymbol: { } associated } && SymbolEqualityComparer.Default.Equals(associated, property))
                {
                    return true;
                }
            }

            return false;
        }

        private static INamedTypeSymbol NonPartialType(INamedTypeSymbol type, SymbolAnalysisContext context)
        {
            for (var current = type; current is not null; current = current.ContainingType)
            {
                if (!ModelFacts.IsPartial(current, context.CancellationToken))
                {
                    return current;
                }
            }

            return type;
        }

        private static void Report(SymbolAnalysisContext context, AttributeData attribute, Location fallback, string message)
        {
            var location = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? fallback;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG007, location, message));
        }
    }
}

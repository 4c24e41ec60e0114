using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WdGen.Analyzers.Rules
{
    /// <summary>
    /// WDG007: WdGen attributes that cannot work: <c>[DecayGroups]</c> on a class that is not a module or not partial,
    /// <c>[Decay]</c> and <c>[NoDecay]</c> together, on a static member, on a member that holds no parameters or of a
    /// class that is not a module (<c>[LearningRate]</c> too), and a decay or learning-rate scale that is not positive and finite.
    /// </summary>
    internal static class AttributeMisuseRule
    {
        public static void CheckClass(SymbolAnalysisContext context, INamedTypeSymbol type, bool isModule, Location location)
        {
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
        }

        public static void CheckMember(SymbolAnalysisContext context, TorchSharpApi api, DeclaredMember member)
        {
            if ((member.Decay ?? member.NoDecay ?? member.LearningRate) is not { } attribute || member.Location is not { } location)
            {
                return;
            }

            var name = member.Symbol.Name;
            var shown = member.Decay is not null ? "[Decay]" : member.NoDecay is not null ? "[NoDecay]" : "[LearningRate]";
            if (member.Decay is not null && member.NoDecay is not null)
            {
                Report(context, member.NoDecay, location, "'" + name + "' has both [Decay] and [NoDecay]: keep the one you mean");
            }

            if (member.Symbol.IsStatic)
            {
                Report(context, attribute, location, shown + " on static member '" + name + "': TorchSharp registers only instance fields, so the attribute has no effect");
            }
            else if (api.Holds(member.Type) == HeldValue.Nothing)
            {
                Report(context, attribute, location, shown + " on '" + name + "', whose type " + member.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + " holds no parameters: put it on a module or Parameter field");
            }
            else if (!member.OwnerIsModule)
            {
                Report(context, attribute, location, shown + " on '" + name + "' of '" + member.Owner.Name + "', which is not a TorchSharp module: the attribute has no effect");
            }

            if (member.Decay is { ConstructorArguments: { Length: 1 } arguments } decay && arguments[0].Value is double scale
                && (double.IsNaN(scale) || double.IsInfinity(scale) || scale <= 0))
            {
                var argumentLocation = decay.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax { ArgumentList.Arguments.Count: > 0 } syntax
                    ? syntax.ArgumentList.Arguments[0].GetLocation()
                    : location;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG007,
                    argumentLocation,
                    "[Decay(" + scale.ToString("R", CultureInfo.InvariantCulture) + ")] on '" + name + "': the decay scale must be positive and finite; use [NoDecay] for no decay"));
            }

            CheckLearningRateScale(context, member, location);
        }

        /// <summary>A <c>[LearningRate(scale)]</c> whose scale is not positive and finite, reported at the argument.</summary>
        private static void CheckLearningRateScale(SymbolAnalysisContext context, DeclaredMember member, Location location)
        {
            if (member.LearningRate is not { ConstructorArguments: { Length: 1 } arguments } learningRate)
            {
                return;
            }

            // A constant the compiler could convert (an int literal, a float) arrives as that type's value.
            double? scale = arguments[0].Value switch
            {
                double d => d,
                float f => f,
                int i => i,
                long l => l,
                _ => null,
            };
            if (scale is not { } value || (!double.IsNaN(value) && !double.IsInfinity(value) && value > 0))
            {
                return;
            }

            var argumentLocation = learningRate.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax { ArgumentList.Arguments.Count: > 0 } syntax
                ? syntax.ArgumentList.Arguments[0].GetLocation()
                : location;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.WDG007,
                argumentLocation,
                "[LearningRate(" + value.ToString("R", CultureInfo.InvariantCulture) + ")] on '" + member.Symbol.Name
                + "': the learning-rate scale must be positive and finite; to stop training a member, set requires_grad to false on its parameters"));
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

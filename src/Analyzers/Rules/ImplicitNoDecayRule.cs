using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WdGen.Analyzers.Rules
{
    /// <summary>
    /// WDG010: parameters that do not decay by default without the code saying so: a custom module named like a
    /// normalization layer without <c>[LayerRole]</c>, and a raw Parameter field without an attribute.
    /// </summary>
    internal static class ImplicitNoDecayRule
    {
        public static void CheckClass(SymbolAnalysisContext context, TorchSharpApi api, INamedTypeSymbol type, bool isModule, Location location)
        {
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

        public static void CheckMember(SymbolAnalysisContext context, DeclaredMember member)
        {
            if (member.Symbol is IFieldSymbol && member.Held == HeldValue.Parameter && member.Decay is null && member.NoDecay is null
                && ModelInspector.LayerRole(member.Owner) is null && member.Location is { } location)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG010,
                    location,
                    "Raw Parameter field '" + member.Symbol.Name + "'",
                    "mark it [Decay] or [NoDecay] (or give '" + member.Owner.Name + "' a [LayerRole]) to say so explicitly"));
            }
        }
    }
}

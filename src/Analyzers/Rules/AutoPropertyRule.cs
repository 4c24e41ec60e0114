using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WdGen.Analyzers.Rules
{
    /// <summary>WDG008: a module or Parameter in an auto-property of a module, registered as <c>&lt;Name&gt;k__BackingField</c>.</summary>
    internal static class AutoPropertyRule
    {
        public static void Check(SymbolAnalysisContext context, DeclaredMember member)
        {
            // Holds() counts a property only when it is an instance auto-property.
            if (member.Symbol is IPropertySymbol && member.Held is HeldValue.Module or HeldValue.Parameter && member.Location is { } location)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG008, location, member.Symbol.Name, member.Held == HeldValue.Parameter ? "Parameter" : "module"));
            }
        }
    }
}

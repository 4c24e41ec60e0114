using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WdGen.Analyzers.Rules
{
    /// <summary>
    /// WDG002: biases, normalization parameters or embeddings that get weight decay: a whole model's parameters in a
    /// decaying optimizer, such parameters listed in a decaying group, or <c>[Decay]</c> on a member that holds them.
    /// </summary>
    internal static class NonDecayParameterRule
    {
        /// <summary>The whole of a model that has such parameters, handed to an optimizer with weight decay.</summary>
        public static void CheckWholeModel(SemanticModelAnalysisContext context, ModelInspector inspector, OptimizerConstruction optimizer, ParameterSource source, ImmutableDictionary<string, string?> fixProperties)
        {
            if (!source.IsWholeModel || source.ModelReceiver is not { Type: { } modelType } model || !optimizer.Decays
                || !inspector.HasNonDecayParameters(model, context.CancellationToken))
            {
                return;
            }

            var parameters = optimizer.Parameters.Value;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.WDG002,
                parameters.Syntax.GetLocation(),
                fixProperties,
                "'" + parameters.Syntax + "'",
                "puts the biases, normalization parameters or embeddings of " + modelType.Name + " into " + optimizer.Optimizer.Name + "'s group with weight_decay " + optimizer.DecayText));
        }

        /// <summary>Listed elements (<c>x.bias</c>, <c>norm.weight</c>, <c>emb.weight</c>) in a group with weight decay.</summary>
        public static void CheckListed(SemanticModelAnalysisContext context, TorchSharpApi api, ParameterSource source, string target, string decayText)
        {
            foreach (var element in source.Elements)
            {
                if (RoleOf(element, api) is { } role && role.Role is ParameterRole.Bias or ParameterRole.Norm or ParameterRole.Embedding)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.WDG002,
                        element.Syntax.GetLocation(),
                        "'" + element.Syntax + "' (" + role.Why + ")",
                        "is in a group of " + target + " with weight_decay " + decayText));
                }
            }
        }

        /// <summary><c>[Decay]</c> on a normalization or embedding member, or with <c>IncludeBiases = true</c>.</summary>
        public static void CheckDecayAttribute(SymbolAnalysisContext context, DeclaredMember member, AttributeData decay)
        {
            if (member.Location is not { } memberLocation)
            {
                return;
            }

            var location = decay.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? memberLocation;
            if (decay.NamedArguments.Any(a => a.Key == WdGenNames.IncludeBiases && a.Value.Value is true))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WDG002, location, "[Decay(IncludeBiases = true)] on '" + member.Symbol.Name + "'", "makes its biases decay"));
            }

            var role = ModelInspector.Layer(member.Type) is { Kind: TorchSharpModuleKind.Layer } layer ? layer.DefaultRole : ModelInspector.LayerRole(member.Type);
            if (role is ParameterRole.Norm or ParameterRole.Embedding)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WDG002,
                    location,
                    "[Decay] on '" + member.Symbol.Name + "' (" + member.Type.Name + ")",
                    "makes its " + (role == ParameterRole.Norm ? "normalization parameters" : "embedding table") + " decay"));
            }
        }

        /// <summary>The role of <c>x.bias</c>, <c>norm.weight</c>, <c>emb.weight</c>, from the shared layer table or <c>[LayerRole]</c>.</summary>
        private static (ParameterRole Role, string Why)? RoleOf(IOperation element, TorchSharpApi api)
        {
            var (instance, member) = element switch
            {
                IPropertyReferenceOperation property => (property.Instance, (ISymbol)property.Property),
                IFieldReferenceOperation field => (field.Instance, field.Field),
                _ => (null, null),
            };
            if (instance?.Type is not { } type || member is null || !api.IsParameter(element.Type))
            {
                return null;
            }

            if (ModelInspector.Layer(type) is { Kind: TorchSharpModuleKind.Layer } layer && layer.Parameters.Any(p => p.Name == member.Name))
            {
                var role = layer.RoleOf(member.Name);
                return (role, layer.Name + "." + member.Name + " is " + TorchSharpLayers.DescribeRole(role));
            }

            if (ModelInspector.LayerRole(type) is { } forced)
            {
                return (forced, type.Name + " has [LayerRole(" + forced + ")]");
            }

            return null;
        }
    }
}

using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using WdGen.Generator.Emitting;
using WdGen.Generator.Model;
using WdGen.Generator.Parsing;

namespace WdGen.Generator
{
    /// <summary>
    /// Generates, for every TorchSharp module marked <c>[DecayGroups]</c> (or with <c>[Decay]</c>/<c>[NoDecay]</c> on a
    /// member), a compile-time <c>DecayPlan</c> and a <c>GetDecayGroups()</c> method, plus once per assembly the
    /// TorchSharp bridge they call. Nothing is emitted when the compilation does not reference TorchSharp.
    /// The generator reports no diagnostics (the analyzers do) and emits nothing for input it cannot handle.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class DecayGroupsGenerator : IIncrementalGenerator
    {
        /// <summary>Names of the tracked pipeline steps, for incrementality tests.</summary>
        public static class Steps
        {
            public const string TorchSharpReferenced = nameof(TorchSharpReferenced);
            public const string ClassModels = nameof(ClassModels);
            public const string MemberModels = nameof(MemberModels);
            public const string Models = nameof(Models);
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var torchSharpReferenced = context.CompilationProvider
                .Select(static (compilation, _) => compilation.GetTypeByMetadataName(TorchSharpLayers.ModuleMetadataName) is not null)
                .WithTrackingName(Steps.TorchSharpReferenced);

            var classModels = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    WdGenNames.DecayGroupsAttribute,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax,
                    static (context, token) => context.TargetSymbol is INamedTypeSymbol type ? ParseSafely(type, context.SemanticModel.Compilation, token) : null)
                .WithTrackingName(Steps.ClassModels);

            // A class with [Decay]/[NoDecay] on a member is a model even without [DecayGroups].
            var decayMembers = MemberModels(context, WdGenNames.DecayAttribute);
            var noDecayMembers = MemberModels(context, WdGenNames.NoDecayAttribute);

            var models = classModels.Collect()
                .Combine(decayMembers.Collect())
                .Combine(noDecayMembers.Collect())
                .SelectMany(static (all, _) => all.Left.Left.Concat(all.Left.Right).Concat(all.Right)
                    .Where(static m => m is not null)
                    .Select(static m => m!)
                    .GroupBy(static m => m.HintName)
                    .Select(static g => g.First())
                    .OrderBy(static m => m.HintName, System.StringComparer.Ordinal)
                    .ToImmutableArray())
                .Combine(torchSharpReferenced)
                .Where(static pair => pair.Right)
                .Select(static (pair, _) => pair.Left)
                .WithTrackingName(Steps.Models);

            context.RegisterSourceOutput(models, static (output, model) =>
                output.AddSource(model.HintName, SourceText.From(ModelEmitter.Emit(model), Encoding.UTF8)));

            context.RegisterSourceOutput(torchSharpReferenced, static (output, referenced) =>
            {
                if (referenced)
                {
                    output.AddSource("WdGen.TorchSharpBridge.g.cs", SourceText.From(BridgeSource.Text, Encoding.UTF8));
                }
            });
        }

        private static IncrementalValuesProvider<ModelSpec?> MemberModels(IncrementalGeneratorInitializationContext context, string attribute)
            => context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    attribute,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax,
                    static (context, token) => context.TargetSymbol.ContainingType is { } type && !ModelFacts.HasAttribute(type, WdGenNames.DecayGroupsAttribute)
                        ? ParseSafely(type, context.SemanticModel.Compilation, token)
                        : null)
                .WithTrackingName(Steps.MemberModels);

        /// <summary>The parser must never take the compiler down: on unexpected input the model is skipped.</summary>
        private static ModelSpec? ParseSafely(INamedTypeSymbol type, Compilation compilation, CancellationToken token)
        {
            try
            {
                return ModelParser.Parse(type, compilation, token);
            }
            catch (System.OperationCanceledException)
            {
                throw;
            }
            catch (System.Exception)
            {
                return null;
            }
        }
    }

    /// <summary>The bridge source, read once from the generator's resources.</summary>
    internal static class BridgeSource
    {
        public static string Text { get; } = Load();

        private static string Load()
        {
            var assembly = typeof(BridgeSource).Assembly;
            using var stream = assembly.GetManifestResourceStream("WdGen.Generator.TorchSharpBridge.cs")!;
            using var reader = new StreamReader(stream);
            var version = assembly.GetName().Version!.ToString(3);
            return reader.ReadToEnd().Replace("\r\n", "\n").Replace("$VERSION$", version);
        }
    }
}

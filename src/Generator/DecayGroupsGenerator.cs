using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using WdGen.Generator.Emitting;
using WdGen.Generator.Model;
using WdGen.Generator.Parsing;

namespace WdGen.Generator
{
    /// <summary>
    /// Generates, for every partial class marked <c>[DecayGroups]</c> (or with <c>[Decay]</c>/<c>[NoDecay]</c> on a
    /// member), its walk order and its walk, plus once per assembly the TorchSharp bridge (<c>GetDecayGroups()</c>,
    /// the optimizers) they serve. Nothing is emitted when the compilation does not reference TorchSharp.
    /// The pipeline reads syntax only (see <see cref="PartParser"/>); it reports no diagnostics (the analyzers do)
    /// and emits nothing for declarations it cannot extend.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class DecayGroupsGenerator : IIncrementalGenerator
    {
        /// <summary>Names of the tracked pipeline steps, for incrementality tests.</summary>
        public static class Steps
        {
            public const string TorchSharpReferenced = nameof(TorchSharpReferenced);
            public const string Parts = nameof(Parts);
            public const string GlobalUsings = nameof(GlobalUsings);
            public const string Models = nameof(Models);
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var torchSharpReferenced = context.CompilationProvider
                .Select(static (compilation, _) => compilation.GetTypeByMetadataName(TorchSharpLayers.ModuleMetadataName) is not null)
                .WithTrackingName(Steps.TorchSharpReferenced);

            // Each syntax step hands on the node itself and parses it in the Select after it. Roslyn re-runs a syntax
            // transform for every matching node after any edit (each edit is a new compilation), but a node of an
            // unchanged file is the same object as before, so it compares equal and the parse is skipped: an edit
            // costs a parse of the edited file's classes only. Everything after the parse is value-equatable.
            var parts = context.SyntaxProvider
                .CreateSyntaxProvider(static (node, _) => PartParser.IsCandidate(node), static (context, _) => (ClassDeclarationSyntax)context.Node)
                .Select(static (declaration, token) => Safely(() => PartParser.Parse(declaration, token)))
                .WithTrackingName(Steps.Parts); // null for a class that cannot matter; the collector skips those

            var globalScope = context.SyntaxProvider
                .CreateSyntaxProvider(
                    static (node, _) => node is UsingDirectiveSyntax directive && directive.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword),
                    static (context, _) => (UsingDirectiveSyntax)context.Node)
                .Select(static (directive, _) => Safely(() => PartParser.ParseGlobalUsing(directive)))
                .Where(static alias => alias is not null)
                .Select(static (alias, _) => alias!)
                .Collect()
                .Select(static (usings, _) => ModelCollector.GlobalScope(usings))
                .WithTrackingName(Steps.GlobalUsings);

            var models = parts.Collect()
                .Combine(globalScope)
                .SelectMany(static (input, token) => Safely(() => ModelCollector.Collect(input.Left, input.Right, token)) is { IsDefault: false } collected ? collected : ImmutableArray<ModelSpec>.Empty)
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

        /// <summary>The generator must never take the compiler down: on unexpected input the result is empty.</summary>
        private static T? Safely<T>(System.Func<T> read)
        {
            try
            {
                return read();
            }
            catch (System.OperationCanceledException)
            {
                throw;
            }
            catch (System.Exception)
            {
                return default;
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

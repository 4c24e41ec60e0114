using System.Collections.Immutable;
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
    /// Generates, for every partial class marked <c>[DecayGroups]</c> (or with <c>[Decay]</c>/<c>[NoDecay]</c>/<c>[LearningRate]</c>
    /// on a member), its walk order and the <c>IDecayGroupsModel</c> marker (one generated file per source file that declares
    /// models); <c>GetDecayGroups()</c>, the walk and the optimizers are compiled code in WdGen.TorchSharp. Nothing is
    /// emitted when the compilation does not reference TorchSharp.
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
            public const string Files = nameof(Files);
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var torchSharpReferenced = context.CompilationProvider
                .Select(static (compilation, _) => compilation.GetTypeByMetadataName(TorchSharpLayers.ModuleMetadataName) is not null)
                .WithTrackingName(Steps.TorchSharpReferenced);

            // The syntax step hands on the node itself and parses it in the Select after it. Roslyn re-runs a syntax
            // transform for every matching node after any edit (each edit is a new compilation), but a node of an
            // unchanged file is the same object as before, so it compares equal and the parse is skipped: an edit
            // costs a parse of the edited file's classes only. Everything after the parse is value-equatable.
            // One step reads both partial classes and global usings: each syntax step walks every node of an edited
            // tree, so a second step would walk it twice.
            var parts = context.SyntaxProvider
                .CreateSyntaxProvider(static (node, _) => PartParser.IsCandidate(node), static (context, _) => context.Node)
                .Select(static (node, token) => Safely(() => PartParser.Parse(node, token)))
                .WithTrackingName(Steps.Parts) // null for a node that cannot matter; the collector skips those
                .Collect();

            var globalScope = parts
                .Select(static (specs, _) => Safely(() => ModelCollector.GlobalScope(specs)) ?? NameScope.None)
                .WithTrackingName(Steps.GlobalUsings);

            // TorchSharpReferenced joins before the files are split out, not after: a Combine, Where and Select
            // after the SelectMany would each keep a table of every file and walk it on every run.
            var files = parts
                .Combine(globalScope)
                .Combine(torchSharpReferenced)
                .SelectMany(static (input, token) => input.Right
                    && Safely(() => ModelCollector.Collect(input.Left.Left, input.Left.Right, token)) is { IsDefault: false } collected
                        ? collected
                        : ImmutableArray<FileSpec>.Empty)
                .WithTrackingName(Steps.Files);

            context.RegisterSourceOutput(files, static (output, file) =>
                output.AddSource(file.HintName, SourceText.From(ModelEmitter.Emit(file), Encoding.UTF8)));
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
}

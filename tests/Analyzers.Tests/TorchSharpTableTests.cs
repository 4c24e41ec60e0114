using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using WdGen.Analyzers.Tests.Infrastructure;
using Xunit;

namespace WdGen.Analyzers.Tests
{
    /// <summary>
    /// The shared tables (src/Shared/TorchSharpOptimizers.cs, TorchSharpLayers.cs) against the metadata of the real
    /// TorchSharp 0.107 and WdGen.TorchSharp: every name, argument and default the rules and fixes read from them.
    /// </summary>
    public sealed class TorchSharpTableTests
    {
        private static readonly Lazy<Compilation> Metadata = new(() => CSharpCompilation.Create(
            "Tables", Array.Empty<SyntaxTree>(), AnalyzerHarness.ReferencesFor(torchSharp: true), AnalyzerHarness.CompilationOptions));

        public static TheoryData<string> Optimizers()
        {
            var data = new TheoryData<string>();
            foreach (var optimizer in TorchSharpOptimizers.All)
            {
                data.Add(optimizer.Name);
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(Optimizers))]
        public void Each_optimizer_has_its_class_groups_options_and_factories_with_the_tables_arguments_and_defaults(string name)
        {
            var optimizer = TorchSharpOptimizers.Find(name)!;
            var type = Type(optimizer.MetadataName);
            Assert.True(InheritsFrom(type, Type(TorchSharpOptimizers.OptimizerMetadataName)), name + " is not a torch.optim.Optimizer");
            Assert.True(InheritsFrom(Type(optimizer.ParamGroupMetadataName), Type(TorchSharpOptimizers.ParamGroupMetadataName)));
            var options = Type(optimizer.OptionsMetadataName);
            Assert.Contains(options.GetMembers(TorchSharpOptimizers.WeightDecay), m => m is IFieldSymbol);
            Assert.True(AllMembers(options).Any(m => m.Name == TorchSharpOptimizers.OptionsLearningRate), optimizer.OptionsMetadataName + " has no " + TorchSharpOptimizers.OptionsLearningRate);

            var factories = Type(TorchSharpOptimizers.OptimMetadataName).GetMembers(name).OfType<IMethodSymbol>().ToList();
            Assert.Equal(3, factories.Count); // over Parameters, (name, Parameter) pairs and ParamGroups
            Assert.All(factories, f => AssertArguments(f, optimizer.FactoryLearningRate, optimizer.WeightDecayDefault));

            var constructors = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
            Assert.NotEmpty(constructors);
            Assert.All(constructors, c => AssertArguments(c, TorchSharpOptimizers.LearningRate, optimizer.WeightDecayDefault));

            var convenience = Type(optimizer.ParamGroupMetadataName).InstanceConstructors.Where(c => c.Parameters.Any(p => p.Name == TorchSharpOptimizers.LearningRate)).ToList();
            Assert.Single(convenience);
            AssertArguments(convenience[0], TorchSharpOptimizers.LearningRate, optimizer.WeightDecayDefault);
            Assert.Contains(Type(optimizer.ParamGroupMetadataName).InstanceConstructors, c => c.Parameters.Any(p => p.Name == TorchSharpOptimizers.GroupOptionsArgument));
        }

        [Fact]
        public void The_table_lists_every_torch_optim_factory_that_takes_a_weight_decay()
        {
            var withWeightDecay = Type(TorchSharpOptimizers.OptimMetadataName).GetMembers().OfType<IMethodSymbol>()
                .Where(m => m.Parameters.Any(p => p.Name == TorchSharpOptimizers.WeightDecay))
                .Select(m => m.Name)
                .Distinct()
                .OrderBy(n => n, StringComparer.Ordinal);
            Assert.Equal(TorchSharpOptimizers.All.Select(o => o.Name).OrderBy(n => n, StringComparer.Ordinal), withWeightDecay);
        }

        [Fact]
        public void Only_AdamW_decays_decoupled_and_only_its_default_differs_from_PyTorchs()
        {
            Assert.Equal(new[] { "AdamW" }, TorchSharpOptimizers.All.Where(o => o.Coupling == WeightDecayCoupling.Decoupled).Select(o => o.Name));
            Assert.Equal(new[] { "AdamW" }, TorchSharpOptimizers.All.Where(o => o.DefaultDiffersFromPyTorch).Select(o => o.Name));
            Assert.Equal(0.01, TorchSharpOptimizers.AdamW.PyTorchWeightDecayDefault);
            Assert.Same(TorchSharpOptimizers.AdamW, TorchSharpOptimizers.Find(TorchSharpOptimizers.Find("Adam")!.DecoupledVariant!));
        }

        [Fact]
        public void A_decoupled_variant_takes_the_same_factory_arguments()
        {
            foreach (var optimizer in TorchSharpOptimizers.All.Where(o => o.DecoupledVariant is not null))
            {
                var optim = Type(TorchSharpOptimizers.OptimMetadataName);
                string Signature(string factory) => string.Join("; ", optim.GetMembers(factory).OfType<IMethodSymbol>()
                    .Select(m => string.Join(", ", m.Parameters.Skip(1).Select(p => p.Type.ToDisplayString() + " " + p.Name + " = " + p.ExplicitDefaultValue)))
                    .OrderBy(s => s, StringComparer.Ordinal));
                Assert.Equal(Signature(optimizer.Name), Signature(optimizer.DecoupledVariant!));
            }
        }

        [Theory]
        [MemberData(nameof(Optimizers))]
        public void Each_groups_extension_builds_its_optimizer_and_takes_its_arguments(string name)
        {
            var optimizer = TorchSharpOptimizers.Find(name)!;
            if (optimizer.GroupsExtension is null)
            {
                Assert.Null(optimizer.FusedGroupsExtension);
                Assert.Empty(optimizer.GroupsExtensionArguments);
                return;
            }

            var extensions = ExtensionsOfDecayGroups();
            var toOptimizer = Assert.Single(extensions, m => m.Name == optimizer.GroupsExtension);
            Assert.Equal(optimizer.MetadataName, ModelFacts.MetadataName((INamedTypeSymbol)toOptimizer.ReturnType));
            Assert.Single(extensions, m => m.Name == optimizer.FusedGroupsExtension);
            Assert.Same(optimizer, TorchSharpOptimizers.FindByGroupsExtension(optimizer.GroupsExtension));
            Assert.Same(optimizer, TorchSharpOptimizers.FindByGroupsExtension(optimizer.FusedGroupsExtension!));

            var factory = Type(TorchSharpOptimizers.OptimMetadataName).GetMembers(name).OfType<IMethodSymbol>().First();
            foreach (var argument in optimizer.GroupsExtensionArguments)
            {
                Assert.Contains(factory.Parameters, p => p.Name == argument);
                Assert.Contains(toOptimizer.Parameters, p => p.Name == argument);
            }
        }

        [Fact]
        public void Every_layer_switch_names_an_argument_of_the_layers_factory_and_the_parameters_it_leaves_out()
        {
            var nn = Type("TorchSharp.torch+nn");
            foreach (var layer in TorchSharpLayers.All.Where(l => l.Switches.Count > 0))
            {
                var factories = nn.GetMembers(layer.Name).OfType<IMethodSymbol>().ToList();
                Assert.True(factories.Count > 0, "torch.nn has no factory " + layer.Name);
                foreach (var parameterSwitch in layer.Switches)
                {
                    Assert.Contains(factories, f => f.Parameters.Any(p => parameterSwitch.Arguments.Contains(p.Name) && (p.Type.SpecialType == SpecialType.System_Boolean || p.Type.NullableAnnotation == NullableAnnotation.Annotated)));
                    Assert.All(parameterSwitch.Parameters, p => Assert.Contains(layer.Parameters, known => known.Name == p));
                }
            }
        }

        [Fact]
        public void The_module_moves_are_exactly_TorchSharps_module_extension_methods_and_clip_grad_norm_takes_tensors()
        {
            var extensions = Type(TorchSharpLayers.ModuleExtensionsMetadataName).GetMembers().OfType<IMethodSymbol>()
                .Where(m => m.MethodKind == MethodKind.Ordinary && m.DeclaredAccessibility == Accessibility.Public).Select(m => m.Name).Distinct().ToList();
            Assert.True(extensions.Count >= 15);
            Assert.All(extensions, name => Assert.True(TorchSharpLayers.MayMoveModule(name), name + " moves a module but is not in the table"));
            Assert.Contains(Type(TorchSharpLayers.ModuleMetadataName).GetMembers(TorchSharpLayers.ModuleTo), m => m.DeclaredAccessibility == Accessibility.Public);
            Assert.False(TorchSharpLayers.MayMoveModule("parameters"));

            var clip = Assert.Single(Type(TorchSharpLayers.NnUtilsMetadataName).GetMembers(TorchSharpLayers.ClipGradNorm).OfType<IMethodSymbol>());
            Assert.Equal(TorchSharpLayers.ClipGradNormTensors, clip.Parameters[0].Name);
        }

        private static void AssertArguments(IMethodSymbol method, string learningRate, double weightDecayDefault)
        {
            var display = method.ToDisplayString();
            Assert.True(method.Parameters.Length > TorchSharpOptimizers.ParametersOrdinal, display);
            Assert.Equal("IEnumerable", method.Parameters[TorchSharpOptimizers.ParametersOrdinal].Type.Name);
            Assert.True(method.Parameters.Any(p => p.Name == learningRate), display + " has no " + learningRate);
            var weightDecay = method.Parameters.SingleOrDefault(p => p.Name == TorchSharpOptimizers.WeightDecay);
            Assert.True(weightDecay is { HasExplicitDefaultValue: true }, display + " has no optional " + TorchSharpOptimizers.WeightDecay);
            Assert.Equal(weightDecayDefault, Convert.ToDouble(weightDecay!.ExplicitDefaultValue, System.Globalization.CultureInfo.InvariantCulture));
        }

        private static List<IMethodSymbol> ExtensionsOfDecayGroups()
        {
            var decayGroups = Type(WdGenNames.DecayGroups);
            return Metadata.Value.GetTypeByMetadataName(typeof(DecayGroupsOptimizers).FullName!)!.GetMembers()
                .Concat(Metadata.Value.GetTypeByMetadataName(typeof(DecayGroupsFusedOptimizers).FullName!)!.GetMembers())
                .OfType<IMethodSymbol>()
                .Where(m => m.IsExtensionMethod && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type.OriginalDefinition, decayGroups))
                .ToList();
        }

        private static IEnumerable<ISymbol> AllMembers(INamedTypeSymbol type)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    yield return member;
                }
            }
        }

        private static INamedTypeSymbol Type(string metadataName)
        {
            var type = Metadata.Value.GetTypeByMetadataName(metadataName);
            Assert.True(type is not null, metadataName + " is not in TorchSharp 0.107 or WdGen");
            return type!;
        }

        private static bool InheritsFrom(ITypeSymbol type, INamedTypeSymbol baseType)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

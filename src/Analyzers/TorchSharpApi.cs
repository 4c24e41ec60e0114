using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace WdGen.Analyzers
{
    /// <summary>
    /// The TorchSharp (and BCL collection) symbols the analyzers match, looked up once per compilation by metadata
    /// name. Null when the compilation does not reference TorchSharp: every analyzer then registers nothing.
    /// </summary>
    internal sealed class TorchSharpApi
    {
        private static readonly string[] UnorderedTypeNames =
        {
            "System.Collections.Generic.HashSet`1",
            "System.Collections.Generic.ISet`1",
            "System.Collections.Generic.IReadOnlySet`1",
            "System.Collections.Immutable.ImmutableHashSet`1",
            "System.Collections.Immutable.IImmutableSet`1",
            "System.Collections.Frozen.FrozenSet`1",
            "System.Collections.Generic.Dictionary`2",
            "System.Collections.Generic.Dictionary`2+KeyCollection",
            "System.Collections.Generic.Dictionary`2+ValueCollection",
            "System.Collections.Concurrent.ConcurrentDictionary`2",
            "System.Collections.Immutable.ImmutableDictionary`2",
            "System.Collections.Frozen.FrozenDictionary`2",
            "System.Collections.Concurrent.ConcurrentBag`1",
            "System.Collections.Hashtable",
        };

        private readonly ImmutableArray<INamedTypeSymbol> unordered;

        private TorchSharpApi(Compilation compilation, INamedTypeSymbol module)
        {
            Module = module;
            Parameter = compilation.GetTypeByMetadataName(TorchSharpLayers.ParameterMetadataName);
            Optim = compilation.GetTypeByMetadataName("TorchSharp.torch+optim");
            Optimizer = compilation.GetTypeByMetadataName("TorchSharp.torch+optim+Optimizer");
            ParamGroup = compilation.GetTypeByMetadataName("TorchSharp.Modules.ParamGroup");
            Enumerable = compilation.GetTypeByMetadataName("System.Linq.Enumerable");
            var optimizers = new Dictionary<INamedTypeSymbol, string>(SymbolEqualityComparer.Default);
            foreach (var name in new[] { "AdamW", "Adam", "SGD" })
            {
                if (compilation.GetTypeByMetadataName("TorchSharp.Modules." + name) is { } type)
                {
                    optimizers[type] = name;
                }
            }

            OptimizerClasses = optimizers;
            var builder = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
            foreach (var name in UnorderedTypeNames)
            {
                if (compilation.GetTypeByMetadataName(name) is { } type)
                {
                    builder.Add(type);
                }
            }

            unordered = builder.ToImmutable();
        }

        public INamedTypeSymbol Module { get; }

        public INamedTypeSymbol? Parameter { get; }

        /// <summary><c>torch.optim</c>, home of the AdamW/Adam/SGD factories.</summary>
        public INamedTypeSymbol? Optim { get; }

        public INamedTypeSymbol? Optimizer { get; }

        /// <summary><c>TorchSharp.Modules.ParamGroup</c>, base of every <c>X.ParamGroup</c>.</summary>
        public INamedTypeSymbol? ParamGroup { get; }

        public INamedTypeSymbol? Enumerable { get; }

        /// <summary>The optimizer classes AdamW, Adam and SGD, with their names.</summary>
        public IReadOnlyDictionary<INamedTypeSymbol, string> OptimizerClasses { get; }

        public static TorchSharpApi? Create(Compilation compilation)
            => compilation.GetTypeByMetadataName(TorchSharpLayers.ModuleMetadataName) is { } module ? new TorchSharpApi(compilation, module) : null;

        public bool IsModule(ITypeSymbol? type) => InheritsFrom(type, Module);

        public bool IsParameter(ITypeSymbol? type) => Parameter is not null && InheritsFrom(type, Parameter);

        public bool IsParamGroup(ITypeSymbol? type) => ParamGroup is not null && InheritsFrom(type, ParamGroup);

        public bool IsOptimizer(ITypeSymbol? type) => Optimizer is not null && InheritsFrom(type, Optimizer);

        /// <summary>Whether a type comes from TorchSharp itself.</summary>
        public bool IsTorchSharpType(ITypeSymbol type) => SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, Module.ContainingAssembly);

        /// <summary>The optimizer name (AdamW, Adam, SGD) of an optimizer class or of its nested ParamGroup/Options type.</summary>
        public string? OptimizerName(ITypeSymbol? type)
        {
            for (var current = type as INamedTypeSymbol; current is not null; current = current.ContainingType)
            {
                if (OptimizerClasses.TryGetValue(current.OriginalDefinition, out var name))
                {
                    return name;
                }
            }

            return null;
        }

        /// <summary>Describes <paramref name="type"/> when its enumeration order is not stable ("a HashSet&lt;Parameter&gt;"), else null.</summary>
        public string? DescribeUnordered(ITypeSymbol? type)
        {
            if (type is null)
            {
                return null;
            }

            if (Matches(type))
            {
                return Describe(type);
            }

            foreach (var implemented in type.AllInterfaces)
            {
                if (Matches(implemented))
                {
                    return Describe(type);
                }
            }

            for (var current = type.BaseType; current is not null; current = current.BaseType)
            {
                if (Matches(current))
                {
                    return Describe(type);
                }
            }

            return null;
        }

        /// <summary>Whether <paramref name="type"/> is a dictionary whose keys and values are unordered.</summary>
        public bool IsUnorderedDictionary(ITypeSymbol? type)
            => DescribeUnordered(type) is not null && type is INamedTypeSymbol { Arity: 2 } or INamedTypeSymbol { Name: "Hashtable" };

        public static bool InheritsFrom(ITypeSymbol? type, INamedTypeSymbol baseType)
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

        private bool Matches(ITypeSymbol type)
        {
            foreach (var candidate in unordered)
            {
                if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, candidate))
                {
                    return true;
                }
            }

            return false;
        }

        private static string Describe(ITypeSymbol type)
        {
            var name = type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            return (name.Length > 0 && "AEIOU".IndexOf(char.ToUpperInvariant(name[0])) >= 0 ? "an " : "a ") + name;
        }
    }
}

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
            Tensor = compilation.GetTypeByMetadataName(TorchSharpLayers.TensorMetadataName);
            Optim = compilation.GetTypeByMetadataName(TorchSharpOptimizers.OptimMetadataName);
            Optimizer = compilation.GetTypeByMetadataName(TorchSharpOptimizers.OptimizerMetadataName);
            ParamGroup = compilation.GetTypeByMetadataName(TorchSharpOptimizers.ParamGroupMetadataName);
            ModuleExtensions = compilation.GetTypeByMetadataName(TorchSharpLayers.ModuleExtensionsMetadataName);
            NnUtils = compilation.GetTypeByMetadataName(TorchSharpLayers.NnUtilsMetadataName);
            DecayGroups = compilation.GetTypeByMetadataName(WdGenNames.DecayGroups);
            Enumerable = compilation.GetTypeByMetadataName("System.Linq.Enumerable");
            var optimizers = new Dictionary<INamedTypeSymbol, TorchSharpOptimizer>(SymbolEqualityComparer.Default);
            foreach (var optimizer in TorchSharpOptimizers.All)
            {
                if (compilation.GetTypeByMetadataName(optimizer.MetadataName) is { } type)
                {
                    optimizers[type] = optimizer;
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

        public INamedTypeSymbol? Tensor { get; }

        /// <summary><c>torch.optim</c>, home of the optimizer factories.</summary>
        public INamedTypeSymbol? Optim { get; }

        public INamedTypeSymbol? Optimizer { get; }

        /// <summary><c>TorchSharp.Modules.ParamGroup</c>, base of every <c>X.ParamGroup</c>.</summary>
        public INamedTypeSymbol? ParamGroup { get; }

        /// <summary>TorchSharp's extension methods that move or cast a module (<c>to</c>, <c>cuda</c>, <c>half</c>, …).</summary>
        public INamedTypeSymbol? ModuleExtensions { get; }

        /// <summary><c>torch.nn.utils</c> (<c>clip_grad_norm_</c>).</summary>
        public INamedTypeSymbol? NnUtils { get; }

        public INamedTypeSymbol? Enumerable { get; }

        /// <summary>WdGen's <c>DecayGroups&lt;T&gt;</c>, when WdGen.Runtime is referenced.</summary>
        public INamedTypeSymbol? DecayGroups { get; }

        /// <summary>The optimizer classes of the table (<see cref="TorchSharpOptimizers"/>) that this TorchSharp has.</summary>
        public IReadOnlyDictionary<INamedTypeSymbol, TorchSharpOptimizer> OptimizerClasses { get; }

        public static TorchSharpApi? Create(Compilation compilation)
            => compilation.GetTypeByMetadataName(TorchSharpLayers.ModuleMetadataName) is { } module ? new TorchSharpApi(compilation, module) : null;

        public bool IsModule(ITypeSymbol? type) => InheritsFrom(type, Module);

        public bool IsParameter(ITypeSymbol? type) => Parameter is not null && InheritsFrom(type, Parameter);

        public bool IsParamGroup(ITypeSymbol? type) => ParamGroup is not null && InheritsFrom(type, ParamGroup);

        public bool IsOptimizer(ITypeSymbol? type) => Optimizer is not null && InheritsFrom(type, Optimizer);

        /// <summary>Whether a type comes from TorchSharp itself.</summary>
        public bool IsTorchSharpType(ITypeSymbol type) => SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, Module.ContainingAssembly);

        /// <summary>The table's optimizer of an optimizer class or of its nested ParamGroup/Options type.</summary>
        public TorchSharpOptimizer? OptimizerOf(ITypeSymbol? type)
        {
            for (var current = type as INamedTypeSymbol; current is not null; current = current.ContainingType)
            {
                if (OptimizerClasses.TryGetValue(current.OriginalDefinition, out var optimizer))
                {
                    return optimizer;
                }
            }

            return null;
        }

        /// <summary>The table's optimizer a <c>torch.optim</c> factory builds.</summary>
        public TorchSharpOptimizer? FactoryOf(IMethodSymbol method)
            => SymbolEqualityComparer.Default.Equals(method.ContainingType, Optim) ? TorchSharpOptimizers.Find(method.Name) : null;

        /// <summary>Whether a method is an extension of WdGen's <c>DecayGroups&lt;T&gt;</c> (<c>groups.ToAdamW(…)</c>).</summary>
        public bool IsDecayGroupsExtension(IMethodSymbol method)
            => method.IsExtensionMethod && DecayGroups is not null
                && (method.ReducedFrom ?? method).Parameters is { Length: > 0 } parameters
                && SymbolEqualityComparer.Default.Equals(parameters[0].Type.OriginalDefinition, DecayGroups);

        /// <summary>Whether a method is <c>torch.nn.utils.clip_grad_norm_</c>.</summary>
        public bool IsClipGradNorm(IMethodSymbol method)
            => method.Name == TorchSharpLayers.ClipGradNorm && SymbolEqualityComparer.Default.Equals(method.ContainingType, NnUtils);

        /// <summary>Whether a method moves or casts a module (<c>model.to(device)</c>, <c>.cuda()</c>, <c>.half()</c>, …).</summary>
        public bool MovesModule(IMethodSymbol method)
            => TorchSharpLayers.MayMoveModule(method.Name)
                && (SymbolEqualityComparer.Default.Equals(method.ContainingType, ModuleExtensions)
                    || (method.Name == TorchSharpLayers.ModuleTo && IsTorchSharpType(method.ContainingType) && IsModule(method.ContainingType)));

        /// <summary>What a field or property can hold, by the shared rule (<see cref="ParameterHolders"/>).</summary>
        public HeldValue Holds(ISymbol member)
            => member switch
            {
                IFieldSymbol field => Holds(field.Type, field.IsStatic || field.IsConst || field.IsFixedSizeBuffer ? MemberStorage.Other : MemberStorage.InstanceField),

                // Whether it is an auto-property (a scan of its type's members) is asked only when its type could hold something.
                IPropertySymbol { IsStatic: false } property when Holds(property.Type, MemberStorage.AutoProperty) is not HeldValue.Nothing and var held
                    => IsAutoProperty(property) ? held : Holds(property.Type, MemberStorage.Other),
                IPropertySymbol property => Holds(property.Type, MemberStorage.Other),
                _ => HeldValue.Nothing,
            };

        /// <summary>What a member of this declared type, kept in <paramref name="storage"/>, can hold.</summary>
        public HeldValue Holds(ITypeSymbol type, MemberStorage storage = MemberStorage.InstanceField)
        {
            var kind = type switch
            {
                IErrorTypeSymbol => DeclaredTypeKind.Unbound,
                IDynamicTypeSymbol => DeclaredTypeKind.Object,
                ITypeParameterSymbol => DeclaredTypeKind.TypeParameter,
                { SpecialType: SpecialType.System_Object } => DeclaredTypeKind.Object,
                { TypeKind: TypeKind.Interface } => DeclaredTypeKind.Interface,
                { TypeKind: TypeKind.Error } => DeclaredTypeKind.Unbound,
                { TypeKind: TypeKind.Class } => DeclaredTypeKind.Class,
                _ => DeclaredTypeKind.Other,
            };
            var torchSharpBase = kind != DeclaredTypeKind.Class ? TorchSharpBase.None
                : IsModule(type) ? TorchSharpBase.Module
                : IsParameter(type) ? TorchSharpBase.Parameter
                : Tensor is not null && InheritsFrom(type, Tensor) ? TorchSharpBase.Tensor
                : TorchSharpBase.None;
            return ParameterHolders.Of(storage, kind, torchSharpBase);
        }

        /// <summary>Whether a property has a compiler-generated backing field (which TorchSharp registers).</summary>
        private static bool IsAutoProperty(IPropertySymbol property)
        {
            foreach (var member in property.ContainingType.GetMembers())
            {
                if (member is IFieldSymbol { AssociatedSymbol: { } associated } && SymbolEqualityComparer.Default.Equals(associated, property))
                {
                    return true;
                }
            }

            return false;
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

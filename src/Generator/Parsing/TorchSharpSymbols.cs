using Microsoft.CodeAnalysis;

namespace WdGen.Generator.Parsing
{
    /// <summary>The TorchSharp (and WdGen) symbols of one compilation, looked up by metadata name.</summary>
    internal sealed class TorchSharpSymbols
    {
        private TorchSharpSymbols(INamedTypeSymbol module, INamedTypeSymbol? parameter, INamedTypeSymbol? tensor, INamedTypeSymbol? componentName, INamedTypeSymbol? contributor)
        {
            Module = module;
            Parameter = parameter;
            Tensor = tensor;
            ComponentNameAttribute = componentName;
            Contributor = contributor;
        }

        public INamedTypeSymbol Module { get; }

        public INamedTypeSymbol? Parameter { get; }

        public INamedTypeSymbol? Tensor { get; }

        /// <summary>TorchSharp's <c>[ComponentName]</c>, present from 0.101.1.</summary>
        public INamedTypeSymbol? ComponentNameAttribute { get; }

        public INamedTypeSymbol? Contributor { get; }

        /// <summary>The symbols, or null when the compilation does not reference TorchSharp.</summary>
        public static TorchSharpSymbols? From(Compilation compilation)
        {
            var module = compilation.GetTypeByMetadataName(TorchSharpLayers.ModuleMetadataName);
            return module is null
                ? null
                : new TorchSharpSymbols(
                    module,
                    compilation.GetTypeByMetadataName(TorchSharpLayers.ParameterMetadataName),
                    compilation.GetTypeByMetadataName(TorchSharpLayers.TensorMetadataName),
                    compilation.GetTypeByMetadataName(TorchSharpLayers.ComponentNameAttributeMetadataName),
                    compilation.GetTypeByMetadataName(WdGenNames.ContributorInterface));
        }

        public bool IsModule(ITypeSymbol type) => InheritsFrom(type, Module);

        public bool IsParameter(ITypeSymbol type) => Parameter is not null && InheritsFrom(type, Parameter);

        public bool IsTensor(ITypeSymbol type) => Tensor is not null && InheritsFrom(type, Tensor);

        /// <summary>Whether the type implements WdGen's contributor interface (a model compiled in another assembly).</summary>
        public bool IsContributor(INamedTypeSymbol type)
        {
            if (Contributor is null)
            {
                return false;
            }

            foreach (var implemented in type.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, Contributor))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Whether a type comes from TorchSharp itself (<c>Module</c>, <c>Module&lt;T, TResult&gt;</c>, a layer): the
        /// field walk stops there, since TorchSharp's own types register their parts themselves.
        /// </summary>
        public bool IsTorchSharpBase(INamedTypeSymbol type)
            => SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, Module.ContainingAssembly);

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

using System.Linq;
using Microsoft.CodeAnalysis;

namespace WdGen.Analyzers
{
    /// <summary>A field or property of a class with something for the declaration rules to check (a WdGen attribute, or a module or Parameter it holds).</summary>
    internal sealed class DeclaredMember
    {
        private Location? location;
        private bool locationRead;

        public DeclaredMember(INamedTypeSymbol owner, bool ownerIsModule, ISymbol symbol, ITypeSymbol type, HeldValue held, AttributeData? decay, AttributeData? noDecay, AttributeData? learningRate)
        {
            Owner = owner;
            OwnerIsModule = ownerIsModule;
            Symbol = symbol;
            Type = type;
            Held = held;
            Decay = decay;
            NoDecay = noDecay;
            LearningRate = learningRate;
        }

        public INamedTypeSymbol Owner { get; }

        /// <summary>Whether <see cref="Owner"/> is a TorchSharp module.</summary>
        public bool OwnerIsModule { get; }

        public ISymbol Symbol { get; }

        /// <summary>The member's declared type.</summary>
        public ITypeSymbol Type { get; }

        /// <summary>What it can hold (<see cref="ParameterHolders"/>); <see cref="HeldValue.Nothing"/> outside modules.</summary>
        public HeldValue Held { get; }

        public AttributeData? Decay { get; }

        public AttributeData? NoDecay { get; }

        public AttributeData? LearningRate { get; }

        /// <summary>The member's place in source, or null; read only when a rule reports (Symbol.Locations allocates on every call).</summary>
        public Location? Location
        {
            get
            {
                if (!locationRead)
                {
                    location = Symbol.Locations.FirstOrDefault(l => l.IsInSource);
                    locationRead = true;
                }

                return location;
            }
        }
    }
}

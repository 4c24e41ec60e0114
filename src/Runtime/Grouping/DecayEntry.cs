using System;
using System.Collections.Generic;

namespace WdGen
{
    /// <summary>One trainable tensor of a model and its decay decision.</summary>
    /// <typeparam name="T">The parameter type.</typeparam>
    public sealed class DecayEntry<T>
        where T : class
    {
        internal DecayEntry(string name, T parameter, ParameterRole role, bool decays, double scale, string reason, long elementCount, IReadOnlyList<string> aliases)
        {
            Name = name;
            Parameter = parameter;
            Role = role;
            Decays = decays;
            Scale = scale;
            Reason = reason;
            ElementCount = elementCount;
            Aliases = aliases;
        }

        /// <summary>The name TorchSharp's <c>named_parameters()</c> gives it (the first path, for a tied tensor).</summary>
        public string Name { get; }

        /// <summary>The parameter object found under <see cref="Name"/>.</summary>
        public T Parameter { get; }

        /// <summary>Its role in its layer.</summary>
        public ParameterRole Role { get; }

        /// <summary>Whether it decays.</summary>
        public bool Decays { get; }

        /// <summary>The multiplier on the optimizer group's weight decay (0 when it does not decay).</summary>
        public double Scale { get; }

        /// <summary>Which rule or attribute decided, in words.</summary>
        public string Reason { get; }

        /// <summary>The number of elements of the tensor.</summary>
        public long ElementCount { get; }

        /// <summary>Other paths of the same tensor (tied weights), which the groups do not list again.</summary>
        public IReadOnlyList<string> Aliases { get; }

        /// <inheritdoc/>
        public override string ToString() => Name + (Decays ? " (decay ×" + DecayPolicy.FormatScale(Scale) + ")" : " (no decay)");
    }

    /// <summary>The parameters that share one weight-decay multiplier: one optimizer param group.</summary>
    /// <typeparam name="T">The parameter type.</typeparam>
    public sealed class ScaledParameterGroup<T>
        where T : class
    {
        internal ScaledParameterGroup(double scale, IReadOnlyList<DecayEntry<T>> entries)
        {
            Scale = scale;
            Entries = entries;
            var parameters = new T[entries.Count];
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i] = entries[i].Parameter;
            }

            Parameters = parameters;
        }

        /// <summary>The multiplier on the optimizer's weight decay; 0 for the no-decay group.</summary>
        public double Scale { get; }

        /// <summary>The entries, in model order.</summary>
        public IReadOnlyList<DecayEntry<T>> Entries { get; }

        /// <summary>The parameters, in model order, as an array: optimizers keep the order for their state.</summary>
        public IReadOnlyList<T> Parameters { get; }

        /// <summary>The group's weight decay for an optimizer weight decay of <paramref name="weightDecay"/>.</summary>
        public double WeightDecayFor(double weightDecay) => Scale == 0.0 ? 0.0 : weightDecay * Scale;
    }

    /// <summary>A name whose tensor is listed under an earlier name (a tied weight).</summary>
    public readonly struct DecayAlias : IEquatable<DecayAlias>
    {
        /// <summary>Creates an alias record.</summary>
        public DecayAlias(string alias, string name)
        {
            Alias = alias;
            Name = name;
        }

        /// <summary>The later path.</summary>
        public string Alias { get; }

        /// <summary>The entry's name (the first path).</summary>
        public string Name { get; }

        /// <inheritdoc/>
        public bool Equals(DecayAlias other) => Alias == other.Alias && Name == other.Name;

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is DecayAlias other && Equals(other);

        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(Alias, Name);

        /// <inheritdoc/>
        public override string ToString() => Alias + " → " + Name;
    }
}

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
            : this(name, parameter, role, decays, scale, reason, elementCount, aliases, 1.0, null, null)
        {
        }

        internal DecayEntry(
            string name,
            T parameter,
            ParameterRole role,
            bool decays,
            double scale,
            string reason,
            long elementCount,
            IReadOnlyList<string> aliases,
            double learningRateScale,
            string? learningRateReason,
            DecayLayer? layer)
        {
            Name = name;
            Parameter = parameter;
            Role = role;
            Decays = decays;
            Scale = scale;
            Reason = reason;
            ElementCount = elementCount;
            Aliases = aliases;
            LearningRateScale = learningRateScale;
            LearningRateReason = learningRateReason;
            Layer = layer;
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

        /// <summary>
        /// The multiplier on the optimizer group's learning rate: the product of the <c>[LearningRate]</c> scales on
        /// the parameter's path and of any <see cref="DecayGroups{T}.ScaleLearningRate"/> rules applied; 1 by default.
        /// </summary>
        public double LearningRateScale { get; }

        /// <summary>What set <see cref="LearningRateScale"/>, in words (e.g. <c>[LearningRate(0.1)] on Net.backbone</c>); null when nothing did.</summary>
        public string? LearningRateReason { get; }

        /// <summary>
        /// Where the parameter sits in the model's outermost <c>ModuleList</c>/<c>Sequential</c> (the layer stack
        /// <see cref="DecayGroups{T}.WithLayerwiseDecay"/> numbers), or null when it is in none.
        /// </summary>
        public DecayLayer? Layer { get; }

        /// <inheritdoc/>
        public override string ToString()
            => Name + (Decays ? " (decay ×" + DecayPolicy.FormatScale(Scale) : " (no decay")
                + (LearningRateScale == 1.0 ? string.Empty : ", lr ×" + DecayPolicy.FormatScale(LearningRateScale)) + ")";

        /// <summary>This entry with its learning-rate scale multiplied by <paramref name="factor"/>, <paramref name="why"/> added to the reason.</summary>
        internal DecayEntry<T> ScaleLearningRate(double factor, string why)
            => new(
                Name,
                Parameter,
                Role,
                Decays,
                Scale,
                Reason,
                ElementCount,
                Aliases,
                LearningRateScale * factor,
                LearningRateReason is null ? why : LearningRateReason + " × " + why,
                Layer);
    }

    /// <summary>
    /// A parameter's place in the model's outermost <c>ModuleList</c>/<c>Sequential</c>: the container's path and
    /// the index of the item the parameter is in.
    /// </summary>
    public sealed class DecayLayer : IEquatable<DecayLayer>
    {
        /// <summary>Creates a layer record.</summary>
        public DecayLayer(string stack, int index, int count)
        {
            Stack = stack ?? throw new ArgumentNullException(nameof(stack));
            Index = index;
            Count = count;
        }

        /// <summary>The container's path, e.g. <c>blocks</c> or <c>encoder.layers</c>.</summary>
        public string Stack { get; }

        /// <summary>The item's index in the container (0-based, as in the parameter's name <c>blocks.3.…</c>).</summary>
        public int Index { get; }

        /// <summary>How many items the container has (with or without parameters).</summary>
        public int Count { get; }

        /// <inheritdoc/>
        public bool Equals(DecayLayer? other) => other is not null && Stack == other.Stack && Index == other.Index && Count == other.Count;

        /// <inheritdoc/>
        public override bool Equals(object? obj) => Equals(obj as DecayLayer);

        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(Stack, Index, Count);

        /// <inheritdoc/>
        public override string ToString() => Stack + "." + Index.ToString(System.Globalization.CultureInfo.InvariantCulture) + " of " + Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The parameters that share one weight-decay multiplier and one learning-rate multiplier: one optimizer param group.</summary>
    /// <typeparam name="T">The parameter type.</typeparam>
    public sealed class ScaledParameterGroup<T>
        where T : class
    {
        internal ScaledParameterGroup(double scale, IReadOnlyList<DecayEntry<T>> entries)
            : this(scale, 1.0, entries)
        {
        }

        internal ScaledParameterGroup(double scale, double learningRateScale, IReadOnlyList<DecayEntry<T>> entries)
        {
            Scale = scale;
            LearningRateScale = learningRateScale;
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

        /// <summary>The multiplier on the optimizer's learning rate (1 unless <c>[LearningRate]</c> or a learning-rate rule says otherwise).</summary>
        public double LearningRateScale { get; }

        /// <summary>The group's weight decay for an optimizer weight decay of <paramref name="weightDecay"/>.</summary>
        public double WeightDecayFor(double weightDecay) => Scale == 0.0 ? 0.0 : weightDecay * Scale;

        /// <summary>The group's learning rate for an optimizer learning rate of <paramref name="learningRate"/>: <c>learningRate × LearningRateScale</c>.</summary>
        public double LearningRateFor(double learningRate) => LearningRateScale == 1.0 ? learningRate : learningRate * LearningRateScale;
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

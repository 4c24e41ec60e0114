using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace WdGen
{
    /// <summary>
    /// A model's trainable parameters split into decay and no-decay entries, in a deterministic order,
    /// validated against what TorchSharp registered: every trainable tensor exactly once.
    /// </summary>
    /// <typeparam name="T">The parameter type (TorchSharp's <c>Parameter</c> in generated code).</typeparam>
    public sealed class DecayGroups<T>
        where T : class
    {
        internal DecayGroups(string model, IReadOnlyList<DecayEntry<T>> entries, IReadOnlyList<string> frozen)
        {
            Model = model;
            Entries = entries;
            Frozen = frozen;

            var decay = new List<DecayEntry<T>>();
            var noDecay = new List<DecayEntry<T>>();
            var aliases = new List<DecayAlias>();
            foreach (var entry in entries)
            {
                (entry.Decays ? decay : noDecay).Add(entry);
                foreach (var alias in entry.Aliases)
                {
                    aliases.Add(new DecayAlias(alias, entry.Name));
                }
            }

            Decay = decay;
            NoDecay = noDecay;
            Aliases = aliases;
            ScaledGroups = CreateScaledGroups(decay, noDecay);
            Fingerprint = ComputeFingerprint(entries);
        }

        /// <summary>The model type the groups were built for.</summary>
        public string Model { get; }

        /// <summary>All entries in model order (fields in declaration order, containers in index order).</summary>
        public IReadOnlyList<DecayEntry<T>> Entries { get; }

        /// <summary>The entries that decay, in model order.</summary>
        public IReadOnlyList<DecayEntry<T>> Decay { get; }

        /// <summary>The entries that do not decay, in model order.</summary>
        public IReadOnlyList<DecayEntry<T>> NoDecay { get; }

        /// <summary>Later paths of tied tensors; each tensor is listed once, under its first path.</summary>
        public IReadOnlyList<DecayAlias> Aliases { get; }

        /// <summary>Names of frozen parameters (<c>requires_grad</c> false) that were left out.</summary>
        public IReadOnlyList<string> Frozen { get; }

        /// <summary>
        /// One group per distinct (decay scale, learning-rate scale) pair of the decaying entries, in order of first
        /// appearance, then one no-decay group (decay scale 0) per distinct learning-rate scale, in order of first
        /// appearance: the fewest groups that give every parameter its own weight decay and learning rate, in an order
        /// that depends only on the model. Empty groups are omitted; without learning-rate scales this is one group per
        /// decay scale, then the no-decay group. This is the param-group list optimizers receive.
        /// </summary>
        public IReadOnlyList<ScaledParameterGroup<T>> ScaledGroups { get; }

        /// <summary>
        /// A stable hash (hex SHA-256) of every entry's name, element count, role and decision (decay scale, and the
        /// learning-rate scale where it is not 1), and of the aliases: equal fingerprints mean optimizer state saved for
        /// one run lines up with the other. A learning-rate scale moves parameters between param groups exactly as a
        /// decay scale does, so it counts the same way; groups without learning-rate scales keep the fingerprint they
        /// had before learning-rate scales existed.
        /// </summary>
        public string Fingerprint { get; }

        /// <summary>The entry named <paramref name="name"/> (or whose alias it is).</summary>
        public DecayEntry<T> this[string name]
            => Find(name) ?? throw new KeyNotFoundException("The decay groups of " + Model + " have no parameter named '" + name + "'.");

        /// <summary>The entry named <paramref name="name"/> (or whose alias it is), or null.</summary>
        public DecayEntry<T>? Find(string name)
        {
            foreach (var entry in Entries)
            {
                if (entry.Name == name || Contains(entry.Aliases, name))
                {
                    return entry;
                }
            }

            return null;
        }

        /// <summary>
        /// New groups with each entry's learning-rate scale multiplied by <paramref name="scale"/>(entry): for rules
        /// such as layer-wise decay (<see cref="WithLayerwiseDecay"/>) or a slower learning rate for embeddings. The
        /// groups are regrouped by (decay scale, learning-rate scale); these groups are left as they are.
        /// </summary>
        /// <param name="scale">The factor for an entry; positive and finite.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> returns a factor that is not positive and finite (the entry is named).</exception>
        public DecayGroups<T> ScaleLearningRate(Func<DecayEntry<T>, double> scale)
        {
            if (scale is null)
            {
                throw new ArgumentNullException(nameof(scale));
            }

            return ScaleLearningRateBy(entry => (scale(entry), "×{0} (ScaleLearningRate)"));
        }

        /// <summary>
        /// New groups with layer-wise learning-rate decay, the rule of BEiT and timm: each parameter trains at
        /// <c>lr × factor^(depth − layer)</c>, times any scale it already had. The layers are the items of the model's
        /// layer stack, its outermost <c>ModuleList</c> or <c>Sequential</c> (the one whose index follows in the
        /// parameter's name, <c>blocks.3.…</c>): item i is layer i + 1, so with n items the layers are 1…n. Parameters
        /// walked before the first layer (embeddings) are layer 0, those after it (final norm, head) are layer
        /// depth = n + 1 and keep the full learning rate; a parameter of layer k trains at factor^(n + 1 − k), the
        /// embeddings at factor^(n + 1). With several stacks (a ModuleList of blocks and a Sequential head, say), name
        /// the one with the layers in <paramref name="layers"/>; parameters in the others count as before or after it.
        /// </summary>
        /// <param name="factor">The decay per layer, positive and finite (typically 0.65–0.9).</param>
        /// <param name="layers">The path of the layer stack, e.g. <c>blocks</c> or <c>encoder.layers</c>; needed only when the model has several.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> is not positive and finite.</exception>
        /// <exception cref="ArgumentException">The model has no layer stack, several and <paramref name="layers"/> is null, or none at <paramref name="layers"/>.</exception>
        public DecayGroups<T> WithLayerwiseDecay(double factor, string? layers = null)
        {
            if (!DecayRule.IsPositiveFinite(factor))
            {
                throw new ArgumentOutOfRangeException(nameof(factor), factor, "The layer-wise decay factor must be positive and finite.");
            }

            var stacks = new List<string>();
            foreach (var entry in Entries)
            {
                if (entry.Layer is { } layer && !stacks.Contains(layer.Stack))
                {
                    stacks.Add(layer.Stack);
                }
            }

            string stack;
            if (layers is not null)
            {
                stack = stacks.Contains(layers)
                    ? layers
                    : throw new ArgumentException(
                        "WithLayerwiseDecay: " + Model + " has no ModuleList or Sequential with trainable parameters at '" + layers + "'"
                        + (stacks.Count == 0 ? "." : "; its layer stacks are '" + string.Join("', '", stacks) + "'."),
                        nameof(layers));
            }
            else if (stacks.Count == 1)
            {
                stack = stacks[0];
            }
            else
            {
                throw new ArgumentException(
                    stacks.Count == 0
                        ? "WithLayerwiseDecay: " + Model + " has no ModuleList or Sequential of layers to number. Use ScaleLearningRate(entry => …) with a rule of your own."
                        : "WithLayerwiseDecay: " + Model + " has several layer stacks ('" + string.Join("', '", stacks) + "'): name the one to number, e.g. WithLayerwiseDecay("
                          + DecayPolicy.FormatScale(factor) + ", layers: \"" + stacks[0] + "\").",
                    nameof(layers));
            }

            var first = -1;
            var count = 0;
            for (var i = 0; i < Entries.Count && first < 0; i++)
            {
                if (Entries[i].Layer is { } layer && layer.Stack == stack)
                {
                    first = i;
                    count = layer.Count;
                }
            }

            var depth = count + 1;
            var positions = new Dictionary<DecayEntry<T>, int>();
            for (var i = 0; i < Entries.Count; i++)
            {
                positions[Entries[i]] = i;
            }

            var factorText = DecayPolicy.FormatScale(factor);
            var depthText = depth.ToString(CultureInfo.InvariantCulture);
            return ScaleLearningRateBy(entry =>
            {
                var layer = entry.Layer is { } l && l.Stack == stack ? l.Index + 1 : positions[entry] < first ? 0 : depth;
                var layerText = layer.ToString(CultureInfo.InvariantCulture);
                var where = layer == 0 ? "before " + stack : layer == depth ? "after " + stack : stack + "." + (layer - 1).ToString(CultureInfo.InvariantCulture);
                return (Math.Pow(factor, depth - layer), "layer-wise decay: layer " + layerText + " of 0…" + depthText + " (" + where + "), " + factorText + "^" + (depth - layer).ToString(CultureInfo.InvariantCulture) + " = {0}");
            });
        }

        /// <summary>A readable table: one row per entry with its role, decision, size and reason.</summary>
        public override string ToString()
        {
            var output = new StringBuilder();
            output.Append("Decay groups of ").Append(Model).Append(": ")
                .Append(Decay.Count).Append(" decay (").Append(FormatCount(Sum(Decay))).Append(" elements), ")
                .Append(NoDecay.Count).Append(" no decay (").Append(FormatCount(Sum(NoDecay))).Append(" elements); fingerprint ")
                .Append(Fingerprint, 0, 12).Append('\n');

            // The lr column only where some learning rate is scaled: tables of models without scales read as before.
            var scaled = false;
            foreach (var entry in Entries)
            {
                scaled |= entry.LearningRateScale != 1.0;
            }

            var rows = new List<string[]>();
            foreach (var entry in Entries)
            {
                var name = entry.Aliases.Count == 0 ? entry.Name : entry.Name + " (= " + string.Join(", ", entry.Aliases) + ")";
                var decision = entry.Decays ? "×" + DecayPolicy.FormatScale(entry.Scale) : "no";
                rows.Add(scaled
                    ? new[] { name, entry.Role.ToString(), decision, "×" + DecayPolicy.FormatScale(entry.LearningRateScale), FormatCount(entry.ElementCount), entry.Reason + (entry.LearningRateReason is null ? string.Empty : "; lr: " + entry.LearningRateReason) }
                    : new[] { name, entry.Role.ToString(), decision, FormatCount(entry.ElementCount), entry.Reason });
            }

            TextTable.Render(output, scaled ? new[] { "parameter", "role", "decay", "lr", "elements", "reason" } : new[] { "parameter", "role", "decay", "elements", "reason" }, rows);
            foreach (var name in Frozen)
            {
                output.Append("frozen, left out: ").Append(name).Append('\n');
            }

            return output.ToString();
        }

        /// <summary>New groups of the same model with each entry's learning-rate scale multiplied by the rule's factor; <c>{0}</c> in its words is the factor.</summary>
        private DecayGroups<T> ScaleLearningRateBy(Func<DecayEntry<T>, (double Factor, string Why)> rule)
        {
            var entries = new List<DecayEntry<T>>(Entries.Count);
            foreach (var entry in Entries)
            {
                var (factor, why) = rule(entry);
                if (!DecayRule.IsPositiveFinite(factor))
                {
                    throw new ArgumentOutOfRangeException(
                        "scale", factor, "The learning-rate factor for '" + entry.Name + "' of " + Model + " must be positive and finite.");
                }

                entries.Add(entry.ScaleLearningRate(factor, why.Replace("{0}", DecayPolicy.FormatScale(factor))));
            }

            return new DecayGroups<T>(Model, entries, Frozen);
        }

        private static IReadOnlyList<ScaledParameterGroup<T>> CreateScaledGroups(List<DecayEntry<T>> decay, List<DecayEntry<T>> noDecay)
        {
            var groups = new List<ScaledParameterGroup<T>>();
            AddGroups(groups, decay);
            AddGroups(groups, noDecay);
            return groups;
        }

        /// <summary>One group per distinct (decay scale, learning-rate scale) of <paramref name="entries"/>, in order of first appearance.</summary>
        private static void AddGroups(List<ScaledParameterGroup<T>> groups, List<DecayEntry<T>> entries)
        {
            var keys = new List<(double Scale, double LearningRateScale)>();
            var members = new List<List<DecayEntry<T>>>();
            foreach (var entry in entries)
            {
                var key = (entry.Decays ? entry.Scale : 0.0, entry.LearningRateScale);
                var index = keys.IndexOf(key);
                if (index < 0)
                {
                    keys.Add(key);
                    members.Add(new List<DecayEntry<T>>());
                    index = keys.Count - 1;
                }

                members[index].Add(entry);
            }

            for (var i = 0; i < keys.Count; i++)
            {
                groups.Add(new ScaledParameterGroup<T>(keys[i].Scale, keys[i].LearningRateScale, members[i]));
            }
        }

        private static string ComputeFingerprint(IReadOnlyList<DecayEntry<T>> entries)
        {
            var text = new StringBuilder();
            foreach (var entry in entries)
            {
                text.Append(entry.Name).Append('\t')
                    .Append(entry.ElementCount.ToString(CultureInfo.InvariantCulture)).Append('\t')
                    .Append(entry.Role).Append('\t')
                    .Append(entry.Decays ? DecayPolicy.FormatScale(entry.Scale) : "-");
                if (entry.LearningRateScale != 1.0)
                {
                    // In the decision's field (which has no spaces otherwise), so no alias can read the same.
                    text.Append(" lr ").Append(DecayPolicy.FormatScale(entry.LearningRateScale));
                }

                foreach (var alias in entry.Aliases)
                {
                    text.Append('\t').Append(alias);
                }

                text.Append('\n');
            }

            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString()));
            return Convert.ToHexString(hash).ToLowerInvariant();
        }

        private static long Sum(IReadOnlyList<DecayEntry<T>> entries)
        {
            long total = 0;
            foreach (var entry in entries)
            {
                total += entry.ElementCount;
            }

            return total;
        }

        private static string FormatCount(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

        private static bool Contains(IReadOnlyList<string> names, string name)
        {
            foreach (var candidate in names)
            {
                if (candidate == name)
                {
                    return true;
                }
            }

            return false;
        }
    }
}

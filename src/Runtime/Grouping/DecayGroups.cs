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
        /// One group per distinct decay scale, in order of first appearance, then the no-decay group
        /// (scale 0); empty groups are omitted. This is the param-group list optimizers receive.
        /// </summary>
        public IReadOnlyList<ScaledParameterGroup<T>> ScaledGroups { get; }

        /// <summary>
        /// A stable hash (hex SHA-256) of every entry's name, element count, role and decision, and of the aliases:
        /// equal fingerprints mean optimizer state saved for one run lines up with the other.
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

        /// <summary>A readable table: one row per entry with its role, decision, size and reason.</summary>
        public override string ToString()
        {
            var output = new StringBuilder();
            output.Append("Decay groups of ").Append(Model).Append(": ")
                .Append(Decay.Count).Append(" decay (").Append(FormatCount(Sum(Decay))).Append(" elements), ")
                .Append(NoDecay.Count).Append(" no decay (").Append(FormatCount(Sum(NoDecay))).Append(" elements); fingerprint ")
                .Append(Fingerprint, 0, 12).Append('\n');

            var rows = new List<string[]>();
            foreach (var entry in Entries)
            {
                var name = entry.Aliases.Count == 0 ? entry.Name : entry.Name + " (= " + string.Join(", ", entry.Aliases) + ")";
                var decision = entry.Decays ? "×" + DecayPolicy.FormatScale(entry.Scale) : "no";
                rows.Add(new[] { name, entry.Role.ToString(), decision, FormatCount(entry.ElementCount), entry.Reason });
            }

            TextTable.Render(output, new[] { "parameter", "role", "decay", "elements", "reason" }, rows);
            foreach (var name in Frozen)
            {
                output.Append("frozen, left out: ").Append(name).Append('\n');
            }

            return output.ToString();
        }

        private static IReadOnlyList<ScaledParameterGroup<T>> CreateScaledGroups(List<DecayEntry<T>> decay, List<DecayEntry<T>> noDecay)
        {
            var scales = new List<double>();
            var members = new List<List<DecayEntry<T>>>();
            foreach (var entry in decay)
            {
                var index = scales.IndexOf(entry.Scale);
                if (index < 0)
                {
                    scales.Add(entry.Scale);
                    members.Add(new List<DecayEntry<T>>());
                    index = scales.Count - 1;
                }

                members[index].Add(entry);
            }

            var groups = new List<ScaledParameterGroup<T>>();
            for (var i = 0; i < scales.Count; i++)
            {
                groups.Add(new ScaledParameterGroup<T>(scales[i], members[i]));
            }

            if (noDecay.Count > 0)
            {
                groups.Add(new ScaledParameterGroup<T>(0.0, noDecay));
            }

            return groups;
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

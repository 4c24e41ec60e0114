using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using WdGen.Generator.Model;

namespace WdGen.Generator.Parsing
{
    /// <summary>
    /// Joins the partial declarations of each class and keeps the models: classes with <c>[DecayGroups]</c>, or with
    /// <c>[Decay]</c>/<c>[NoDecay]</c> on a member, that the generator can extend (every declaration around them
    /// partial, none file-local, and a base class somewhere). Attribute names are matched the way C# resolves them
    /// for WdGen: qualified with WdGen, imported with <c>using WdGen;</c> (file, namespace or global), or through an alias.
    /// </summary>
    internal static class ModelCollector
    {
        public static ImmutableArray<ModelSpec> Collect(ImmutableArray<SyntaxSpec?> parts, NameScope globalScope, CancellationToken cancellationToken)
        {
            var models = new List<ModelSpec>();
            foreach (var group in parts.OfType<PartSpec>().GroupBy(p => p.Key, StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ordered = group.OrderBy(p => p.FilePath, StringComparer.Ordinal).ThenBy(p => p.Position).ToList();
                var isModel = ordered.Any(p => p.ClassAttributes.Any(a => Names(a, "DecayGroups", p.Scope, globalScope))
                    || p.MemberAttributes.Any(a => Names(a, "Decay", p.Scope, globalScope) || Names(a, "NoDecay", p.Scope, globalScope)));

                // No base class at all: certainly not a TorchSharp module (WDG007 says so); nothing to generate.
                if (!isModel || !ordered.Any(p => p.HasBaseList) || ordered.Any(p => !p.CanExtend))
                {
                    continue;
                }

                var first = ordered[0];
                models.Add(new ModelSpec(
                    first.Key.Replace('+', '.').Replace('`', '_') + ".g.cs",
                    first.Namespace,
                    first.ContainingTypes,
                    first.Type,
                    ordered.SelectMany(p => p.Members).ToEquatableArray()));
            }

            return models.OrderBy(m => m.HintName, StringComparer.Ordinal).ToImmutableArray();
        }

        /// <summary>The global usings of WdGen in the compilation, folded into one scope.</summary>
        public static NameScope GlobalScope(ImmutableArray<SyntaxSpec?> specs)
            => GlobalScope(specs.OfType<GlobalUsingSpec>().Select(u => u.Using).ToList());

        private static NameScope GlobalScope(List<AliasSpec> usings)
            => usings.Count == 0
                ? NameScope.None
                : new NameScope(
                    usings.Any(u => u.Alias.Length == 0 && u.Target == "WdGen"),
                    usings.Where(u => u.Alias.Length > 0).OrderBy(u => u.Alias, StringComparer.Ordinal).ThenBy(u => u.Target, StringComparer.Ordinal).ToEquatableArray());

        /// <summary>Whether an attribute written as <paramref name="written"/> names WdGen's <paramref name="attribute"/> (without the Attribute suffix).</summary>
        private static bool Names(string written, string attribute, NameScope local, NameScope global)
        {
            var qualified = "WdGen." + attribute;
            if (Is(written, qualified))
            {
                return true;
            }

            // An alias of the attribute itself ([DG]), or of the namespace ([W.DecayGroups], [W::DecayGroups]).
            var separator = written.IndexOfAny(new[] { '.', ':' });
            var head = separator < 0 ? written : written.Substring(0, separator);
            var tail = separator < 0 ? string.Empty : written.Substring(written[separator] == ':' ? separator + 2 : separator + 1);
            foreach (var alias in local.Aliases.Concat(global.Aliases))
            {
                if (separator < 0 && (alias.Alias == written || alias.Alias + "Attribute" == written) && Is(alias.Target, qualified))
                {
                    return true;
                }

                if (separator > 0 && alias.Alias == head && alias.Target == "WdGen" && Is(tail, attribute))
                {
                    return true;
                }
            }

            return separator < 0 && (local.ImportsWdGen || global.ImportsWdGen) && Is(written, attribute);
        }

        private static bool Is(string written, string name) => written == name || written == name + "Attribute";
    }
}

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
    /// <c>[Decay]</c>/<c>[NoDecay]</c>/<c>[LearningRate]</c> on a member, that the generator can extend (every declaration around them
    /// partial, none file-local, and a base class somewhere). Attribute names are matched the way C# resolves them
    /// for WdGen: qualified with WdGen, imported with <c>using WdGen;</c> (file, namespace or global), or through an alias.
    /// </summary>
    internal static class ModelCollector
    {
        /// <summary>The models of the compilation, one <see cref="FileSpec"/> per source file that declares one first.</summary>
        public static ImmutableArray<FileSpec> Collect(ImmutableArray<SyntaxSpec?> parts, NameScope globalScope, CancellationToken cancellationToken)
        {
            var models = new List<(PartSpec First, ModelSpec Model)>();
            foreach (var group in parts.OfType<PartSpec>().GroupBy(p => p.Key, StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ordered = group.OrderBy(p => p.FilePath, StringComparer.Ordinal).ThenBy(p => p.Position).ToList();
                var isModel = ordered.Any(p => p.ClassAttributes.Any(a => Names(a, "DecayGroups", p.Scope, globalScope))
                    || p.MemberAttributes.Any(a => Names(a, "Decay", p.Scope, globalScope) || Names(a, "NoDecay", p.Scope, globalScope)
                        || Names(a, "LearningRate", p.Scope, globalScope)));

                // No base class at all: certainly not a TorchSharp module (WDG007 says so); nothing to generate.
                if (!isModel || !ordered.Any(p => p.HasBaseList) || ordered.Any(p => !p.CanExtend))
                {
                    continue;
                }

                var first = ordered[0];
                models.Add((first, new ModelSpec(
                    first.Namespace,
                    first.ContainingTypes,
                    first.Type,
                    ordered.SelectMany(p => p.Members).ToEquatableArray())));
            }

            var files = models
                .GroupBy(m => m.First.FilePath, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (Path: g.Key, Models: g.OrderBy(m => m.First.Position).Select(m => m.Model).ToEquatableArray()))
                .ToList();
            var hintNames = HintNames(files.Select(f => f.Path).ToList());
            return files.Select((f, i) => new FileSpec(hintNames[i], FileName(f.Path), f.Models)).ToImmutableArray();
        }

        /// <summary>
        /// <c>Gpt.DecayGroups.g.cs</c> for <c>Models/Gpt.cs</c>: the source file's name, made safe for a hint name. Files
        /// of the same name in other folders (compared as Roslyn compares hint names, ignoring case) are numbered in path
        /// order: <c>Gpt.2.DecayGroups.g.cs</c>. The folders themselves are left out, so the names do not depend on where
        /// the project sits on disk.
        /// </summary>
        private static List<string> HintNames(List<string> paths)
        {
            var stems = paths.Select(p => SafeStem(FileName(p))).ToList();
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var names = new List<string>();
            foreach (var stem in stems)
            {
                var name = stem;
                for (var n = 2; !used.Add(name); n++)
                {
                    name = stem + "." + n;
                }

                names.Add(name + ".DecayGroups.g.cs");
            }

            return names;
        }

        private static string FileName(string path)
        {
            var slash = path.LastIndexOfAny(new[] { '/', '\\' });
            return path.Substring(slash + 1);
        }

        private static string SafeStem(string fileName)
        {
            var dot = fileName.LastIndexOf('.');
            var stem = dot > 0 ? fileName.Substring(0, dot) : fileName;
            var safe = new string(stem.Select(c => c < 128 && (char.IsLetterOrDigit(c) || c is '_' or '-' or '.') ? c : '_').ToArray()).Trim('.');
            return safe.Length == 0 ? "Source" : safe;
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

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace WdGen.Robustness.Tests.Infrastructure
{
    /// <summary>A mutated source and how it was made (enough to rebuild it from the input).</summary>
    internal readonly record struct Variant(string Description, string Text);

    /// <summary>
    /// Deterministic variants of a source: truncations at token boundaries (all of them, or an even sample), and
    /// random deletions or duplications of 1–3 tokens with a seed derived from the input's name.
    /// </summary>
    internal static class Variants
    {
        public static IEnumerable<Variant> Truncations(string text, int limit)
        {
            var boundaries = Tokens(text).Select(t => t.FullSpan.Start).Append(text.Length).Distinct().ToList();
            foreach (var index in EvenSample(boundaries.Count, limit))
            {
                var at = boundaries[index];
                yield return new Variant("truncated at " + at, text.Substring(0, at));
            }
        }

        public static IEnumerable<Variant> Mutations(string text, string seedName, int count)
        {
            var tokens = Tokens(text).Where(t => t.Span.Length > 0).ToList();
            if (tokens.Count == 0)
            {
                yield break;
            }

            var random = new Random(StableSeed(seedName));
            for (var i = 0; i < count; i++)
            {
                var delete = i % 2 == 0;
                var picks = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => random.Next(tokens.Count)).Distinct().OrderByDescending(p => p).ToList();
                var builder = new StringBuilder(text);
                foreach (var pick in picks)
                {
                    var token = tokens[pick];
                    if (delete)
                    {
                        builder.Remove(token.SpanStart, token.Span.Length);
                    }
                    else
                    {
                        builder.Insert(token.Span.End, " " + token.Text);
                    }
                }

                var what = (delete ? "deleted" : "duplicated") + " tokens at " + string.Join(", ", picks.Select(p => tokens[p].SpanStart + " '" + tokens[p].Text + "'"));
                yield return new Variant(what, builder.ToString());
            }
        }

        /// <summary>Up to <paramref name="limit"/> indices of 0..count-1, evenly spaced, always including both ends.</summary>
        public static IEnumerable<int> EvenSample(int count, int limit)
        {
            if (count <= limit)
            {
                return Enumerable.Range(0, count);
            }

            if (limit <= 1)
            {
                return limit == 1 ? new[] { count / 2 } : Enumerable.Empty<int>();
            }

            return Enumerable.Range(0, limit).Select(i => (int)((long)i * (count - 1) / (limit - 1))).Distinct();
        }

        private static IEnumerable<SyntaxToken> Tokens(string text)
            => CSharpSyntaxTree.ParseText(text).GetRoot().DescendantTokens(descendIntoTrivia: false).Where(t => !t.IsKind(SyntaxKind.EndOfFileToken));

        /// <summary>FNV-1a: string.GetHashCode is randomized per process.</summary>
        private static int StableSeed(string name)
        {
            unchecked
            {
                var hash = 2166136261u;
                foreach (var c in name)
                {
                    hash = (hash ^ c) * 16777619u;
                }

                return (int)(hash & 0x7fffffff);
            }
        }
    }
}

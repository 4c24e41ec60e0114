using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace WdGen.Analyzers.Tests.Infrastructure
{
    /// <summary>
    /// Test markup: <c>{|WDG001:expr|}</c> expects WDG001 on <c>expr</c>; <c>[|expr|]</c> expects the test's default ID.
    /// Spans may nest.
    /// </summary>
    internal static class Markup
    {
        public static (string Source, List<(string Id, TextSpan Span)> Expected) Parse(string markup, string? defaultId)
        {
            var text = new StringBuilder();
            var expected = new List<(string, TextSpan)>();
            var open = new Stack<(string Id, int Start)>();
            for (var i = 0; i < markup.Length; i++)
            {
                if (Starts(markup, i, "[|"))
                {
                    open.Push((defaultId ?? throw new System.InvalidOperationException("[|…|] needs a default diagnostic ID."), text.Length));
                    i++;
                }
                else if (Starts(markup, i, "{|") && markup.IndexOf(':', i) is var colon && colon > i)
                {
                    open.Push((markup.Substring(i + 2, colon - i - 2), text.Length));
                    i = colon;
                }
                else if (Starts(markup, i, "|]") || Starts(markup, i, "|}"))
                {
                    var (id, start) = open.Pop();
                    expected.Add((id, TextSpan.FromBounds(start, text.Length)));
                    i++;
                }
                else
                {
                    text.Append(markup[i]);
                }
            }

            if (open.Count > 0)
            {
                throw new System.InvalidOperationException("Unclosed markup span.");
            }

            return (text.ToString(), expected);
        }

        private static bool Starts(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;
    }
}

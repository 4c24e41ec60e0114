using System;
using System.Collections.Generic;
using System.Text;

namespace WdGen
{
    /// <summary>Plain-text tables with aligned columns, for plans and groups printed to a console or log.</summary>
    internal static class TextTable
    {
        public static void Render(StringBuilder output, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
        {
            var widths = new int[headers.Count];
            for (var c = 0; c < headers.Count; c++)
            {
                widths[c] = headers[c].Length;
                foreach (var row in rows)
                {
                    widths[c] = Math.Max(widths[c], row[c].Length);
                }
            }

            AppendRow(output, headers, widths);
            var rule = new string[headers.Count];
            for (var c = 0; c < rule.Length; c++)
            {
                rule[c] = new string('-', widths[c]);
            }

            AppendRow(output, rule, widths);
            foreach (var row in rows)
            {
                AppendRow(output, row, widths);
            }
        }

        private static void AppendRow(StringBuilder output, IReadOnlyList<string> cells, int[] widths)
        {
            var line = new StringBuilder();
            for (var c = 0; c < cells.Count; c++)
            {
                // The last column is not padded, so lines carry no trailing spaces.
                line.Append(c == cells.Count - 1 ? cells[c] : cells[c].PadRight(widths[c] + 2));
            }

            output.Append(line.ToString().TrimEnd()).Append('\n');
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace WdGen.CompileBenchmarks
{
    /// <summary>
    /// Medians, and ratios paired by repetition. The machine is shared and its load drifts over minutes; the builds of
    /// one repetition run back to back, so the ratio within each repetition moves less than a ratio of two medians
    /// taken over the whole run. The tables give both.
    /// </summary>
    internal static class Statistics
    {
        public static double Median(IEnumerable<double> values) => Quantile(values, 0.5);

        /// <summary>The <paramref name="q"/> quantile, interpolated between the two nearest values.</summary>
        public static double Quantile(IEnumerable<double> values, double q)
        {
            var sorted = values.OrderBy(v => v).ToList();
            if (sorted.Count == 0)
            {
                return double.NaN;
            }

            var position = q * (sorted.Count - 1);
            var below = (int)Math.Floor(position);
            var above = Math.Min(below + 1, sorted.Count - 1);
            return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
        }

        /// <summary>
        /// "1.08× (1.03–1.12)": the median over the repetitions <c>i</c> of <c>values[i] / basis[i]</c>, with its
        /// quartiles.
        /// </summary>
        public static string PairedRatio(IReadOnlyList<double> values, IReadOnlyList<double> basis)
        {
            var ratios = values.Zip(basis, (v, b) => v / b).ToList();
            return Ratio(Median(ratios)) + " (" + Ratio(Quantile(ratios, 0.25)) + "–" + Ratio(Quantile(ratios, 0.75)) + ")";
        }

        public static string Ratio(double value) => value.ToString("F2", CultureInfo.InvariantCulture) + "×";
    }
}

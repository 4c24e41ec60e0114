using System.Linq;

namespace WdGen.Benchmarks
{
    internal static class Stats
    {
        public static double Median(double[] values)
        {
            var sorted = values.OrderBy(x => x).ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }
}

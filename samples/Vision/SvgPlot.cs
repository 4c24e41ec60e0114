using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace WdGen.Samples.Vision
{
    /// <summary>A hand-written SVG line chart: a few named series over the same x axis, with axes, ticks and a legend.</summary>
    internal static class SvgPlot
    {
        private const int Width = 720;
        private const int Height = 420;
        private const int Left = 70;
        private const int Right = 200;
        private const int Top = 40;
        private const int Bottom = 50;

        public static string LineChart(string title, string xLabel, string yLabel, IReadOnlyList<(string Name, string Colour, IReadOnlyList<double> Values)> series)
        {
            var count = series.Max(s => s.Values.Count);
            var min = series.SelectMany(s => s.Values).Min();
            var max = series.SelectMany(s => s.Values).Max();
            var pad = (max - min) * 0.05 + 1e-9;
            min -= pad;
            max += pad;
            var plotWidth = Width - Left - Right;
            var plotHeight = Height - Top - Bottom;
            double X(int i) => Left + (count <= 1 ? 0 : i * (double)plotWidth / (count - 1));
            double Y(double v) => Top + (max - v) / (max - min) * plotHeight;
            static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

            var svg = new StringBuilder();
            svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">");
            svg.AppendLine($"  <rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
            svg.AppendLine($"  <text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>");
            for (var t = 0; t <= 5; t++)
            {
                var v = min + (max - min) * t / 5;
                var y = Y(v);
                svg.AppendLine($"  <line x1=\"{Left}\" y1=\"{F(y)}\" x2=\"{Left + plotWidth}\" y2=\"{F(y)}\" stroke=\"#e5e5e5\"/>");
                svg.AppendLine($"  <text x=\"{Left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{v.ToString("0.###", CultureInfo.InvariantCulture)}</text>");
            }

            for (var t = 0; t <= 5; t++)
            {
                var i = (int)Math.Round((count - 1) * t / 5.0);
                svg.AppendLine($"  <text x=\"{F(X(i))}\" y=\"{Top + plotHeight + 18}\" text-anchor=\"middle\">{i}</text>");
            }

            svg.AppendLine($"  <line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotHeight}\" stroke=\"black\"/>");
            svg.AppendLine($"  <line x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Left + plotWidth}\" y2=\"{Top + plotHeight}\" stroke=\"black\"/>");
            svg.AppendLine($"  <text x=\"{Left + plotWidth / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">{Escape(xLabel)}</text>");
            svg.AppendLine($"  <text transform=\"translate(18 {Top + plotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(yLabel)}</text>");
            for (var s = 0; s < series.Count; s++)
            {
                var (name, colour, values) = series[s];
                var points = string.Join(" ", values.Select((v, i) => F(X(i)) + "," + F(Y(v))));
                svg.AppendLine($"  <polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"/>");
                var ly = Top + 20 + s * 22;
                svg.AppendLine($"  <line x1=\"{Left + plotWidth + 16}\" y1=\"{ly}\" x2=\"{Left + plotWidth + 40}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"2\"/>");
                svg.AppendLine($"  <text x=\"{Left + plotWidth + 46}\" y=\"{ly + 4}\">{Escape(name)}</text>");
            }

            svg.AppendLine("</svg>");
            return svg.ToString();
        }

        private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
    }
}

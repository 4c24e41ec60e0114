using System;

namespace WdGen.Samples
{
    /// <summary>A one-line progress bar on a terminal; milestone lines (every tenth) when output is redirected.</summary>
    internal sealed class ProgressBar
    {
        private const int Width = 30;
        private readonly string label;
        private readonly int total;
        private readonly bool interactive = !Console.IsOutputRedirected;
        private int lastMilestone = -1;

        public ProgressBar(string label, int total)
        {
            this.label = label;
            this.total = Math.Max(1, total);
        }

        public void Report(int done, string detail)
        {
            var filled = Math.Min(Width, done * Width / total);
            var line = "  " + label + " [" + new string('#', filled) + new string('.', Width - filled) + "] " + done + "/" + total + " " + detail;
            if (interactive)
            {
                var width = Console.BufferWidth > 0 ? Math.Min(Console.BufferWidth - 1, 120) : 120;
                Console.Write("\r" + (line.Length > width ? line.Substring(0, width) : line.PadRight(width)));
                if (done >= total) Console.WriteLine();
                return;
            }

            var milestone = done * 10 / total;
            if (milestone != lastMilestone || done >= total)
            {
                lastMilestone = milestone;
                Console.WriteLine(line);
            }
        }
    }
}

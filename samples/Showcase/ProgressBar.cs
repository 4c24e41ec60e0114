using System;

namespace WdGen.Showcase
{
    /// <summary>A one-line progress bar on a terminal; plain milestone lines when output is redirected.</summary>
    internal sealed class ProgressBar
    {
        private const int Width = 30;
        private readonly string label;
        private readonly int total;
        private readonly bool interactive = !Console.IsOutputRedirected;

        public ProgressBar(string label, int total)
        {
            this.label = label;
            this.total = total;
            Report(0, string.Empty);
        }

        public void Report(int done, string detail)
        {
            var filled = total == 0 ? Width : done * Width / total;
            var line = "  " + label + " [" + new string('#', filled) + new string('.', Width - filled) + "] " + done + "/" + total + " " + detail;
            if (interactive)
            {
                Console.Write("\r" + line.PadRight(Console.BufferWidth > 0 ? Math.Min(Console.BufferWidth - 1, 110) : 110));
                if (done == total)
                {
                    Console.WriteLine();
                }
            }
            else if (done == total)
            {
                Console.WriteLine(line);
            }
        }
    }
}

using System;
using System.Text;

namespace WdGen.Generator.Emitting
{
    /// <summary>An indented text writer: every line of generated code goes through it, so output is formatted alike.</summary>
    internal sealed class SourceWriter
    {
        private const string IndentUnit = "    ";
        private readonly StringBuilder text = new();
        private int indent;

        public SourceWriter WriteLine(string line)
        {
            if (line.Length > 0)
            {
                for (var i = 0; i < indent; i++)
                {
                    text.Append(IndentUnit);
                }

                text.Append(line);
            }

            text.Append('\n');
            return this;
        }

        public SourceWriter WriteLine() => WriteLine(string.Empty);

        /// <summary>Writes <paramref name="line"/> and an opening brace, and indents until the returned scope ends.</summary>
        public Block OpenBlock(string line)
        {
            WriteLine(line);
            return OpenBlock();
        }

        /// <summary>Writes an opening brace (after a signature written over several lines) and indents.</summary>
        public Block OpenBlock()
        {
            WriteLine("{");
            indent++;
            return new Block(this, "}");
        }

        /// <summary>Indents the lines written until the returned scope ends (a continued statement).</summary>
        public Block Indent()
        {
            indent++;
            return new Block(this, null);
        }

        public override string ToString() => text.ToString();

        /// <summary>Ends an indented region, writing its closing text.</summary>
        internal readonly struct Block : IDisposable
        {
            private readonly SourceWriter writer;
            private readonly string? closing;

            public Block(SourceWriter writer, string? closing)
            {
                this.writer = writer;
                this.closing = closing;
            }

            public void Dispose()
            {
                writer.indent--;
                if (closing is not null)
                {
                    writer.WriteLine(closing);
                }
            }
        }
    }
}

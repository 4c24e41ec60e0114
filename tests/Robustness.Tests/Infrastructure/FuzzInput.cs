using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using WdGen.Analyzers.Tests.Infrastructure;
using WdGen.Tests.Shared;

namespace WdGen.Robustness.Tests.Infrastructure
{
    /// <summary>One source the fuzzer mutates, compiled together with unmutated companions (e.g. a file of global usings).</summary>
    internal sealed class FuzzInput
    {
        public FuzzInput(string name, string text, bool isFile, IReadOnlyList<(string Name, string Text)>? companions = null)
        {
            Name = name;
            Text = text;
            IsFile = isFile;
            Companions = companions ?? Array.Empty<(string, string)>();
        }

        /// <summary>Where it came from: a repository path, or a test file and the literal's line.</summary>
        public string Name { get; }

        public string Text { get; }

        /// <summary>A whole file (corpus or sample) rather than a string literal of a test: files get the full variant budget.</summary>
        public bool IsFile { get; }

        public IReadOnlyList<(string Name, string Text)> Companions { get; }

        public override string ToString() => Name;
    }

    /// <summary>
    /// Gathers every C# input the tests and samples hold, from the repository (found from the test binaries):
    /// the robustness corpus (tests/Robustness.Tests/Corpus), samples/**/*.cs, and the C# string literals of the
    /// generator and analyzer tests (markup stripped; analyzer fragments completed with the shared usings and models).
    /// </summary>
    internal static class FuzzCorpus
    {
        private static readonly string[] LiteralTestProjects = { "Generator.Tests", "Analyzers.Tests", "Robustness.Tests" };

        private static readonly (string Name, string Text)[] SharedModels =
        {
            ("Net", Sources.Net), ("GroupedNet", Sources.GroupedNet), ("WeightsOnly", Sources.WeightsOnly), ("TiedLm", Sources.TiedLm),
        };

        public static IReadOnlyList<FuzzInput> Files()
        {
            var inputs = new List<FuzzInput>();
            var corpus = RepositoryPaths.Combine("tests", "Robustness.Tests", "Corpus");
            foreach (var directory in new[] { corpus }.Concat(Directory.GetDirectories(corpus).OrderBy(d => d, StringComparer.Ordinal)))
            {
                var files = SourceFiles(directory, SearchOption.TopDirectoryOnly);
                var isGroup = directory != corpus;
                foreach (var file in files)
                {
                    var companions = isGroup ? files.Where(f => f != file).Select(f => (Relative(f), File.ReadAllText(f))).ToList() : null;
                    inputs.Add(new FuzzInput(Relative(file), File.ReadAllText(file), isFile: true, companions));
                }
            }

            foreach (var file in SourceFiles(RepositoryPaths.Combine("samples"), SearchOption.AllDirectories))
            {
                inputs.Add(new FuzzInput(Relative(file), File.ReadAllText(file), isFile: true));
            }

            return inputs;
        }

        /// <summary>C# string literals of the tests (not the corpus files, which <see cref="Files"/> returns).</summary>
        public static IReadOnlyList<FuzzInput> TestLiterals()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var inputs = new List<FuzzInput>();
            foreach (var project in LiteralTestProjects)
            {
                foreach (var file in SourceFiles(RepositoryPaths.Combine("tests", project), SearchOption.AllDirectories))
                {
                    var relative = Relative(file);
                    if (relative.Contains("/Corpus/", StringComparison.Ordinal) || relative.Contains("/Snapshots/", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(file), path: relative);
                    foreach (var literal in tree.GetRoot().DescendantNodes().OfType<LiteralExpressionSyntax>())
                    {
                        if (!literal.IsKind(SyntaxKind.StringLiteralExpression) || !LooksLikeCSharp(literal.Token.ValueText))
                        {
                            continue;
                        }

                        var text = Complete(StripMarkup(literal.Token.ValueText));
                        if (seen.Add(text))
                        {
                            var line = literal.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                            inputs.Add(new FuzzInput(relative + ":" + line, text, isFile: false));
                        }
                    }
                }
            }

            return inputs;
        }

        private static bool LooksLikeCSharp(string text)
            => text.Length >= 30 && (text.Contains("class ", StringComparison.Ordinal) || text.Contains("torch.", StringComparison.Ordinal) || text.Contains("nn.", StringComparison.Ordinal));

        private static string StripMarkup(string text)
        {
            if (!text.Contains("[|", StringComparison.Ordinal) && !text.Contains("{|", StringComparison.Ordinal))
            {
                return text;
            }

            try
            {
                return Markup.Parse(text, "WDG000").Source;
            }
            catch (InvalidOperationException)
            {
                return text;
            }
        }

        /// <summary>Analyzer tests write fragments that <c>Sources.With</c> completes: do the same, so they bind.</summary>
        private static string Complete(string text)
        {
            if (text.Contains("using ", StringComparison.Ordinal) || text.Contains("namespace ", StringComparison.Ordinal))
            {
                return text;
            }

            var models = SharedModels
                .Where(m => ContainsWord(text, m.Name) && !text.Contains("class " + m.Name, StringComparison.Ordinal))
                .Select(m => m.Text);
            return Sources.Usings + string.Concat(models) + text;
        }

        private static bool ContainsWord(string text, string word)
        {
            for (var i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + 1, StringComparison.Ordinal))
            {
                var before = i == 0 ? ' ' : text[i - 1];
                var after = i + word.Length >= text.Length ? ' ' : text[i + word.Length];
                if (!char.IsLetterOrDigit(before) && !char.IsLetterOrDigit(after) && before != '_' && after != '_')
                {
                    return true;
                }
            }

            return false;
        }

        private static List<string> SourceFiles(string directory, SearchOption option)
        {
            var separator = Path.DirectorySeparatorChar;
            return Directory.EnumerateFiles(directory, "*.cs", option)
                .Where(f => !f.Contains(separator + "obj" + separator, StringComparison.Ordinal) && !f.Contains(separator + "bin" + separator, StringComparison.Ordinal))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToList();
        }

        private static string Relative(string path) => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/');
    }
}

using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GradLint.Cli.Inputs
{
    /// <summary>
    /// A C# script made of cells — a Polyglot notebook (<c>.ipynb</c>, <c>.dib</c>) or a <c>.csx</c> file (one cell) —
    /// as one compilable script: C# cells in order, as the kernel runs them. The script text keeps every cell
    /// line on a line of its own, so a finding maps back to (cell, line) and fixed text maps back to cells:
    /// <list type="bullet">
    /// <item>lines the compiler must not see — <c>#r "nuget: …"</c>, <c>#load</c>, <c>#!</c> magics — and <c>using</c>
    /// directives (hoisted: a script allows them only at its top) become comments that keep the original;</item>
    /// <item>a cell that ends in an expression with no semicolon (the notebook's "display this value") gets one;</item>
    /// <item>each cell's last line carries an end-of-cell marker comment.</item>
    /// </list>
    /// </summary>
    public sealed class ScriptFile
    {
        private const string Kept = "//#gradlint-kept ";
        private const string CellEnd = "//#gradlint-cell-end";
        private const string AddedSemicolon = ";//#gradlint-added-semicolon";

        /// <summary>Usings a .NET Interactive C# kernel starts with.</summary>
        private static readonly string[] KernelUsings =
        {
            "System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks", "System.IO",
        };

        private readonly List<string> hoisted = new();

        private ScriptFile(string path, SourceKind kind, IReadOnlyList<ScriptCell> cells)
        {
            Path = path;
            Kind = kind;
            Cells = cells;
            Text = Build();
        }

        /// <summary>The file on disk.</summary>
        public string Path { get; }

        public SourceKind Kind { get; }

        /// <summary>The C# cells, in order (markdown and other kernels' cells are left out).</summary>
        public IReadOnlyList<ScriptCell> Cells { get; }

        /// <summary>The script the analyzers see.</summary>
        public string Text { get; }

        /// <summary>Lines of <see cref="Text"/> before the first cell (the hoisted usings).</summary>
        public int PreambleLines { get; private set; }

        public static ScriptFile Create(string path, SourceKind kind, IReadOnlyList<ScriptCell> cells) => new ScriptFile(path, kind, cells);

        /// <summary>Cell number (as the notebook counts cells, 1-based over all cells) and 1-based line inside it, for a 0-based line of <see cref="Text"/>.</summary>
        public (int Cell, int Line) Map(int scriptLine)
        {
            var line = scriptLine - PreambleLines;
            foreach (var cell in Cells)
            {
                if (line < cell.LineCount)
                {
                    return (cell.Number, Math.Max(line, 0) + 1);
                }

                line -= cell.LineCount;
            }

            var last = Cells[^1];
            return (last.Number, last.LineCount);
        }

        /// <summary>
        /// The cells' sources after the script was edited into <paramref name="fixedText"/>, in <see cref="Cells"/> order;
        /// null when the edit moved a cell boundary (then nothing may be written).
        /// </summary>
        public IReadOnlyList<string>? CellSources(string fixedText)
        {
            var lines = SplitLines(fixedText);
            var index = PreambleLines;

            var result = new List<string>();
            var current = new List<string>();
            for (; index < lines.Count; index++)
            {
                var line = lines[index];
                var end = line.IndexOf(CellEnd, StringComparison.Ordinal);
                if (end >= 0)
                {
                    current.Add(line.Substring(0, end));
                    result.Add(Restore(current));
                    current = new List<string>();
                }
                else
                {
                    current.Add(line);
                }
            }

            if (current.Any(l => l.Trim().Length > 0) || result.Count != Cells.Count)
            {
                return null;
            }

            return result;
        }

        private string Build()
        {
            var body = new StringBuilder();
            foreach (var cell in Cells)
            {
                var lines = SplitLines(cell.Source);
                var code = new List<string>();
                foreach (var line in lines)
                {
                    var trimmed = line.TrimStart();
                    if (trimmed.StartsWith("#r ", StringComparison.Ordinal) || trimmed.StartsWith("#load ", StringComparison.Ordinal)
                        || trimmed.StartsWith("#!", StringComparison.Ordinal) || trimmed.StartsWith("#i ", StringComparison.Ordinal))
                    {
                        code.Add(Kept + line);
                    }
                    else if (IsUsingDirective(trimmed))
                    {
                        hoisted.Add(trimmed);
                        code.Add(Kept + line);
                    }
                    else
                    {
                        code.Add(line);
                    }
                }

                if (EndsWithBareExpression(code))
                {
                    var last = code.FindLastIndex(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("//", StringComparison.Ordinal));
                    code[last] += AddedSemicolon;
                }

                code[^1] += CellEnd;
                cell.LineCount = code.Count;
                foreach (var line in code)
                {
                    body.Append(line).Append('\n');
                }
            }

            var preamble = KernelUsings.Select(u => $"using {u};").Concat(hoisted).Distinct(StringComparer.Ordinal).ToList();
            PreambleLines = preamble.Count;
            return string.Join("\n", preamble) + "\n" + body;
        }

        private static bool IsUsingDirective(string trimmed) =>
            trimmed.StartsWith("using ", StringComparison.Ordinal) && trimmed.TrimEnd().EndsWith(";", StringComparison.Ordinal)
            && !trimmed.Contains('(') && !trimmed.Contains(" var ") && !trimmed.StartsWith("using var ", StringComparison.Ordinal);

        // A cell whose last statement is an expression with no semicolon: parsed alone as a script, it ends in a missing ';'.
        private static bool EndsWithBareExpression(List<string> code)
        {
            var text = string.Join("\n", code);
            if (text.Trim().Length == 0)
            {
                return false;
            }

            var tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
            var end = text.TrimEnd().Length;
            return tree.GetDiagnostics().Any(d => d.Id == "CS1002" && d.Location.SourceSpan.Start >= end - 1);
        }

        private static string Restore(List<string> lines)
        {
            var restored = lines.Select(line =>
            {
                var kept = line.IndexOf(Kept, StringComparison.Ordinal);
                if (kept >= 0 && line.Substring(0, kept).Trim().Length == 0)
                {
                    return line.Substring(kept + Kept.Length);   // the original line, its own indentation included
                }

                return line.Replace(AddedSemicolon, string.Empty);
            });
            return string.Join("\n", restored);
        }

        internal static List<string> SplitLines(string text) => text.Replace("\r\n", "\n").Split('\n').ToList();
    }

    /// <summary>One C# cell: its number among all the notebook's cells (1-based) and its source.</summary>
    public sealed class ScriptCell
    {
        public ScriptCell(int number, string source)
        {
            Number = number;
            Source = source;
        }

        public int Number { get; }

        public string Source { get; }

        /// <summary>Lines the cell takes in the script.</summary>
        internal int LineCount { get; set; }
    }
}

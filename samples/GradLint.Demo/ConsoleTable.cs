using System.Text;

namespace GradLint.Demo
{
    /// <summary>A plain-text table with a header rule, columns padded to their widest cell.</summary>
    public static class ConsoleTable
    {
        public static string Format(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
        {
            var all = rows.ToList();
            var widths = headers.Select((h, c) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[c].Length))).ToArray();
            var text = new StringBuilder();
            void Line(IReadOnlyList<string> cells) =>
                text.Append("  ").AppendLine(string.Join("  ", cells.Select((cell, c) => c == cells.Count - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
            Line(headers);
            Line(widths.Select(w => new string('-', w)).ToList());
            all.ForEach(Line);
            return text.ToString();
        }
    }
}

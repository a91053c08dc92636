using System.Text;

namespace GradLint.Cli.Checking
{
    /// <summary>A line-based unified diff (longest common subsequence), as <c>git diff</c> prints it.</summary>
    public static class UnifiedDiff
    {
        /// <summary>The diff from <paramref name="before"/> to <paramref name="after"/>; empty when they are equal.</summary>
        public static string Create(string before, string after, string fileName, int context = 2)
        {
            ArgumentNullException.ThrowIfNull(before);
            ArgumentNullException.ThrowIfNull(after);
            var a = Lines(before);
            var b = Lines(after);
            var edits = Edits(a, b);
            if (edits.All(e => e.Kind == ' '))
            {
                return string.Empty;
            }

            var output = new StringBuilder().Append("--- a/").AppendLine(fileName).Append("+++ b/").AppendLine(fileName);
            int i = 0;
            while (i < edits.Count)
            {
                if (edits[i].Kind == ' ')
                {
                    i++;
                    continue;
                }

                // A hunk: this change, the changes within 2·context lines of it, and context around them.
                int start = Math.Max(0, i - context), end = i;
                while (end < edits.Count)
                {
                    int nextChange = edits.FindIndex(end + 1, e => e.Kind != ' ');
                    if (nextChange < 0 || nextChange - end > 2 * context) break;
                    end = nextChange;
                }

                end = Math.Min(edits.Count - 1, end + context);
                var hunk = edits.GetRange(start, end - start + 1);
                int oldStart = hunk.First().OldLine, newStart = hunk.First().NewLine;
                output.Append("@@ -").Append(oldStart + 1).Append(',').Append(hunk.Count(e => e.Kind != '+'))
                      .Append(" +").Append(newStart + 1).Append(',').Append(hunk.Count(e => e.Kind != '-')).AppendLine(" @@");
                foreach (var edit in hunk)
                {
                    output.Append(edit.Kind).AppendLine(edit.Text);
                }

                i = end + 1;
            }

            return output.ToString();
        }

        private readonly record struct Edit(char Kind, string Text, int OldLine, int NewLine);

        private static string[] Lines(string text) => text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

        private static List<Edit> Edits(string[] a, string[] b)
        {
            var lcs = new int[a.Length + 1, b.Length + 1];
            for (int x = a.Length - 1; x >= 0; x--)
                for (int y = b.Length - 1; y >= 0; y--)
                    lcs[x, y] = a[x] == b[y] ? lcs[x + 1, y + 1] + 1 : Math.Max(lcs[x + 1, y], lcs[x, y + 1]);

            var edits = new List<Edit>();
            int i = 0, j = 0;
            while (i < a.Length || j < b.Length)
            {
                if (i < a.Length && j < b.Length && a[i] == b[j]) { edits.Add(new Edit(' ', a[i], i, j)); i++; j++; }
                else if (i < a.Length && (j == b.Length || lcs[i + 1, j] >= lcs[i, j + 1])) { edits.Add(new Edit('-', a[i], i, j)); i++; }
                else { edits.Add(new Edit('+', b[j], i, j)); j++; }
            }

            return edits;
        }
    }
}

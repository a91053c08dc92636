using System.Text;
using System.Text.Json;

namespace GradLint.Cli.Inputs
{
    /// <summary>What a path given on the command line is.</summary>
    public enum SourceKind
    {
        CSharpFile,
        Script,
        Notebook,
        DibNotebook,
    }

    /// <summary>
    /// Reads the C# cells of Polyglot notebooks and <c>.csx</c> scripts, and writes edited cell sources back —
    /// changing only those cells' sources: in an <c>.ipynb</c> every other byte of the JSON (outputs, metadata,
    /// other cells, formatting) stays as it was.
    /// </summary>
    public static class Notebooks
    {
        public static ScriptFile Read(string path, SourceKind kind) => kind switch
        {
            SourceKind.Notebook => ReadIpynb(path),
            SourceKind.DibNotebook => ScriptFile.Create(path, kind, DibCells(File.ReadAllText(path)).Where(c => c.IsCSharp).Select(c => new ScriptCell(c.Number, c.Source)).ToList()),
            SourceKind.Script => ScriptFile.Create(path, kind, new[] { new ScriptCell(1, File.ReadAllText(path)) }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a script or notebook"),
        };

        /// <summary>Writes <paramref name="sources"/> (one per C# cell of <paramref name="script"/>) back into the file; cells whose source did not change are left alone.</summary>
        public static void Write(ScriptFile script, IReadOnlyList<string> sources)
        {
            switch (script.Kind)
            {
                case SourceKind.Script:
                    File.WriteAllText(script.Path, sources[0]);
                    break;
                case SourceKind.DibNotebook:
                    WriteDib(script, sources);
                    break;
                case SourceKind.Notebook:
                    WriteIpynb(script, sources);
                    break;
            }
        }

        private static ScriptFile ReadIpynb(string path)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(File.ReadAllBytes(path));
            }
            catch (JsonException e)
            {
                throw new InputException($"{path}: not a notebook: the file is not valid JSON ({e.Message})");
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("cells", out var cells) || cells.ValueKind != JsonValueKind.Array)
                {
                    throw new InputException($"{path}: not a notebook: no \"cells\" array at the top level");
                }

                var defaultLanguage = DefaultLanguage(document.RootElement);
                var result = new List<ScriptCell>();
                var number = 0;
                foreach (var cell in cells.EnumerateArray())
                {
                    number++;
                    if (cell.TryGetProperty("cell_type", out var type) && type.GetString() == "code")
                    {
                        var source = SourceOf(cell);
                        if (IsCSharp(source, CellLanguage(cell) ?? defaultLanguage))
                        {
                            result.Add(new ScriptCell(number, source));
                        }
                    }
                }

                return ScriptFile.Create(path, SourceKind.Notebook, result);
            }
        }

        private static string SourceOf(JsonElement cell)
        {
            if (!cell.TryGetProperty("source", out var source))
            {
                return string.Empty;
            }

            return source.ValueKind == JsonValueKind.Array
                ? string.Concat(source.EnumerateArray().Select(l => l.GetString()))
                : source.GetString() ?? string.Empty;
        }

        // .NET Interactive and Polyglot Notebooks write the kernel per cell and per notebook in several places.
        private static string? CellLanguage(JsonElement cell)
        {
            if (!cell.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (metadata.TryGetProperty("polyglot_notebook", out var polyglot) && polyglot.ValueKind == JsonValueKind.Object && polyglot.TryGetProperty("kernelName", out var kernel))
            {
                return kernel.GetString();
            }

            if (metadata.TryGetProperty("dotnet_interactive", out var interactive) && interactive.ValueKind == JsonValueKind.Object && interactive.TryGetProperty("language", out var language))
            {
                return language.GetString();
            }

            return null;
        }

        private static string? DefaultLanguage(JsonElement root)
        {
            if (!root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (metadata.TryGetProperty("polyglot_notebook", out var polyglot) && polyglot.ValueKind == JsonValueKind.Object
                && polyglot.TryGetProperty("kernelInfo", out var info) && info.ValueKind == JsonValueKind.Object && info.TryGetProperty("defaultKernelName", out var name))
            {
                return name.GetString();
            }

            if (metadata.TryGetProperty("kernelspec", out var spec) && spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("language", out var language))
            {
                return language.GetString();
            }

            return null;
        }

        private static bool IsCSharp(string source, string? language)
        {
            // A magic on the first line names the cell's kernel and wins.
            var first = source.TrimStart().Split('\n')[0].Trim();
            if (first.StartsWith("#!", StringComparison.Ordinal) && !first.StartsWith("#!import", StringComparison.Ordinal) && !first.StartsWith("#!set", StringComparison.Ordinal))
            {
                var magic = first.Substring(2).Trim();
                if (magic is "csharp" or "c#" or "C#")
                {
                    return true;
                }

                if (magic is "fsharp" or "f#" or "F#" or "pwsh" or "powershell" or "markdown" or "html" or "javascript" or "js" or "sql" or "kql" or "mermaid" or "value" or "http" or "python")
                {
                    return false;
                }
            }

            return language is null || language.Equals("csharp", StringComparison.OrdinalIgnoreCase) || language.Equals("C#", StringComparison.OrdinalIgnoreCase);
        }

        private static void WriteIpynb(ScriptFile script, IReadOnlyList<string> sources)
        {
            var bytes = File.ReadAllBytes(script.Path);
            var spans = SourceSpans(bytes);
            var byNumber = script.Cells.Select((cell, i) => (cell.Number, Source: sources[i], Original: cell.Source)).ToDictionary(c => c.Number);
            var output = new List<byte>(bytes.Length + 256);
            var position = 0;
            foreach (var (number, start, end, wasArray, indent) in spans)
            {
                if (!byNumber.TryGetValue(number, out var cell) || cell.Source == cell.Original)
                {
                    continue;
                }

                output.AddRange(bytes.AsSpan(position, start - position).ToArray());
                output.AddRange(Encoding.UTF8.GetBytes(wasArray ? JsonLines(cell.Source, indent, LineEnding(bytes)) : JsonString(cell.Source)));
                position = end;
            }

            output.AddRange(bytes.AsSpan(position).ToArray());
            File.WriteAllBytes(script.Path, output.ToArray());
        }

        /// <summary>For each cell (1-based), where its "source" value starts and ends in the file, whether it is an array of lines, and the indentation of its lines.</summary>
        private static List<(int Number, int Start, int End, bool WasArray, string Indent)> SourceSpans(byte[] bytes)
        {
            var spans = new List<(int, int, int, bool, string)>();
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var depth = 0;
            var inCells = false;
            var cellNumber = 0;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        depth++;
                        if (inCells && depth == 3 && reader.TokenType == JsonTokenType.StartObject)
                        {
                            cellNumber++;
                        }

                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        depth--;
                        if (depth == 1)
                        {
                            inCells = false;
                        }

                        break;
                    case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("cells"):
                        inCells = true;
                        break;
                    case JsonTokenType.PropertyName when inCells && depth == 3 && reader.ValueTextEquals("source"):
                        reader.Read();
                        var start = (int)reader.TokenStartIndex;
                        var wasArray = reader.TokenType == JsonTokenType.StartArray;
                        if (wasArray)
                        {
                            reader.Skip();
                        }

                        var end = (int)reader.BytesConsumed;
                        spans.Add((cellNumber, start, end, wasArray, ElementIndent(bytes, start, end)));
                        break;
                }
            }

            return spans;
        }

        // The whitespace before the first element of a source array ("    " in Jupyter's layout), or none for "[]".
        private static string ElementIndent(byte[] bytes, int start, int end)
        {
            var text = Encoding.UTF8.GetString(bytes, start, end - start);
            var newline = text.IndexOf('\n');
            if (newline < 0)
            {
                return string.Empty;
            }

            var i = newline + 1;
            while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            return text.Substring(newline + 1, i - newline - 1);
        }

        private static string LineEnding(byte[] bytes) => Array.IndexOf(bytes, (byte)'\r') >= 0 ? "\r\n" : "\n";

        // Jupyter's form: one string per line, each but the last ending in \n.
        private static string JsonLines(string source, string indent, string newline)
        {
            var lines = source.Split('\n');
            var parts = lines.Select((line, i) => JsonString(i < lines.Length - 1 ? line + "\n" : line)).ToList();
            if (parts.Count > 0 && parts[^1] == "\"\"")
            {
                parts.RemoveAt(parts.Count - 1);
            }

            if (parts.Count == 0)
            {
                return "[]";
            }

            var closingIndent = indent.Length > 0 ? indent.Substring(0, Math.Max(0, indent.Length - 1)) : string.Empty;
            return indent.Length == 0
                ? "[" + string.Join(", ", parts) + "]"
                : "[" + newline + string.Join("," + newline, parts.Select(p => indent + p)) + newline + closingIndent + "]";
        }

        /// <summary>A JSON string literal that escapes only what JSON requires (non-ASCII text stays as written, as Jupyter writes it).</summary>
        internal static string JsonString(string value)
        {
            var builder = new StringBuilder(value.Length + 2).Append('"');
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': builder.Append("\\\""); break;
                    case '\\': builder.Append("\\\\"); break;
                    case '\n': builder.Append("\\n"); break;
                    case '\r': builder.Append("\\r"); break;
                    case '\t': builder.Append("\\t"); break;
                    case '\b': builder.Append("\\b"); break;
                    case '\f': builder.Append("\\f"); break;
                    default:
                        if (c < 0x20)
                        {
                            builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            builder.Append(c);
                        }

                        break;
                }
            }

            return builder.Append('"').ToString();
        }

        private sealed record DibCell(int Number, bool IsCSharp, string Source, int Start, int Length);

        // A .dib file: cells start at a line "#!<kernel>" (#!meta holds the notebook's metadata); text before the
        // first one, if any, runs in the default C# kernel. Cells are numbered as the notebook shows them.
        private static List<DibCell> DibCells(string text)
        {
            var cells = new List<DibCell>();
            var kernel = "csharp";
            var start = 0;
            var sourceLines = new List<string>();
            var position = 0;
            var opened = false;

            void Close(int end)
            {
                if (opened || sourceLines.Any(l => l.Trim().Length > 0))
                {
                    // The format puts a blank line after the magic and before the next one; they are not the cell's.
                    var leading = sourceLines.TakeWhile(l => l.TrimEnd('\r').Length == 0).ToList();
                    var skipped = leading.Sum(l => l.Length + 1);
                    var source = string.Join("\n", sourceLines.Skip(leading.Count).Select(l => l.TrimEnd('\r'))).TrimEnd('\r', '\n');
                    var from = Math.Min(start + skipped, end);
                    cells.Add(new DibCell(cells.Count + 1, kernel is "csharp" or "c#" or "C#", source, from, Math.Max(0, end - from)));
                }
            }

            foreach (var line in text.Split('\n'))
            {
                var trimmed = line.TrimEnd('\r');
                if (IsKernelMagic(trimmed))
                {
                    Close(position);
                    opened = true;
                    kernel = trimmed.Substring(2);
                    start = Math.Min(position + line.Length + 1, text.Length);
                    sourceLines = new List<string>();
                }
                else
                {
                    sourceLines.Add(line);
                }

                position += line.Length + 1;
            }

            Close(text.Length);
            return cells;
        }

        private static bool IsKernelMagic(string line) =>
            line.StartsWith("#!", StringComparison.Ordinal) && line.Length > 2 && !line.Contains(' ')
            && !line.StartsWith("#!import", StringComparison.Ordinal) && !line.StartsWith("#!set", StringComparison.Ordinal);

        private static void WriteDib(ScriptFile script, IReadOnlyList<string> sources)
        {
            var text = File.ReadAllText(script.Path);
            var cells = DibCells(text);
            var byNumber = script.Cells.Select((cell, i) => (cell.Number, Source: sources[i], Original: cell.Source)).ToDictionary(c => c.Number);
            var builder = new StringBuilder();
            var position = 0;
            foreach (var cell in cells)
            {
                if (!byNumber.TryGetValue(cell.Number, out var edited) || edited.Source == edited.Original)
                {
                    continue;
                }

                var original = text.Substring(cell.Start, Math.Min(cell.Length, text.Length - cell.Start));
                var trailing = original.Substring(original.TrimEnd('\r', '\n').Length);
                builder.Append(text, position, cell.Start - position).Append(edited.Source).Append(trailing);
                position = cell.Start + original.Length;
            }

            builder.Append(text, position, text.Length - position);
            File.WriteAllText(script.Path, builder.ToString());
        }
    }

    /// <summary>Input the tool cannot use: the message is the one line the user sees (exit code 2).</summary>
    public sealed class InputException : Exception
    {
        public InputException(string message)
            : base(message)
        {
        }
    }
}

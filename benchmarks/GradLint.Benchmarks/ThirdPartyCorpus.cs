using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Benchmarks
{
    /// <summary>
    /// `--third-party &lt;folder&gt; [rule prefix]`: every GradLint rule over code this repository did not write —
    /// one sub-folder per repository (its .cs files compiled together, with the SDK's implicit usings; bin/obj
    /// and test folders left out) and each .ipynb as its own script (C# cells in order, #r/#! lines dropped).
    /// Prints every finding with its source line, for judging by hand, then the counts. The repositories
    /// measured are listed in benchmarks/README.md.
    /// </summary>
    public static class ThirdPartyCorpus
    {
        private const string ImplicitUsings =
            "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic; " +
            "global using System.Threading; global using System.Threading.Tasks; global using System.Net.Http;";

        public static void Run(string root, string prefix)
        {
            if (!Directory.Exists(root))
            {
                throw new DirectoryNotFoundException($"'{root}' does not exist: pass a folder with one sub-folder per repository");
            }

            var references = AnalyzerCostBenchmarks.FrameworkAndTorchSharp();
            var analyzers = AnalyzerCostBenchmarks.AllGradLintAnalyzers();
            int files = 0, crashes = 0;
            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var repository in Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal))
            {
                var name = Path.GetFileName(repository);
                foreach (var (compilation, count) in Compilations(repository, name, references))
                {
                    files += count;
                    var diagnostics = compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
                    foreach (var d in diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start))
                    {
                        if (d.Id == "AD0001")
                        {
                            crashes++;
                            Console.WriteLine($"AD0001 {name}: {d.GetMessage()}");
                            continue;
                        }

                        if (!d.Id.StartsWith(prefix, StringComparison.Ordinal))
                        {
                            continue;
                        }

                        counts[d.Id] = counts.TryGetValue(d.Id, out var n) ? n + 1 : 1;
                        var span = d.Location.GetLineSpan();
                        var line = d.Location.SourceTree!.GetText().Lines[span.StartLinePosition.Line].ToString().Trim();
                        Console.WriteLine($"{d.Id} {name} {Path.GetRelativePath(repository, span.Path)}:{span.StartLinePosition.Line + 1} | {line}");
                        Console.WriteLine($"      {d.GetMessage()}");
                    }
                }
            }

            Console.WriteLine($"files {files}; findings {counts.Values.Sum()}: {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))}; AD0001 {crashes}");
        }

        private static IEnumerable<(Compilation Compilation, int Files)> Compilations(string repository, string name, ImmutableArray<MetadataReference> references)
        {
            var options = new CSharpParseOptions(LanguageVersion.Latest);
            var sources = Directory.EnumerateFiles(repository, "*.cs", SearchOption.AllDirectories)
                .Where(f => !IsExcluded(Path.GetRelativePath(repository, f)))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToList();
            if (sources.Count > 0)
            {
                var trees = sources.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f))
                    .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, options, "ImplicitUsings.cs"));
                yield return (CSharpCompilation.Create(name, trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)), sources.Count);
            }

            foreach (var notebook in Directory.EnumerateFiles(repository, "*.ipynb", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                using var json = JsonDocument.Parse(File.ReadAllText(notebook));
                var cells = json.RootElement.GetProperty("cells").EnumerateArray()
                    .Where(c => c.GetProperty("cell_type").GetString() == "code")
                    .Select(c => c.GetProperty("source") is { ValueKind: JsonValueKind.Array } lines ? string.Concat(lines.EnumerateArray().Select(l => l.GetString())) : c.GetProperty("source").GetString() ?? "")
                    .Select(cell => string.Join("\n", cell.Split('\n').Where(l => !l.TrimStart().StartsWith("#r", StringComparison.Ordinal) && !l.TrimStart().StartsWith("#!", StringComparison.Ordinal) && !l.TrimStart().StartsWith("#i", StringComparison.Ordinal))));
                var script = "using System; using System.Linq; using System.Collections.Generic;\n" + string.Join("\n", cells);
                var tree = CSharpSyntaxTree.ParseText(script, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script), notebook);
                yield return (CSharpCompilation.CreateScriptCompilation(Path.GetFileName(notebook), tree, references), 1);
            }
        }

        private static bool IsExcluded(string relativePath)
        {
            var parts = relativePath.Split('/', '\\');
            return parts.Any(p => p is "bin" or "obj" || p.Equals("test", StringComparison.OrdinalIgnoreCase) || p.Equals("tests", StringComparison.OrdinalIgnoreCase));
        }
    }
}

using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradLint.Cli.Analysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Cli.Output
{
    /// <summary>The three report formats: text for people, JSON for scripts, SARIF 2.1.0 for code-scanning tools.</summary>
    public static class Reports
    {
        public static string ToolVersion { get; } =
            typeof(Reports).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

        public static void WriteText(TextWriter writer, IReadOnlyList<FileFinding> findings, string baseFolder)
        {
            foreach (var finding in findings)
            {
                var file = Relative(finding.File, baseFolder);
                var where = finding.Cell is { } cell ? $"{file} (cell {cell}):{finding.Line}:{finding.Column}" : $"{file}:{finding.Line}:{finding.Column}";
                writer.WriteLine($"{where}: {Word(finding.Severity)} {finding.RuleId}: {finding.Message}");
            }

            var counts = findings.GroupBy(f => f.RuleId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} ×{g.Count()}");
            writer.WriteLine(findings.Count == 0 ? "No findings." : $"{findings.Count} finding{(findings.Count == 1 ? string.Empty : "s")}: {string.Join(", ", counts)}");
        }

        public static void WriteJson(TextWriter writer, IReadOnlyList<FileFinding> findings, string baseFolder)
        {
            var root = new JsonObject
            {
                ["tool"] = "gradlint",
                ["version"] = ToolVersion,
                ["findings"] = new JsonArray(findings.Select(f => (JsonNode)new JsonObject
                {
                    ["ruleId"] = f.RuleId,
                    ["severity"] = Word(f.Severity),
                    ["message"] = f.Message,
                    ["file"] = Relative(f.File, baseFolder),
                    ["cell"] = f.Cell,
                    ["line"] = f.Line,
                    ["column"] = f.Column,
                    ["endLine"] = f.EndLine,
                    ["endColumn"] = f.EndColumn,
                }).ToArray()),
            };
            writer.WriteLine(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        /// <summary>
        /// SARIF 2.1.0: the rules of every analyzer (id, title, full description, help URI, default level) and one
        /// result per finding. A finding in a notebook cell points at the notebook file, with the cell number in the
        /// result's properties and a logical location "cell N" (SARIF has no notion of cells).
        /// </summary>
        public static void WriteSarif(TextWriter writer, IReadOnlyList<FileFinding> findings, ImmutableArray<DiagnosticAnalyzer> analyzers, string baseFolder)
        {
            var descriptors = analyzers.SelectMany(a => a.SupportedDiagnostics)
                .GroupBy(d => d.Id).Select(g => g.First())
                .OrderBy(d => d.Id, StringComparer.Ordinal)
                .ToList();
            var index = descriptors.Select((d, i) => (d.Id, i)).ToDictionary(p => p.Id, p => p.i);
            var rules = new JsonArray(descriptors.Select(d => (JsonNode)new JsonObject
            {
                ["id"] = d.Id,
                ["name"] = Name(d.Title.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ["shortDescription"] = new JsonObject { ["text"] = d.Title.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["fullDescription"] = new JsonObject { ["text"] = d.Description.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["helpUri"] = d.HelpLinkUri,
                ["defaultConfiguration"] = new JsonObject { ["level"] = Level(d.DefaultSeverity) },
                ["properties"] = new JsonObject { ["category"] = d.Category },
            }).ToArray());

            var results = new JsonArray(findings.Select(f =>
            {
                var location = new JsonObject
                {
                    ["physicalLocation"] = new JsonObject
                    {
                        ["artifactLocation"] = new JsonObject { ["uri"] = Relative(f.File, baseFolder).Replace('\\', '/'), ["uriBaseId"] = "SRCROOT" },
                        ["region"] = new JsonObject { ["startLine"] = f.Line, ["startColumn"] = f.Column, ["endLine"] = f.EndLine, ["endColumn"] = f.EndColumn },
                    },
                };
                if (f.Cell is { } cell)
                {
                    location["logicalLocations"] = new JsonArray(new JsonObject { ["name"] = $"cell {cell}", ["kind"] = "module" });
                }

                var result = new JsonObject
                {
                    ["ruleId"] = f.RuleId,
                    ["level"] = Level(f.Severity),
                    ["message"] = new JsonObject { ["text"] = f.Message },
                    ["locations"] = new JsonArray(location),
                };
                if (index.TryGetValue(f.RuleId, out var i))
                {
                    result["ruleIndex"] = i;
                }

                if (f.Cell is { } number)
                {
                    result["properties"] = new JsonObject { ["cell"] = number };
                }

                return (JsonNode)result;
            }).ToArray());

            var log = new JsonObject
            {
                ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
                ["version"] = "2.1.0",
                ["runs"] = new JsonArray(new JsonObject
                {
                    ["tool"] = new JsonObject
                    {
                        ["driver"] = new JsonObject
                        {
                            ["name"] = "GradLint",
                            ["semanticVersion"] = ToolVersion,
                            ["informationUri"] = "https://github.com/gradlint/gradlint",
                            ["rules"] = rules,
                        },
                    },
                    ["originalUriBaseIds"] = new JsonObject
                    {
                        ["SRCROOT"] = new JsonObject { ["uri"] = new Uri(baseFolder.EndsWith(Path.DirectorySeparatorChar) ? baseFolder : baseFolder + Path.DirectorySeparatorChar).AbsoluteUri },
                    },
                    ["results"] = results,
                }),
            };
            writer.WriteLine(log.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        /// <summary>The severity as the compiler writes it: error, warning, info.</summary>
        public static string Word(DiagnosticSeverity severity) => severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            DiagnosticSeverity.Info => "info",
            _ => "hidden",
        };

        /// <summary>The severity as SARIF names levels: error, warning, note.</summary>
        public static string Level(DiagnosticSeverity severity) => severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            DiagnosticSeverity.Info => "note",
            _ => "none",
        };

        private static string Name(string title) =>
            string.Concat(title.Split(' ', '(', ')', '/', ',', '.', '\'', '-').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w.Substring(1)));

        internal static string Relative(string path, string baseFolder)
        {
            var relative = Path.GetRelativePath(baseFolder, path);
            return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace GradLint.Tests.Catalog
{
    /// <summary>The rule catalog, the doc pages, the release tracking files and the README agree.</summary>
    public class RuleCatalogTests
    {
        private static readonly DiagnosticDescriptor[] Descriptors = Compile.AllGradLintAnalyzers
            .SelectMany(a => a.SupportedDiagnostics)
            .Distinct()
            .ToArray();

        public static TheoryData<string> RuleIds()
        {
            var data = new TheoryData<string>();
            foreach (var id in Descriptors.Select(d => d.Id).Distinct())
            {
                data.Add(id);
            }

            return data;
        }

        [Fact]
        public void Every_rule_count_written_in_the_docs_is_the_catalogs()
        {
            var count = Descriptors.Select(d => d.Id).Distinct().Count();
            var pages = new[] { "README.md", "benchmarks/README.md", "GradLint.Package/README.md", "GradLint.Runtime/README.md" }
                .Select(p => Path.Combine(RepoPaths.Root, p))
                .Concat(Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md", SearchOption.AllDirectories));
            var seen = 0;
            foreach (var page in pages)
            {
                foreach (Match m in Regex.Matches(File.ReadAllText(page), @"\b(\d+) (?:GradLint )?rules\b"))
                {
                    seen++;
                    Assert.True(int.Parse(m.Groups[1].Value) == count, $"{Path.GetRelativePath(RepoPaths.Root, page)} says '{m.Value}'; the catalog has {count} rules");
                }
            }

            Assert.True(seen > 0, "no page states a rule count; this test would check nothing");
        }

        [Fact]
        public void The_package_readme_lists_every_rule()
        {
            var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "GradLint.Package", "README.md"));
            foreach (var id in Descriptors.Select(d => d.Id).Distinct())
            {
                Assert.Contains($"| {id} |", readme);
            }
        }

        [Fact]
        public void Every_rule_id_has_the_GL_form_and_belongs_to_one_descriptor()
        {
            Assert.NotEmpty(Descriptors);
            foreach (var d in Descriptors)
            {
                Assert.Matches(new Regex("^GL[123][0-9]{3}$"), d.Id);
            }

            Assert.Equal(Descriptors.Length, Descriptors.Select(d => d.Id).Distinct().Count());
        }

        [Theory]
        [MemberData(nameof(RuleIds))]
        public void Every_rule_has_a_doc_page_and_its_help_link_points_at_it(string id)
        {
            var descriptor = Descriptors.Single(d => d.Id == id);
            var page = RepoPaths.Combine("docs", "rules", id + ".md");
            Assert.True(File.Exists(page), $"{id} has no docs/rules/{id}.md");
            Assert.EndsWith($"/docs/rules/{id}.md", descriptor.HelpLinkUri);
            Assert.StartsWith($"# {id} — {descriptor.Title}", File.ReadAllText(page));
        }

        [Theory]
        [MemberData(nameof(RuleIds))]
        public void Every_rule_is_tracked_in_the_analyzer_release_files_with_its_category_and_severity(string id)
        {
            var descriptor = Descriptors.Single(d => d.Id == id);
            var releases = File.ReadAllText(RepoPaths.Combine("GradLint.Analyzers", "AnalyzerReleases.Shipped.md"))
                + File.ReadAllText(RepoPaths.Combine("GradLint.Analyzers", "AnalyzerReleases.Unshipped.md"));
            var row = releases.Split('\n').SingleOrDefault(l => l.StartsWith(id + " ", StringComparison.Ordinal));
            Assert.NotNull(row);
            var cells = row!.Split('|').Select(c => c.Trim()).ToArray();
            Assert.Equal(descriptor.Category, cells[1]);
            Assert.Equal(descriptor.DefaultSeverity.ToString(), cells[2]);
        }

        [Theory]
        [MemberData(nameof(RuleIds))]
        public void The_README_rule_table_lists_every_rule_with_its_title_severity_and_page(string id)
        {
            var descriptor = Descriptors.Single(d => d.Id == id);
            var readme = File.ReadAllText(RepoPaths.Combine("README.md"));
            var row = readme.Split('\n').SingleOrDefault(l => l.StartsWith($"| [{id}](docs/rules/{id}.md) |", StringComparison.Ordinal));
            Assert.NotNull(row);
            Assert.Contains(descriptor.Title.ToString(), row);
            Assert.Contains(descriptor.DefaultSeverity.ToString(), row);
        }

        [Fact]
        public void The_README_rule_table_is_generated_from_the_catalog()
        {
            var lines = new System.Collections.Generic.List<string> { "| Rule | Title | Severity | Code fix |", "|---|---|---|---|" };
            foreach (var d in Descriptors.GroupBy(d => d.Id).Select(g => g.First()).OrderBy(d => d.Id, StringComparer.Ordinal))
            {
                lines.Add($"| [{d.Id}](docs/rules/{d.Id}.md) | {d.Title} | {d.DefaultSeverity} | {GradLint.Analyzers.Descriptors.FixSummaries[d.Id]} |");
            }

            var generated = string.Join("\n", lines);
            var path = RepoPaths.Combine("README.md");
            var readme = File.ReadAllText(path).Replace("\r\n", "\n");
            var start = readme.IndexOf("| Rule | Title | Severity | Code fix |", StringComparison.Ordinal);
            var end = readme.IndexOf("\n\n", start, StringComparison.Ordinal);
            if (Environment.GetEnvironmentVariable("GRADLINT_REGENERATE") == "1")
            {
                File.WriteAllText(path, readme.Substring(0, start) + generated + readme.Substring(end));
                readme = File.ReadAllText(path);
            }

            Assert.Equal(generated, readme.Substring(start, end - start));
        }

        [Fact]
        public void Every_doc_page_belongs_to_a_rule_in_the_catalog()
        {
            var pages = Directory.GetFiles(RepoPaths.Combine("docs", "rules"), "GL*.md").Select(Path.GetFileNameWithoutExtension);
            Assert.All(pages, page => Assert.Contains(page, Descriptors.Select(d => d.Id)));
        }
    }
}

namespace GradLint.Tests.Catalog
{
    /// <summary>The shipped GradLintAnalysisMode configs are the ones the catalog generates (GradLint.Analyzers/AnalysisModes.cs).</summary>
    public class AnalysisModeConfigTests
    {
        [Theory]
        [InlineData("none")]
        [InlineData("recommended")]
        [InlineData("all")]
        [InlineData("allerrors")]
        public void Every_shipped_mode_config_is_generated_from_the_catalog(string mode)
        {
            var path = RepoPaths.Combine("GradLint.Package", "buildTransitive", "config", $"gradlint_{mode}.globalconfig");
            var descriptors = Compile.AllGradLintAnalyzers.SelectMany(a => a.SupportedDiagnostics).ToList();
            var generated = GradLint.Analyzers.AnalysisModes.GlobalConfig(descriptors, mode);
            if (System.Environment.GetEnvironmentVariable("GRADLINT_REGENERATE") == "1")
            {
                System.IO.File.WriteAllText(path, generated);
            }

            Assert.Equal(generated, System.IO.File.ReadAllText(path).Replace("\r\n", "\n"));
        }

        [Fact]
        public void Recommended_makes_certain_bugs_errors_keeps_judgement_calls_suggestions_and_differs_from_All()
        {
            var rules = Compile.AllGradLintAnalyzers.SelectMany(a => a.SupportedDiagnostics).GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.First());
            string Recommended(string id) => GradLint.Analyzers.AnalysisModes.Severity(rules[id], "recommended");
            Assert.Equal("error", Recommended("GL1003"));      // zero_grad between backward and step: Error by default
            Assert.Equal("error", Recommended("GL1005"));      // scheduler first: always skips the first rate
            Assert.Equal("error", Recommended("GL2010"));      // == NaN: never true
            Assert.Equal("suggestion", Recommended("GL2005")); // an unbounded exp: a judgement call
            Assert.Equal("warning", Recommended("GL1001"));
            Assert.Equal("warning", GradLint.Analyzers.AnalysisModes.Severity(rules["GL2005"], "all"));
        }
    }
}

using System.Linq;
using System.Threading.Tasks;
using GradLint.Demo;
using GradLint.Cli.Checking;
using Xunit;

namespace GradLint.Tests.Demo
{
    /// <summary>The demo's static part: the reusable checker over the bundled risky training file.</summary>
    public class StaticCheckTests
    {
        [Fact]
        public async Task Bundled_file_compiles_and_shows_the_risks_the_demo_promises()
        {
            var report = await GradLintChecker.ForTorchSharp().CheckAsync(StaticCheckPart.BundledSource(), StaticCheckPart.BundledFileName);

            Assert.Empty(report.CompileErrors);
            var rules = report.Findings.Select(f => f.RuleId).ToList();
            // GL1007, not GL1001: a classification loss and no recurrent layer make the missing clip a suggestion.
            Assert.Equal(new[] { "GL1002", "GL1007", "GL2001", "GL2001", "GL2002", "GL2006" }, rules.OrderBy(r => r));
            Assert.DoesNotContain(rules, r => r == "AD0001");
            var log = Assert.Single(report.Findings, f => f.RuleId == "GL2002");
            Assert.Equal(24, log.Line);
            Assert.Contains("log(softmax(", log.Message);
        }

        [Fact]
        public async Task Applying_every_fix_leaves_a_file_that_compiles_with_no_findings()
        {
            var report = await GradLintChecker.ForTorchSharp().FixAsync(StaticCheckPart.BundledSource(), StaticCheckPart.BundledFileName);

            Assert.True(report.After.IsClean, string.Join("\n", report.After.CompileErrors.Concat(report.After.Findings.Select(f => f.ToString()))));
            Assert.Equal(6, report.Applied.Count);
            Assert.Contains("binary_cross_entropy_with_logits(churnLogit, churned)", report.FixedSource);
            Assert.Contains("nn.functional.log_softmax(planLogits, 1)", report.FixedSource);
            Assert.Contains("nn.utils.clip_grad_norm_(model.parameters(), max_norm: 1.0);", report.FixedSource);
            Assert.Contains("optimizer.zero_grad();", report.FixedSource);
            Assert.Contains("torch.log((1 - p).clamp_min(1E-07))", report.FixedSource);

            var diff = report.Diff(StaticCheckPart.BundledFileName);
            Assert.StartsWith("--- a/ChurnTraining.cs\n+++ b/ChurnTraining.cs\n@@ -", diff.Replace("\r\n", "\n"));
            Assert.Contains("\n+                optimizer.zero_grad();", diff.Replace("\r\n", "\n"));
        }

        [Fact]
        public async Task Editorconfig_options_reach_the_analyzers_and_fixes()
        {
            var checker = GradLintChecker.ForTorchSharp("root = true\n[*.cs]\ngradlint.default_max_norm = 0.5\ndotnet_diagnostic.GL2001.severity = none\n");
            var report = await checker.FixAsync(StaticCheckPart.BundledSource(), StaticCheckPart.BundledFileName);

            Assert.DoesNotContain(report.Before.Findings, f => f.RuleId == "GL2001");
            Assert.Contains("clip_grad_norm_(model.parameters(), max_norm: 0.5)", report.FixedSource);
            Assert.Contains("torch.log(p)", report.FixedSource);
        }

        [Fact]
        public async Task A_file_with_compile_errors_is_reported_not_thrown()
        {
            var report = await GradLintChecker.ForTorchSharp().CheckAsync("class Broken { void M() { undefined(); } }");

            Assert.NotEmpty(report.CompileErrors);
            Assert.False(report.IsClean);
        }

        [Fact]
        public void Unified_diff_marks_removed_then_added_lines_with_context()
        {
            var diff = UnifiedDiff.Create("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nC\nd\ne\nf\ng\n", "x.cs", context: 1);

            Assert.Equal("--- a/x.cs\n+++ b/x.cs\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n", diff.Replace("\r\n", "\n"));
            Assert.Equal(string.Empty, UnifiedDiff.Create("same\n", "same\n", "x.cs"));
        }
    }
}

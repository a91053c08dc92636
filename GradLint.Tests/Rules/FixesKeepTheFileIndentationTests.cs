using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace GradLint.Tests.Rules
{
    /// <summary>
    /// Fixes that insert or move statements indent like the file: tabs in a tab-indented file, its own
    /// width in a 2-space file — with no .editorconfig to say so (the workspace default is 4 spaces).
    /// Applied through the same code-action pipeline as the IDE and dotnet format.
    /// </summary>
    public class FixesKeepTheFileIndentationTests
    {
        public static TheoryData<string, string> Cases()
        {
            var data = new TheoryData<string, string>();
            foreach (var unit in new[] { "\t", "  " })
            {
                foreach (var rule in new[] { "GL1001 wrap", "GL1001 insert", "GL1002", "GL1003", "GL1004", "GL3001", "GL3003" })
                {
                    data.Add(rule, unit);
                }
            }

            return data;
        }

        // Levels written as <1>, <2>, … so one source serves every indentation style.
        private static readonly Dictionary<string, (string Source, DiagnosticAnalyzer Analyzer, CodeFixProvider Fixer, string Marker, int Level)> Rules = new()
        {
            ["GL1001 wrap"] = (Loop("<3>optimizer.zero_grad();", "<3>var loss = nn.functional.mse_loss(model.call(x), y);", "<3>loss.backward();", "<3>if (k) optimizer.step();"),
                new MissingGradientClippingAnalyzer(), new MissingGradientClippingFixer(), "clip_grad_norm_", 4),
            ["GL1001 insert"] = (Loop("<3>optimizer.zero_grad();", "<3>var loss = nn.functional.mse_loss(model.call(x), y);", "<3>loss.backward();", "<3>optimizer.step();"),
                new MissingGradientClippingAnalyzer(), new MissingGradientClippingFixer(), "clip_grad_norm_", 3),
            ["GL1002"] = (Loop("<3>var loss = nn.functional.mse_loss(model.call(x), y);", "<3>loss.backward();", "<3>nn.utils.clip_grad_norm_(model.parameters(), 1.0);", "<3>optimizer.step();"),
                new MissingZeroGradAnalyzer(), new MissingZeroGradFixer(), "zero_grad", 3),
            ["GL1003"] = (Loop("<3>var loss = nn.functional.mse_loss(model.call(x), y);", "<3>loss.backward();", "<3>optimizer.zero_grad();", "<3>nn.utils.clip_grad_norm_(model.parameters(), 1.0);", "<3>optimizer.step();"),
                new ZeroGradBeforeStepAnalyzer(), new ZeroGradBeforeStepFixer(), "zero_grad", 3),
            ["GL1004"] = (Loop("<3>optimizer.zero_grad();", "<3>var loss = nn.functional.mse_loss(model.call(x), y);", "<3>loss.backward();", "<3>optimizer.step();", "<3>nn.utils.clip_grad_norm_(model.parameters(), 1.0);"),
                new MisplacedClippingAnalyzer(), new MisplacedClippingFixer(), "clip_grad_norm_", 3),
            ["GL3001"] = (Loop("<3>optimizer.zero_grad();", "<3>var loss = nn.functional.mse_loss(model.call(x), y);", "<3>loss.backward();", "<3>nn.utils.clip_grad_norm_(model.parameters(), 1.0);", "<3>optimizer.step();"),
                new TensorsWithoutDisposeScopeAnalyzer(), new TensorsWithoutDisposeScopeFixer(), "NewDisposeScope", 3),
            ["GL3003"] = (Loop("<3>using var scope = NewDisposeScope();", "<3>System.Console.WriteLine(model.call(x).sum().item<float>());"),
                new EvaluationBuildsGraphsAnalyzer(), new EvaluationBuildsGraphsFixer(), "no_grad", 3),
        };

        private static string Loop(params string[] body) => string.Join("\n", new[]
        {
            "using TorchSharp;",
            "using static TorchSharp.torch;",
            "",
            "class Trainer",
            "{",
            "<1>void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y, bool k)",
            "<1>{",
            "<2>for (int i = 0; i < 3; i++)",
            "<2>{",
        }.Concat(body).Concat(new[] { "<2>}", "<1>}", "}", "" }));

        private static string Indent(string template, string unit)
        {
            for (int level = 1; level <= 4; level++)
            {
                template = template.Replace($"<{level}>", string.Concat(Enumerable.Repeat(unit, level)));
            }

            return template;
        }

        private static string LeadingWhitespace(string line) => line.Substring(0, line.Length - line.TrimStart(' ', '\t').Length);

        [Theory]
        [MemberData(nameof(Cases))]
        public async Task Inserted_and_moved_statements_indent_like_the_file(string rule, string unit)
        {
            var (template, analyzer, fixer, marker, level) = Rules[rule];
            var source = Indent(template, unit);
            var fixedSource = await CodeFixRunner.ApplyAllAsync(source, analyzer, fixer);
            Assert.NotEqual(source, fixedSource);
            var lines = fixedSource.Replace("\r\n", "\n").Split('\n');

            foreach (var line in lines.Where(l => l.Trim().Length > 0))
            {
                var indentation = LeadingWhitespace(line);
                Assert.True(indentation.Length % unit.Length == 0 && indentation.Replace(unit, "").Length == 0,
                    $"{rule}: the line '{line}' is not indented in whole units of {(unit == "\t" ? "tabs" : $"{unit.Length} spaces")}:\n{fixedSource}");
            }

            var moved = lines.Single(l => l.Contains(marker + "(", StringComparison.Ordinal));
            Assert.Equal(string.Concat(Enumerable.Repeat(unit, level)), LeadingWhitespace(moved));

            // Lines the fix did not touch keep their indentation (the formatter once re-indented the loop's closing brace).
            var original = source.Split('\n').Where(l => l.Trim().Length > 0).GroupBy(l => l.Trim()).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => LeadingWhitespace(g.Single()));
            foreach (var line in lines.Where(l => l.Trim().Length > 0))
            {
                if (original.TryGetValue(line.Trim(), out var before) && lines.Count(l => l.Trim() == line.Trim()) == 1)
                {
                    Assert.Equal(before, LeadingWhitespace(line));
                }
            }
        }
    }
}

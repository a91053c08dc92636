using System.IO;
using System.Linq;
using System.Text.Json;
using GradLint.Tests.Infrastructure;
using Xunit;

namespace GradLint.Tests.Packaging
{
    /// <summary>
    /// What a user does, with the real `dotnet` and the real packages from a local feed: install,
    /// see warnings, fail CI, silence and configure rules, fix from the command line, upload SARIF,
    /// and run a guarded training step.
    /// </summary>
    [Collection(PackagedConsumerCollection.Name)]
    public class EndToEndTests
    {
        private readonly PackagedConsumerFixture fixture;

        public EndToEndTests(PackagedConsumerFixture fixture) => this.fixture = fixture;

        private static (int Code, string Output) Build(string dir, string extra = "") =>
            DotNet.Run(dir, $"build --nologo {extra}");

        [Fact]
        public void Build_succeeds_and_reports_GL1002_and_GL1001_at_the_step_call()
        {
            var dir = fixture.CreateProject("Warnings", PackagedConsumerFixture.RiskyProgram);
            var (code, output) = Build(dir);
            Assert.True(code == 0, output);
            var at = $"Program.cs({PackagedConsumerFixture.StepLine},{PackagedConsumerFixture.StepColumn}): warning";
            Assert.Contains($"{at} GL1002", output);
            Assert.Contains($"{at} GL1001", output);
        }

        [Theory]
        [InlineData("-warnaserror")]
        [InlineData("-p:GradLintAnalysisMode=AllErrors")]
        public void A_ci_build_fails_on_findings(string switches)
        {
            var dir = fixture.CreateProject("Gate" + switches.Length, PackagedConsumerFixture.RiskyProgram);
            var (code, output) = Build(dir, switches);
            Assert.NotEqual(0, code);
            Assert.Contains("error GL1001", output);
            Assert.Contains("error GL1002", output);
        }

        [Fact]
        public void Switching_to_AllErrors_on_an_already_built_tree_recompiles_and_fails()
        {
            var dir = fixture.CreateProject("Switch", PackagedConsumerFixture.RiskyProgram);
            var (code, output) = Build(dir);
            Assert.True(code == 0, output);

            // Nothing else changed: before the settings marker, the compiler was skipped and this passed.
            var (strictCode, strictOutput) = Build(dir, "-p:GradLintAnalysisMode=AllErrors");
            Assert.NotEqual(0, strictCode);
            Assert.Contains("error GL1001", strictOutput);

            var (againCode, againOutput) = Build(dir);   // and back: warnings again, not errors
            Assert.True(againCode == 0, againOutput);
            Assert.Contains("warning GL1001", againOutput);
        }

        [Fact]
        public void An_unknown_analysis_mode_is_a_clear_build_error()
        {
            var dir = fixture.CreateProject("BadMode", PackagedConsumerFixture.RiskyProgram);
            var (code, output) = Build(dir, "-p:GradLintAnalysisMode=Strict");
            Assert.NotEqual(0, code);
            Assert.Contains("GradLintAnalysisMode 'Strict' is not one of None, Default, Recommended, All, AllErrors", output);
        }

        [Fact]
        public void Editorconfig_silences_a_rule_even_in_AllErrors_mode()
        {
            var dir = fixture.CreateProject("Silenced", PackagedConsumerFixture.RiskyProgram, editorConfig: "dotnet_diagnostic.GL1001.severity = none\n");
            var (code, output) = Build(dir, "-p:GradLintAnalysisMode=AllErrors");
            Assert.DoesNotContain("GL1001", output);
            Assert.Contains("error GL1002", output);
            Assert.NotEqual(0, code);

            var (okCode, okOutput) = Build(dir);
            Assert.True(okCode == 0, okOutput);
            Assert.DoesNotContain("GL1001", okOutput);
            Assert.Contains("warning GL1002", okOutput);
        }

        [Fact]
        public void Dotnet_format_applies_the_fixes_with_the_configured_max_norm_and_the_project_builds_clean()
        {
            var dir = fixture.CreateProject("Format", PackagedConsumerFixture.RiskyProgram, editorConfig: "gradlint.default_max_norm = 0.5\n");
            var (formatCode, formatOutput) = DotNet.Run(dir, "format analyzers --diagnostics GL1002 GL1001 --severity info");
            Assert.True(formatCode == 0, formatOutput);

            var program = File.ReadAllText(Path.Combine(dir, "Program.cs"));
            Assert.Contains("optimizer.zero_grad();", program);
            Assert.Contains("nn.utils.clip_grad_norm_(model.parameters(), max_norm: 0.5);", program);

            var (code, output) = Build(dir, "-p:GradLintAnalysisMode=AllErrors");
            Assert.True(code == 0, output);
            Assert.DoesNotContain(" GL10", output);
        }

        [Fact]
        public void Sarif_error_log_carries_rule_ids_and_help_uris()
        {
            var dir = fixture.CreateProject("Sarif", PackagedConsumerFixture.RiskyProgram);
            var log = Path.Combine(dir, "gradlint.sarif");
            var (code, output) = Build(dir, $"-p:ErrorLog=\"{log}%2Cversion=2.1\"");
            Assert.True(code == 0, output);

            using var sarif = JsonDocument.Parse(File.ReadAllText(log));
            Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
            var run = sarif.RootElement.GetProperty("runs")[0];
            var ruleIds = run.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("ruleId").GetString()).ToList();
            Assert.Contains("GL1001", ruleIds);
            Assert.Contains("GL1002", ruleIds);
            var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
                .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.TryGetProperty("helpUri", out var uri) ? uri.GetString() : null);
            Assert.EndsWith("docs/rules/GL1001.md", rules["GL1001"]);
            Assert.EndsWith("docs/rules/GL1002.md", rules["GL1002"]);
        }

        [Fact]
        public void A_project_using_the_runtime_package_builds_and_runs_a_guarded_training_step()
        {
            var dir = fixture.CreateProject("Guarded", """
                using System;
                using GradLint;
                using static TorchSharp.torch;

                public static class Program
                {
                    public static int Main()
                    {
                        manual_seed(1);
                        var model = nn.Sequential(("fc1", nn.Linear(4, 8)), ("act", nn.Tanh()), ("fc2", nn.Linear(8, 1)));
                        using var optimizer = optim.Adam(model.parameters(), 0.01).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(0.01) }, model);
                        var x = randn(16, 4);
                        var y = randn(16, 1);
                        for (int i = 0; i < 3; i++)
                        {
                            using var scope = NewDisposeScope();
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }

                        Console.WriteLine($"guarded: {optimizer.Statistics.Steps} steps, {optimizer.Statistics.ClippedSteps} clipped; {optimizer.LastReport}");
                        return optimizer.Statistics.ClippedSteps == 3 ? 0 : 1;
                    }
                }
                """, withRuntime: true);
            var (code, output) = DotNet.Run(dir, "run --nologo");
            Assert.True(code == 0, output);
            Assert.Contains("guarded: 3 steps, 3 clipped; step 3: gradient norm", output);
        }
    }
}

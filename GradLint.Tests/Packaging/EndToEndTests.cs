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
        public void Dotnet_format_at_severity_warn_fixes_what_the_build_shows_and_leaves_Info_findings_alone()
        {
            // GL2005 (exp of an unbounded value) is Info: the build never shows it.
            var program = PackagedConsumerFixture.RiskyProgram.Replace("mse_loss(model.call(x), y)", "mse_loss(model.call(x).exp(), y)");
            Assert.NotEqual(PackagedConsumerFixture.RiskyProgram, program);

            var warn = fixture.CreateProject("FormatWarn", program);
            var (code, output) = DotNet.Run(warn, "format analyzers --severity warn");
            Assert.True(code == 0, output);
            var fixedAtWarn = File.ReadAllText(Path.Combine(warn, "Program.cs"));
            Assert.Contains("clip_grad_norm_", fixedAtWarn);
            Assert.Contains("optimizer.zero_grad();", fixedAtWarn);
            Assert.Contains("model.call(x).exp()", fixedAtWarn);   // the Info finding is left alone

            var info = fixture.CreateProject("FormatInfo", program);
            var (infoCode, infoOutput) = DotNet.Run(info, "format analyzers --severity info");
            Assert.True(infoCode == 0, infoOutput);
            Assert.DoesNotContain("model.call(x).exp()", File.ReadAllText(Path.Combine(info, "Program.cs")));   // what --severity info adds
        }

        [Fact]
        public void Central_package_management_and_Directory_Build_props_analyse_every_project_of_a_solution()
        {
            // The README's setup: versions in Directory.Packages.props, GradLint referenced once in
            // Directory.Build.props; App gets TorchSharp only through Lib and is analysed all the same.
            var root = Path.Combine(fixture.Root, "Solution");
            Directory.CreateDirectory(Path.Combine(root, "Lib"));
            Directory.CreateDirectory(Path.Combine(root, "App"));
            File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), $$"""
                <Project>
                  <PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup>
                  <ItemGroup>
                    <PackageVersion Include="GradLint" Version="{{fixture.Version}}" />
                    <PackageVersion Include="TorchSharp-cpu" Version="0.107.0" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(root, "Directory.Build.props"), """
                <Project>
                  <ItemGroup>
                    <PackageReference Include="GradLint" PrivateAssets="all" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(root, "Lib", "Lib.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
                  <ItemGroup><PackageReference Include="TorchSharp-cpu" /></ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(root, "Lib", "Trainer.cs"), PackagedConsumerFixture.RiskyProgram.Replace("namespace Consumer", "namespace Lib").Replace("public static void Main()", "public static void Train()"));
            File.WriteAllText(Path.Combine(root, "App", "App.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
                  <ItemGroup><ProjectReference Include="../Lib/Lib.csproj" /></ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(root, "App", "Program.cs"), PackagedConsumerFixture.RiskyProgram);

            var (code, output) = Build(Path.Combine(root, "App"));
            Assert.True(code == 0, output);
            Assert.DoesNotContain("NU1008", output);
            Assert.Matches(@"Lib[/\\]Trainer\.cs\(\d+,\d+\): warning GL1001", output);
            Assert.Matches(@"App[/\\]Program\.cs\(\d+,\d+\): warning GL1001", output);
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
            var (formatCode, formatOutput) = DotNet.Run(dir, "format analyzers --diagnostics GL1002 GL1001 GL3001 --severity info");
            Assert.True(formatCode == 0, formatOutput);

            var program = File.ReadAllText(Path.Combine(dir, "Program.cs"));
            Assert.Contains("optimizer.zero_grad();", program);
            Assert.Contains("nn.utils.clip_grad_norm_(model.parameters(), max_norm: 0.5);", program);
            Assert.Contains("using var scope = NewDisposeScope();", program);

            var (code, output) = Build(dir, "-p:GradLintAnalysisMode=AllErrors");
            Assert.True(code == 0, output);
            Assert.DoesNotContain(" GL10", output);
            Assert.DoesNotContain(" GL30", output);
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

using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradLint.Cli;
using GradLint.Cli.Inputs;
using Xunit;

namespace GradLint.Tests.Demo
{
    /// <summary>
    /// The tool's input handling, run in-process for speed (the installed tool is tested end to end in
    /// <c>CommandLineToolTests</c>): .dib notebooks, scripts' directives and usings, .editorconfig options on loose files.
    /// </summary>
    public class CommandLineInProcessTests : IDisposable
    {
        private readonly string folder = Path.Combine(Path.GetTempPath(), "gradlint-cli-" + Path.GetRandomFileName());

        public CommandLineInProcessTests() => Directory.CreateDirectory(folder);

        public void Dispose() => Directory.Delete(folder, recursive: true);

        private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var code = await Program.RunAsync(args, output, error, CancellationToken.None);
            return (code, output.ToString(), error.ToString());
        }

        private const string Dib = """
            #!meta

            {"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}

            #!markdown

            # A .dib notebook

            #!csharp

            #r "nuget: TorchSharp-cpu, 0.107.0"
            using TorchSharp;
            using static TorchSharp.torch;
            var model = nn.Linear(4, 1);
            var optimizer = optim.SGD(model.parameters(), 0.01);

            #!csharp

            for (int i = 0; i < 10; i++)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(randn(8, 4)), randn(8, 1)).backward();
                optimizer.step();
            }

            #!pwsh

            Write-Host "not C#"

            """;

        [Fact]
        public async Task A_dib_notebook_is_checked_by_cell_and_fixed_in_its_csharp_cells_only()
        {
            var path = Path.Combine(folder, "train.dib");
            File.WriteAllText(path, Dib);

            var (code, output, _) = await RunAsync("check", path);
            Assert.Equal(1, code);
            Assert.Contains("train.dib (cell 4):5:5: warning GL1001:", output);   // #!meta 1, #!markdown 2, #!csharp 3 and 4
            Assert.Contains("train.dib (cell 4):1:1: warning GL3001:", output);

            (code, _, _) = await RunAsync("fix", path);
            Assert.Equal(0, code);
            var fixedText = File.ReadAllText(path);
            Assert.StartsWith(Dib.Substring(0, Dib.IndexOf("for (int i", StringComparison.Ordinal)), fixedText);   // cells before it untouched
            Assert.EndsWith("#!pwsh\n\nWrite-Host \"not C#\"\n", fixedText);
            Assert.Contains("    using var scope = NewDisposeScope();\n    optimizer.zero_grad();", fixedText);
            Assert.Equal(0, (await RunAsync("check", path)).Code);
        }

        [Fact]
        public void A_script_keeps_its_directives_and_usings_where_they_were_and_its_display_expression_bare()
        {
            var path = Path.Combine(folder, "cells.csx");
            var source = "#r \"nuget: TorchSharp-cpu, 0.107.0\"\nusing TorchSharp;\nvar x = torch.ones(2);\nusing System.Text;\nx.sum()";
            File.WriteAllText(path, source);
            var script = Notebooks.Read(path, SourceKind.Script);

            // Usings are hoisted to the top of the compiled script, every cell line keeps its place.
            Assert.Contains("using TorchSharp;\n", script.Text.Substring(0, script.Text.IndexOf("//#gradlint", StringComparison.Ordinal)));
            Assert.Contains("//#gradlint-kept using System.Text;", script.Text);
            Assert.Equal((1, 3), script.Map(script.PreambleLines + 2));
            Assert.Equal(new[] { source }, script.CellSources(script.Text));
        }

        [Fact]
        public async Task Loose_files_follow_the_gradlint_options_and_severities_of_the_editorconfig_above_them()
        {
            File.WriteAllText(Path.Combine(folder, ".editorconfig"), "root = true\n\n[*.cs]\ngradlint.default_max_norm = 0.5\ndotnet_diagnostic.GL3001.severity = none\n");
            var path = Path.Combine(folder, "Train.cs");
            File.WriteAllText(path, """
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Train
                {
                    public static void Run(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        for (int i = 0; i < 10; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }
                    }
                }
                """);

            var (code, output, _) = await RunAsync("check", folder, "--format", "json");
            Assert.Equal(1, code);
            Assert.Contains("\"ruleId\": \"GL1001\"", output);
            Assert.DoesNotContain("GL3001", output);   // severity none in the .editorconfig

            (code, output, _) = await RunAsync("fix", folder);
            Assert.Equal(0, code);
            Assert.Contains("max_norm: 0.5);", File.ReadAllText(path));   // gradlint.default_max_norm
        }

        [Fact]
        public void Every_option_of_the_usage_text_is_documented_in_docs_cli()
        {
            var page = File.ReadAllText(Path.Combine(GradLint.Tests.Infrastructure.RepoPaths.Root, "docs", "cli.md"));
            var options = System.Text.RegularExpressions.Regex.Matches(CommandLine.Usage, @"--[a-z][a-z-]+").Select(m => m.Value).Distinct().ToList();
            Assert.True(options.Count >= 7, string.Join(", ", options));
            Assert.All(options, option => Assert.Contains("`" + option, page));
        }

        [Fact]
        public async Task A_folder_with_nothing_to_check_and_an_output_in_a_missing_folder_are_bad_input()
        {
            var empty = Path.Combine(folder, "empty");
            Directory.CreateDirectory(empty);
            var (code, _, error) = await RunAsync("check", empty);
            Assert.Equal(2, code);
            Assert.Contains("no C# files, projects, scripts or notebooks to check", error);

            File.WriteAllText(Path.Combine(folder, "A.cs"), "class A { }");
            (code, _, error) = await RunAsync("check", folder, "--output", Path.Combine(folder, "no", "such", "report.json"));
            Assert.Equal(2, code);
            Assert.Contains("its folder does not exist", error);
        }
    }
}

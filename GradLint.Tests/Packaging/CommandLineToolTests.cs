using System.Collections.Generic;
using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Xunit;

namespace GradLint.Tests.Packaging
{
    /// <summary>
    /// The <c>gradlint</c> tool end to end: packed, installed into a tool path, and run on a project, a folder, a
    /// <c>.csx</c> script and a Polyglot notebook, as a user or a CI job runs it.
    /// </summary>
    [Collection(InstalledToolCollection.Name)]
    public class CommandLineToolTests
    {
        private readonly InstalledToolFixture tool;

        public CommandLineToolTests(InstalledToolFixture tool) => this.tool = tool;

        private const string RiskyTraining = """
            using TorchSharp;
            using static TorchSharp.torch;

            var model = nn.Linear(4, 1);
            var optimizer = optim.SGD(model.parameters(), 0.01);
            var x = randn(8, 4);
            var y = randn(8, 1);
            for (int i = 0; i < 100; i++)
            {
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                optimizer.step();
            }
            """;

        // A notebook as Polyglot Notebooks saves it: markdown, outputs (text and an image), execution counts,
        // per-cell kernel metadata; the model in one cell, the training loop in another, the evaluation in a third.
        internal const string Notebook = """
            {
             "cells": [
              {
               "cell_type": "markdown",
               "metadata": {},
               "source": [
                "# Regression with TorchSharp\n",
                "Train a small MLP, then evaluate it — *ünïcode* kept as written."
               ]
              },
              {
               "cell_type": "code",
               "execution_count": 1,
               "metadata": {
                "dotnet_interactive": {
                 "language": "csharp"
                },
                "polyglot_notebook": {
                 "kernelName": "csharp"
                }
               },
               "outputs": [
                {
                 "data": {
                  "text/html": [
                   "<div><strong>Installed Packages</strong><ul><li><span>TorchSharp-cpu, 0.107.0</span></li></ul></div>"
                  ]
                 },
                 "metadata": {},
                 "output_type": "display_data"
                }
               ],
               "source": [
                "#r \"nuget: TorchSharp-cpu, 0.107.0\"\n",
                "\n",
                "using TorchSharp;\n",
                "using static TorchSharp.torch;"
               ]
              },
              {
               "cell_type": "code",
               "execution_count": 2,
               "metadata": {
                "dotnet_interactive": {
                 "language": "csharp"
                },
                "polyglot_notebook": {
                 "kernelName": "csharp"
                }
               },
               "outputs": [],
               "source": [
                "var model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1));\n",
                "var optimizer = optim.Adam(model.parameters(), 1e-3);\n",
                "var x = randn(256, 4);\n",
                "var y = x.sum(1, true);"
               ]
              },
              {
               "cell_type": "markdown",
               "metadata": {},
               "source": [
                "## Training"
               ]
              },
              {
               "cell_type": "code",
               "execution_count": 3,
               "metadata": {
                "dotnet_interactive": {
                 "language": "csharp"
                },
                "polyglot_notebook": {
                 "kernelName": "csharp"
                }
               },
               "outputs": [
                {
                 "name": "stdout",
                 "output_type": "stream",
                 "text": [
                  "epoch 0: 1.2031\n",
                  "epoch 100: 0.0412\n"
                 ]
                }
               ],
               "source": [
                "for (int epoch = 0; epoch < 200; epoch++)\n",
                "{\n",
                "    optimizer.zero_grad();\n",
                "    var loss = nn.functional.mse_loss(model.call(x), y);\n",
                "    loss.backward();\n",
                "    optimizer.step();\n",
                "    if (epoch % 100 == 0) Console.WriteLine($\"epoch {epoch}: {loss.item<float>():F4}\");\n",
                "}"
               ]
              },
              {
               "cell_type": "code",
               "execution_count": 4,
               "metadata": {
                "dotnet_interactive": {
                 "language": "fsharp"
                },
                "polyglot_notebook": {
                 "kernelName": "fsharp"
                }
               },
               "outputs": [],
               "source": [
                "let notCSharp = 1 + 1"
               ]
              },
              {
               "cell_type": "code",
               "execution_count": 5,
               "metadata": {
                "dotnet_interactive": {
                 "language": "csharp"
                },
                "polyglot_notebook": {
                 "kernelName": "csharp"
                }
               },
               "outputs": [
                {
                 "data": {
                  "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
                  "text/plain": [
                   "0.0391"
                  ]
                 },
                 "execution_count": 5,
                 "metadata": {},
                 "output_type": "execute_result"
                }
               ],
               "source": [
                "var total = 0.0;\n",
                "for (int i = 0; i < 10; i++)\n",
                "{\n",
                "    total += nn.functional.mse_loss(model.call(x), y).item<float>();\n",
                "}\n",
                "total / 10"
               ]
              }
             ],
             "metadata": {
              "kernelspec": {
               "display_name": ".NET (C#)",
               "language": "C#",
               "name": ".net-csharp"
              },
              "language_info": {
               "name": "polyglot-notebook"
              },
              "polyglot_notebook": {
               "kernelInfo": {
                "defaultKernelName": "csharp",
                "items": [
                 {
                  "aliases": [],
                  "name": "csharp"
                 }
                ]
               }
              }
             },
             "nbformat": 4,
             "nbformat_minor": 2
            }

            """;

        [Fact]
        public void A_project_is_loaded_through_MSBuild_with_its_references_and_its_editorconfig()
        {
            var dir = tool.NewFolder("project");
            File.WriteAllText(Path.Combine(dir, "App.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="TorchSharp" Version="0.107.0" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), RiskyTraining);
            File.WriteAllText(Path.Combine(dir, ".editorconfig"), "root = true\n\n[*.cs]\ndotnet_diagnostic.GL1002.severity = none\n");

            var (code, output, error) = tool.Run(dir, "check App.csproj");
            Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
            Assert.Contains("Program.cs:12:5: warning GL1001:", output);
            Assert.Contains("Program.cs:8:1: warning GL3001:", output);
            Assert.DoesNotContain("GL1002", output);   // switched off in the project's .editorconfig
            Assert.Contains("Loading App.csproj with MSBuild", error);   // a step over a second says what it does

            // CI systems often set MSBUILDNOINPROCNODE=1; MSBuild's design-time build then returned no source files and
            // the tool said "No findings" — a false green. It must find the same.
            (code, output, error) = tool.Run(dir, "check App.csproj", environment: new Dictionary<string, string> { ["MSBUILDNOINPROCNODE"] = "1" });
            Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
            Assert.Contains("Program.cs:12:5: warning GL1001:", output);

            // The same project through a solution, in both solution formats.
            File.WriteAllText(Path.Combine(dir, "Hand.slnx"), "<Solution>\n  <Project Path=\"App.csproj\" />\n</Solution>\n");
            (code, output, error) = tool.Run(dir, "check Hand.slnx --format json");
            Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
            Assert.Contains("\"file\": \"Program.cs\"", output);
            var (newCode, newLog) = GradLint.Tests.Infrastructure.DotNet.Run(dir, "new sln -n App --format sln");
            Assert.True(newCode == 0, newLog);
            var (addCode, addLog) = GradLint.Tests.Infrastructure.DotNet.Run(dir, "sln App.sln add App.csproj");
            Assert.True(addCode == 0, addLog);
            (code, output, error) = tool.Run(dir, "check App.sln");
            Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
            Assert.Contains("Program.cs:12:5: warning GL1001:", output);
        }

        [Fact]
        public void A_project_that_loads_with_no_source_files_is_an_error_not_a_pass()
        {
            var dir = tool.NewFolder("no-sources");
            File.WriteAllText(Path.Combine(dir, "Empty.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
                  </PropertyGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), RiskyTraining);

            var (code, output, error) = tool.Run(dir, "check Empty.csproj");
            Assert.True(code == 2, $"exit {code}\n{output}\n{error}");
            Assert.Contains("Empty.csproj: MSBuild loaded no source files, but its folder has 1 .cs file(s)", error);
            Assert.DoesNotContain("No findings", output);
        }

        [Fact]
        public void It_also_runs_as_a_local_tool_from_a_manifest()
        {
            var dir = tool.NewFolder("local-tool");
            var (code, log) = GradLint.Tests.Infrastructure.DotNet.Run(dir, "new tool-manifest");
            Assert.True(code == 0, log);
            (code, log) = GradLint.Tests.Infrastructure.DotNet.Run(dir, $"tool install GradLint.Cli --add-source \"{tool.Feed}\" --version {tool.Version}");
            Assert.True(code == 0, log);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), RiskyTraining);
            (code, log) = GradLint.Tests.Infrastructure.DotNet.Run(dir, "tool run gradlint -- check Program.cs --rule GL1002");
            Assert.True(code == 1, log);
            Assert.Contains("Program.cs:12:5: warning GL1002:", log);
        }

        [Fact]
        public void A_folder_compiles_its_files_together_and_a_clean_file_gives_nothing()
        {
            var dir = tool.NewFolder("folder");
            File.WriteAllText(Path.Combine(dir, "Risky.cs"), """
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Risky
                {
                    public static Tensor Loss(Tensor logits, Tensor target) => nn.functional.nll_loss(torch.log(nn.functional.softmax(logits, 1)), target);
                }
                """);
            File.WriteAllText(Path.Combine(dir, "Clean.cs"), """
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Clean
                {
                    public static Tensor Loss(Tensor logits, Tensor target) => nn.functional.cross_entropy(logits, target);
                }
                """);

            var (code, output, _) = tool.Run(dir, ".");
            Assert.Equal(2, code);   // no command: bad usage

            (code, output, var error) = tool.Run(dir, "check .");
            Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
            Assert.Contains("Risky.cs:6:", output);
            Assert.Contains("GL2002", output);
            Assert.DoesNotContain("Clean.cs", output);

            (code, output, _) = tool.Run(dir, "check Clean.cs");
            Assert.Equal(0, code);
            Assert.Contains("No findings.", output);
        }

        [Fact]
        public void A_csx_script_is_checked_and_fixed_in_place()
        {
            var dir = tool.NewFolder("script");
            var script = Path.Combine(dir, "train.csx");
            File.WriteAllText(script, "#r \"nuget: TorchSharp-cpu, 0.107.0\"\n" + RiskyTraining);

            var (code, output, error) = tool.Run(dir, "check train.csx --format json");
            Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
            var findings = JsonNode.Parse(output)!["findings"]!.AsArray();
            Assert.Contains(findings, f => (string?)f!["ruleId"] == "GL1002" && (int)f["line"]! == 13 && (string?)f["file"] == "train.csx");
            Assert.Contains(findings, f => (string?)f!["ruleId"] == "GL3001" && (int)f["line"]! == 9);

            (code, output, error) = tool.Run(dir, "fix train.csx");
            Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
            var fixedScript = File.ReadAllText(script);
            Assert.StartsWith("#r \"nuget: TorchSharp-cpu, 0.107.0\"\nusing TorchSharp;", fixedScript);   // the directive kept where it was
            Assert.Contains("    optimizer.zero_grad();", fixedScript);
            Assert.Contains("    using var scope = NewDisposeScope();", fixedScript);
            Assert.Contains("+    optimizer.zero_grad();", output);   // the unified diff
        }

        [Fact]
        public void A_notebook_gets_findings_by_cell_and_a_valid_SARIF_log()
        {
            var dir = tool.NewFolder("notebook-check");
            File.WriteAllText(Path.Combine(dir, "regression.ipynb"), Notebook);

            var (code, output, error) = tool.Run(dir, "check regression.ipynb");
            Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
            Assert.Contains("regression.ipynb (cell 5):6:5: warning GL1001:", output);    // optimizer.step() in the training cell
            Assert.Contains("regression.ipynb (cell 5):1:1: warning GL3001:", output);    // its loop has no dispose scope
            Assert.Contains("regression.ipynb (cell 7):2:1: warning GL3003:", output);    // evaluated with dropout still on
            Assert.DoesNotContain("(cell 6)", output);                                      // the F# cell is not C#

            (code, output, error) = tool.Run(dir, "check regression.ipynb --format sarif --output gradlint.sarif");
            Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
            var sarifText = File.ReadAllText(Path.Combine(dir, "gradlint.sarif"));

            var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemata", "sarif-2.1.0.json")));
            var validation = schema.Evaluate(JsonDocument.Parse(sarifText).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(validation.IsValid, "SARIF not valid against the 2.1.0 schema: " + string.Join("; ", (validation.Details ?? new System.Collections.Generic.List<EvaluationResults>()).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Take(5)));

            // The validator does reject what the schema does not allow.
            var broken = JsonNode.Parse(sarifText)!;
            broken["runs"]![0]!["results"]![0]!["level"] = "catastrophic";
            Assert.False(schema.Evaluate(JsonDocument.Parse(broken.ToJsonString()).RootElement).IsValid);

            var run = JsonNode.Parse(sarifText)!["runs"]![0]!;
            var rules = run["tool"]!["driver"]!["rules"]!.AsArray();
            Assert.Equal(GradLint.Tests.Infrastructure.Compile.AllGradLintAnalyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().Count(), rules.Count);
            Assert.All(rules, r => Assert.EndsWith($"docs/rules/{(string?)r!["id"]}.md", (string?)r["helpUri"]));
            var results = run["results"]!.AsArray();
            var evaluation = Assert.Single(results, r => (string?)r!["ruleId"] == "GL3003");
            Assert.Equal(7, (int)evaluation!["properties"]!["cell"]!);
            Assert.Equal("regression.ipynb", (string?)evaluation["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]);
        }

        [Fact]
        public void Fixing_a_notebook_changes_only_its_cells_sources_and_leaves_it_clean()
        {
            var dir = tool.NewFolder("notebook-fix");
            var path = Path.Combine(dir, "regression.ipynb");
            File.WriteAllText(path, Notebook);

            var (code, output, error) = tool.Run(dir, "fix regression.ipynb --dry-run");
            Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
            Assert.Contains("--- a/regression.ipynb (cell 5)", output);
            Assert.Equal(Notebook, File.ReadAllText(path));   // a dry run writes nothing

            (code, output, error) = tool.Run(dir, "fix regression.ipynb");
            Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
            var fixedText = File.ReadAllText(path);
            Assert.NotEqual(Notebook, fixedText);

            // Everything but the sources of the changed cells is as it was: outputs, metadata, other cells.
            var before = JsonNode.Parse(Notebook)!;
            var after = JsonNode.Parse(fixedText)!;
            Assert.True(JsonNode.DeepEquals(before["metadata"], after["metadata"]));
            var beforeCells = before["cells"]!.AsArray();
            var afterCells = after["cells"]!.AsArray();
            Assert.Equal(beforeCells.Count, afterCells.Count);
            var changed = 0;
            for (int i = 0; i < beforeCells.Count; i++)
            {
                var b = beforeCells[i]!.DeepClone().AsObject();
                var a = afterCells[i]!.DeepClone().AsObject();
                changed += JsonNode.DeepEquals(b["source"], a["source"]) ? 0 : 1;
                b.Remove("source");
                a.Remove("source");
                Assert.True(JsonNode.DeepEquals(b, a), $"cell {i + 1} changed outside its source");
            }

            Assert.Equal(2, changed);   // the training cell and the evaluation cell

            // Byte for byte up to the first changed cell's source, and after the last one.
            var firstChange = Notebook.IndexOf("\"for (int epoch", StringComparison.Ordinal);
            Assert.Equal(Notebook.Substring(0, firstChange), fixedText.Substring(0, firstChange));
            var tail = Notebook.Substring(Notebook.IndexOf("\"total / 10\"", StringComparison.Ordinal));
            Assert.EndsWith(tail, fixedText);

            var training = string.Concat(afterCells[4]!["source"]!.AsArray().Select(l => (string?)l));
            Assert.Contains("    using var scope = NewDisposeScope();\n", training);
            Assert.Contains("nn.utils.clip_grad_norm_(model.parameters(), max_norm: 1.0);", training);
            var evaluation = string.Concat(afterCells[6]!["source"]!.AsArray().Select(l => (string?)l));
            Assert.Contains("model.eval();\nfor (int i = 0; i < 10; i++)", evaluation);
            Assert.EndsWith("total / 10", evaluation);   // the cell's display expression, still without a semicolon

            (code, output, error) = tool.Run(dir, "check regression.ipynb");
            Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        }

        [Fact]
        public void Bad_input_gets_one_clear_line_exit_code_2_and_writes_nothing()
        {
            var dir = tool.NewFolder("bad");
            var broken = Path.Combine(dir, "broken.ipynb");
            File.WriteAllText(broken, "{ \"cells\": [ this is not json");

            var (code, output, error) = tool.Run(dir, "fix broken.ipynb");
            Assert.Equal(2, code);
            Assert.Single(error.Trim().Split('\n'));
            Assert.Contains("broken.ipynb: not a notebook: the file is not valid JSON", error);
            Assert.Equal("{ \"cells\": [ this is not json", File.ReadAllText(broken));

            (code, _, error) = tool.Run(dir, "check missing.cs");
            Assert.Equal(2, code);
            Assert.Equal("gradlint: missing.cs: no such file or folder", error.Trim());

            (code, _, error) = tool.Run(dir, "check . --format xml");
            Assert.Equal(2, code);
            Assert.Contains("--format xml: use text, json or sarif", error);

            (code, _, error) = tool.Run(dir, "check . --rule GL9999");
            Assert.Equal(2, code);
            Assert.Contains("--rule GL9999: no such rule", error);

            (code, output, _) = tool.Run(dir, "--help");
            Assert.Equal(0, code);
            Assert.Contains("gradlint check <path>...", output);
        }

        [Fact]
        public void Severity_and_rule_filters_decide_what_is_reported_and_the_exit_code()
        {
            var dir = tool.NewFolder("filters");
            File.WriteAllText(Path.Combine(dir, "Program.cs"), RiskyTraining);

            var (code, output, _) = tool.Run(dir, "check Program.cs --severity error");
            Assert.Equal(0, code);   // every finding here is a warning
            Assert.Contains("No findings.", output);

            (code, output, _) = tool.Run(dir, "check Program.cs --rule GL1002");
            Assert.Equal(1, code);
            Assert.Contains("GL1002", output);
            Assert.DoesNotContain("GL1001", output);
            Assert.DoesNotContain("GL3001", output);
        }
    }
}

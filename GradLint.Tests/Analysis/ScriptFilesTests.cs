using System;
using System.Linq;
using System.Threading.Tasks;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace GradLint.Tests.Analysis
{
    /// <summary>
    /// The compiler runs no operation actions on a C# script's top-level code (a <c>.csx</c> file, a notebook's cells),
    /// which is why the rules take their nodes from syntax actions and ask for the operation themselves. One script with
    /// a finding of every shape a rule registers for — a call, a loop, a division, a compound assignment — proves that
    /// scripts are analysed, and the same code as a regular program that each finding is reported once.
    /// </summary>
    public class ScriptFilesTests
    {
        private const string Training = """
            using System.Collections.Generic;
            using TorchSharp;
            using static TorchSharp.torch;

            var model = nn.Linear(4, 1);
            var optimizer = optim.SGD(model.parameters(), 0.01);
            var x = randn(8, 4);
            var y = randn(8, 1);
            var total = zeros(1);
            for (int i = 0; i < 10; i++)
            {
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                optimizer.step();
                total += loss;
            }

            var scores = model.call(x);
            var logProbabilities = torch.log(scores.softmax(1));
            var normalised = x / x.norm();
            """;

        private static readonly (string Id, string Line)[] Expected =
        {
            ("GL1001", "optimizer.step();"),
            ("GL2002", "var logProbabilities = torch.log(scores.softmax(1));"),
            ("GL2009", "var normalised = x / x.norm();"),
            ("GL3001", "for (int i = 0; i < 10; i++)"),
            ("GL3002", "total += loss;"),
        };

        [Fact]
        public async Task A_script_file_gets_every_shape_of_finding()
        {
            var tree = CSharpSyntaxTree.ParseText(Training, new CSharpParseOptions(kind: SourceCodeKind.Script), path: "train.csx");
            var compilation = CSharpCompilation.CreateScriptCompilation("train.csx", tree, TestReferences.All);
            Assert.Equal(Expected, await Findings(compilation));
        }

        [Fact]
        public async Task The_same_code_as_a_program_gets_each_finding_once()
        {
            var compilation = Compile.Create(false, Training).WithOptions(new CSharpCompilationOptions(OutputKind.ConsoleApplication));
            Assert.Equal(Expected, await Findings(compilation));
        }

        private static async Task<(string Id, string Line)[]> Findings(Compilation compilation)
        {
            var diagnostics = await Compile.AllDiagnosticsAsync(compilation);
            Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error || d.Id == "AD0001");
            return diagnostics.Where(d => d.Id.StartsWith("GL", StringComparison.Ordinal))
                .Select(d => (d.Id, d.Location.SourceTree!.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim()))
                .OrderBy(f => f.Id, StringComparer.Ordinal).ThenBy(f => f.Item2, StringComparer.Ordinal)
                .ToArray();
        }
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace GradLint.Tests.Rules
{
    /// <summary>
    /// How hosts other than the IDE drive the fixers. dotnet format builds its Fix All context from the first
    /// diagnostic of an analyzer's results, whatever its rule (GradLint ships one analyzer for every rule), and passes
    /// the key of the action the fixer offered for it — none if the fixer offered nothing. GL1001 and GL1002 both sit
    /// on an unclipped, uncleared <c>step()</c>.
    /// </summary>
    public class FixersUnderOtherHostsTests
    {
        private const string Source = """
            using TorchSharp;
            using static TorchSharp.torch;

            public class Trainer
            {
                public void Train(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int steps)
                {
                    var optimizer = optim.SGD(model.parameters(), 0.01);
                    for (int i = 0; i < steps; i++)
                    {
                        var loss = nn.functional.mse_loss(model.call(x), y);
                        loss.backward();
                        optimizer.step();
                    }
                }
            }
            """;

        [Fact]
        public async Task A_fixer_offers_nothing_for_another_rules_diagnostic_on_the_same_call()
        {
            var (document, diagnostics) = await AnalyzeAsync();
            var clipping = Assert.Single(diagnostics, d => d.Id == "GL1001");
            var zeroGrad = Assert.Single(diagnostics, d => d.Id == "GL1002");
            Assert.Equal(clipping.Location.SourceSpan, zeroGrad.Location.SourceSpan);

            var offered = new List<CodeAction>();
            await new MissingGradientClippingFixer().RegisterCodeFixesAsync(new CodeFixContext(document, zeroGrad, (action, _) => offered.Add(action), CancellationToken.None));
            Assert.Empty(offered);
            await new MissingGradientClippingFixer().RegisterCodeFixesAsync(new CodeFixContext(document, clipping, (action, _) => offered.Add(action), CancellationToken.None));
            Assert.NotEmpty(offered);   // its own diagnostic, at the same place, gets the fix
        }

        [Fact]
        public async Task Fix_all_without_an_equivalence_key_applies_the_action_a_single_fix_offers_first()
        {
            var (document, diagnostics) = await AnalyzeAsync();
            var fixer = new MissingZeroGradFixer();
            var context = new FixAllContext(document, fixer, FixAllScope.Solution, codeActionEquivalenceKey: null!, new[] { "GL1002" }, new Provider(diagnostics), CancellationToken.None);
            var fix = await fixer.GetFixAllProvider()!.GetFixAsync(context);
            Assert.NotNull(fix);

            var changed = (await fix!.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single().ChangedSolution;
            var text = (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString();
            var single = await CodeFixRunner.ApplyAllAsync(Source, new MissingZeroGradAnalyzer(), fixer);
            Assert.Contains("optimizer.zero_grad();", text);
            Assert.Equal(single, text);   // the same edit as accepting the first light bulb
        }

        private static async Task<(Document Document, ImmutableArray<Diagnostic> Diagnostics)> AnalyzeAsync()
        {
            var workspace = new AdhocWorkspace();
            var project = workspace.CurrentSolution.AddProject("UserProject", "UserProject", LanguageNames.CSharp)
                .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
                .WithMetadataReferences(TestReferences.All);
            var document = project.AddDocument("Trainer.cs", SourceText.From(Source));
            var compilation = (await document.Project.GetCompilationAsync())!;
            var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new MissingGradientClippingAnalyzer(), new MissingZeroGradAnalyzer());
            var diagnostics = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
            return (document, diagnostics);
        }

        private sealed class Provider : FixAllContext.DiagnosticProvider
        {
            private readonly ImmutableArray<Diagnostic> diagnostics;

            public Provider(ImmutableArray<Diagnostic> diagnostics) => this.diagnostics = diagnostics;

            public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

            public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

            public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);
        }
    }
}

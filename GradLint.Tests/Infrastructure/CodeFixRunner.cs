using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradLint.Cli.Checking;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>Applies a code fix repeatedly, as a user accepting every light bulb would, in a real workspace.</summary>
    public static class CodeFixRunner
    {
        private static Document CreateDocument(AdhocWorkspace workspace, string source, bool withRuntime)
        {
            var references = withRuntime ? TestReferences.All.Add(TestReferences.GradLintRuntime) : TestReferences.All;
            var project = workspace.CurrentSolution
                .AddProject("UserProject", "UserProject", LanguageNames.CSharp)
                .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
                .WithMetadataReferences(references);
            return project.AddDocument("Trainer.cs", SourceText.From(source));
        }

        /// <summary>The equivalence keys of the actions <paramref name="fixer"/> offers for the first diagnostic it can fix.</summary>
        public static async Task<ImmutableArray<string?>> OfferedActionKeysAsync(string source, DiagnosticAnalyzer analyzer, CodeFixProvider fixer, bool withRuntime)
        {
            using var workspace = new AdhocWorkspace();
            var document = CreateDocument(workspace, source, withRuntime);
            var compilation = (await document.Project.GetCompilationAsync())!;
            var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create(analyzer)).GetAnalyzerDiagnosticsAsync();
            var diagnostic = diagnostics.First(d => fixer.FixableDiagnosticIds.Contains(d.Id));
            var keys = ImmutableArray.CreateBuilder<string?>();
            await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => keys.Add(a.EquivalenceKey), CancellationToken.None));
            return keys.ToImmutable();
        }

        public static async Task<string> ApplyAllAsync(string source, DiagnosticAnalyzer analyzer, CodeFixProvider fixer, int maxRounds = 20)
        {
            // The demo's checker, restricted to one rule: apply its first action until nothing is left to fix.
            var checker = new GradLintChecker(TestReferences.All, analyzers: new[] { analyzer }, fixers: new[] { fixer });
            var report = await checker.FixAsync(source, "Trainer.cs", maxRounds);
            return report.FixedSource;
        }
    }
}

using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>Applies a code fix repeatedly, as a user accepting every light bulb would, in a real workspace.</summary>
    public static class CodeFixRunner
    {
        public static async Task<string> ApplyAllAsync(string source, DiagnosticAnalyzer analyzer, CodeFixProvider fixer, int maxRounds = 20)
        {
            using var workspace = new AdhocWorkspace();
            var project = workspace.CurrentSolution
                .AddProject("UserProject", "UserProject", LanguageNames.CSharp)
                .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
                .WithMetadataReferences(TestReferences.All);
            var document = project.AddDocument("Trainer.cs", SourceText.From(source));

            for (int round = 0; round < maxRounds; round++)
            {
                var compilation = (await document.Project.GetCompilationAsync())!;
                var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create(analyzer)).GetAnalyzerDiagnosticsAsync();
                var diagnostic = diagnostics.FirstOrDefault(d => fixer.FixableDiagnosticIds.Contains(d.Id));
                if (diagnostic is null)
                {
                    return (await document.GetTextAsync()).ToString();
                }

                CodeAction? action = null;
                var context = new CodeFixContext(document, diagnostic, (a, _) => action ??= a, CancellationToken.None);
                await fixer.RegisterCodeFixesAsync(context);
                if (action is null)
                {
                    throw new InvalidOperationException($"No fix offered for {diagnostic}.");
                }

                var operations = await action.GetOperationsAsync(CancellationToken.None);
                var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
                document = changed.GetDocument(document.Id)!;
            }

            throw new InvalidOperationException("The fix did not converge.");
        }
    }
}

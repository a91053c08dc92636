using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Cli.Analysis
{
    /// <summary>
    /// Applies GradLint's code fixes to a checked project as the IDE's "Fix all occurrences in document" does:
    /// rule by rule, one Fix All per document with the first action the fixer offers, repeated while a fix
    /// uncovers more of the same rule (a mode fix that reveals the next epoch's), a few rounds at most. Only findings at
    /// or above the severity asked for are fixed.
    /// </summary>
    public static class ProjectFixer
    {
        private const int MaxRounds = 4;

        /// <summary>Fixes what it can in <see cref="CheckedProject.Current"/> (nothing is written to disk); returns the rules fixed, per document.</summary>
        public static async Task<Dictionary<DocumentId, List<string>>> FixAsync(
            CheckedProject project, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<CodeFixProvider> fixers, IReadOnlySet<string>? rules, DiagnosticSeverity minimum, CancellationToken cancellationToken)
        {
            var applied = new Dictionary<DocumentId, List<string>>();
            var ids = fixers.SelectMany(f => f.FixableDiagnosticIds).Where(id => rules is null || rules.Contains(id)).Distinct().OrderBy(id => id, StringComparer.Ordinal).ToList();
            foreach (var id in ids)
            {
                var fixer = fixers.First(f => f.FixableDiagnosticIds.Contains(id));
                var only = new HashSet<string> { id };
                for (int round = 0; round < MaxRounds; round++)
                {
                    var diagnostics = await ProjectAnalysis.DiagnosticsAsync(project, analyzers, only, cancellationToken).ConfigureAwait(false);
                    var changedAny = false;
                    // Like `dotnet format --severity`: only findings the user asked to see are fixed.
                    foreach (var group in diagnostics.Where(d => d.Severity >= minimum).GroupBy(d => d.Location.SourceTree))
                    {
                        var document = project.Project.GetDocument(group.Key);
                        if (document is null)
                        {
                            continue;
                        }

                        var fixedDocument = await FixAllInDocumentAsync(document, fixer, group.ToImmutableArray(), cancellationToken).ConfigureAwait(false);
                        if (fixedDocument is null)
                        {
                            continue;
                        }

                        project.Current = fixedDocument.Project.Solution;
                        changedAny = true;
                        if (!applied.TryGetValue(document.Id, out var list))
                        {
                            applied[document.Id] = list = new List<string>();
                        }

                        list.Add(id);
                    }

                    if (!changedAny)
                    {
                        break;
                    }
                }
            }

            return applied;
        }

        private static async Task<Document?> FixAllInDocumentAsync(Document document, CodeFixProvider fixer, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            // The equivalence key of the first action offered for the first finding: Fix All applies that action everywhere.
            CodeAction? first = null;
            foreach (var diagnostic in diagnostics)
            {
                await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => first ??= action, cancellationToken)).ConfigureAwait(false);
                if (first is not null)
                {
                    break;
                }
            }

            if (first is null)
            {
                return null;
            }

            CodeAction? action = first;
            var fixAll = fixer.GetFixAllProvider();
            if (fixAll is not null && diagnostics.Length > 1)
            {
                var context = new FixAllContext(document, fixer, FixAllScope.Document, first.EquivalenceKey, diagnostics.Select(d => d.Id).Distinct(),
                    new FixedDiagnostics(diagnostics), cancellationToken);
                action = await fixAll.GetFixAsync(context).ConfigureAwait(false) ?? first;
            }

            var operations = await action.GetOperationsAsync(cancellationToken).ConfigureAwait(false);
            var changed = operations.OfType<ApplyChangesOperation>().FirstOrDefault()?.ChangedSolution.GetDocument(document.Id);
            if (changed is null)
            {
                return null;
            }

            var before = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
            var after = await changed.GetTextAsync(cancellationToken).ConfigureAwait(false);
            return before.ContentEquals(after) ? null : changed;
        }

        /// <summary>The diagnostics of one document, already computed, for Fix All.</summary>
        private sealed class FixedDiagnostics : FixAllContext.DiagnosticProvider
        {
            private readonly ImmutableArray<Diagnostic> diagnostics;

            public FixedDiagnostics(ImmutableArray<Diagnostic> diagnostics) => this.diagnostics = diagnostics;

            public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
                Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

            public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
                Task.FromResult(diagnostics.Where(d => d.Location.SourceTree?.FilePath == document.FilePath));

            public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
                Task.FromResult(Enumerable.Empty<Diagnostic>());
        }
    }
}

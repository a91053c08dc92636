using System.Collections.Immutable;
using GradLint.Cli.Checking;
using GradLint.Cli.Inputs;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Cli.Analysis
{
    /// <summary>Runs GradLint's analyzers over a checked project and turns their diagnostics into findings on files and cells.</summary>
    public static class ProjectAnalysis
    {
        /// <summary>
        /// The analyzer diagnostics of <paramref name="project"/> on the documents it reports on, with the severity the
        /// project's .editorconfig gives them (suppressed ones left out), limited to <paramref name="rules"/> when given.
        /// </summary>
        public static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(CheckedProject project, ImmutableArray<DiagnosticAnalyzer> analyzers, IReadOnlySet<string>? rules, CancellationToken cancellationToken)
        {
            var current = project.Project;
            var compilation = await current.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
            if (compilation is null)
            {
                return ImmutableArray<Diagnostic>.Empty;
            }

            var selected = rules is null ? analyzers : analyzers.Where(a => a.SupportedDiagnostics.Any(d => rules.Contains(d.Id))).ToImmutableArray();
            if (selected.IsEmpty)
            {
                return ImmutableArray<Diagnostic>.Empty;
            }

            if (rules is not null)
            {
                // GradLint's rules run in one analyzer: the rules not asked for are turned off, so that it skips them.
                var off = selected.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Where(id => !rules.Contains(id)).Distinct()
                    .Select(id => new KeyValuePair<string, ReportDiagnostic>(id, ReportDiagnostic.Suppress));
                compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(compilation.Options.SpecificDiagnosticOptions.SetItems(off)));
            }

            var trees = project.Documents.Keys
                .Select(id => current.GetDocument(id))
                .Where(d => d is not null)
                .Select(d => d!.GetSyntaxTreeAsync(cancellationToken))
                .ToList();
            var reported = new HashSet<SyntaxTree>((await Task.WhenAll(trees).ConfigureAwait(false)).Where(t => t is not null)!);
            var withAnalyzers = compilation.WithAnalyzers(selected, new CompilationWithAnalyzersOptions(
                current.AnalyzerOptions, onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false));
            var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(cancellationToken).ConfigureAwait(false);
            return diagnostics
                .Where(d => d.Location.SourceTree is { } tree && reported.Contains(tree) && d.Severity != DiagnosticSeverity.Hidden && !d.IsSuppressed)
                .Where(d => rules is null || rules.Contains(d.Id) || d.Id == "AD0001")
                .OrderBy(d => d.Location.SourceTree!.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
                .ToImmutableArray();
        }

        public static async Task<List<FileFinding>> FindingsAsync(CheckedProject project, ImmutableArray<DiagnosticAnalyzer> analyzers, IReadOnlySet<string>? rules, CancellationToken cancellationToken)
        {
            var findings = new List<FileFinding>();
            var current = project.Project;
            foreach (var diagnostic in await DiagnosticsAsync(project, analyzers, rules, cancellationToken).ConfigureAwait(false))
            {
                var document = current.GetDocument(diagnostic.Location.SourceTree);
                var script = document is not null && project.Documents.TryGetValue(document.Id, out var origin) ? origin : null;
                findings.Add(ToFinding(diagnostic, script));
            }

            return findings;
        }

        private static FileFinding ToFinding(Diagnostic diagnostic, ScriptFile? script)
        {
            var span = diagnostic.Location.GetLineSpan();
            var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            if (script is null)
            {
                return new FileFinding(diagnostic.Id, diagnostic.Severity, message, span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1,
                    span.EndLinePosition.Line + 1, span.EndLinePosition.Character + 1, null);
            }

            var (cell, line) = script.Map(span.StartLinePosition.Line);
            var (_, endLine) = script.Map(span.EndLinePosition.Line);
            return new FileFinding(diagnostic.Id, diagnostic.Severity, message, script.Path, line, span.StartLinePosition.Character + 1,
                Math.Max(endLine, line), span.EndLinePosition.Character + 1, script.Kind == SourceKind.Script ? null : cell);
        }
    }
}

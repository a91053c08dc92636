using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace GradLint.Cli.Checking
{
    /// <summary>
    /// Runs GradLint's analyzers over a C# file and applies its code fixes, in a Roslyn workspace,
    /// the way the IDE or <c>dotnet format</c> would: the same analyzer and fixer classes the NuGet
    /// package ships, compiled against the real TorchSharp assembly.
    /// </summary>
    public sealed class GradLintChecker
    {
        private const string ProjectName = "GradLintCheck";
        private readonly ImmutableArray<MetadataReference> references;
        private readonly string? editorConfig;

        /// <param name="references">What the checked file compiles against (framework and TorchSharp; see <see cref="TorchSharpReferences"/>).</param>
        /// <param name="editorConfig">Optional <c>.editorconfig</c> text (e.g. <c>gradlint.default_max_norm = 0.5</c>, severities).</param>
        /// <param name="analyzers">The analyzers to run; all of GradLint's when null.</param>
        /// <param name="fixers">The code fixes to apply; all of GradLint's when null.</param>
        public GradLintChecker(IEnumerable<MetadataReference> references, string? editorConfig = null, IEnumerable<DiagnosticAnalyzer>? analyzers = null, IEnumerable<CodeFixProvider>? fixers = null)
        {
            Analyzers = analyzers?.ToImmutableArray() ?? AllAnalyzers;
            Fixers = fixers?.ToImmutableArray() ?? AllFixers;
            ArgumentNullException.ThrowIfNull(references);
            this.references = references.ToImmutableArray();
            if (this.references.IsEmpty)
            {
                throw new ArgumentException("Give at least the framework and TorchSharp references; TorchSharpReferences.ForRunningProcess() builds them.", nameof(references));
            }

            this.editorConfig = editorConfig;
        }

        /// <summary>A checker for TorchSharp code that references what this process runs on.</summary>
        public static GradLintChecker ForTorchSharp(string? editorConfig = null) => new GradLintChecker(TorchSharpReferences.ForRunningProcess(), editorConfig);

        /// <summary>Every GradLint analyzer, one instance each.</summary>
        public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers { get; } = Instantiate<DiagnosticAnalyzer, DiagnosticAnalyzerAttribute>(typeof(GradLint.Analyzers.Rules.MissingZeroGradAnalyzer).Assembly);

        /// <summary>Every GradLint code fix provider, one instance each.</summary>
        public static ImmutableArray<CodeFixProvider> AllFixers { get; } = Instantiate<CodeFixProvider, ExportCodeFixProviderAttribute>(typeof(GradLint.CodeFixes.Rules.MissingZeroGradFixer).Assembly);

        /// <summary>The analyzers this checker runs.</summary>
        public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; }

        /// <summary>The code fixes this checker applies.</summary>
        public ImmutableArray<CodeFixProvider> Fixers { get; }

        /// <summary>Analyzes <paramref name="source"/>: GradLint's findings (in source order) and compile errors.</summary>
        public async Task<CheckReport> CheckAsync(string source, string fileName = "Training.cs", CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(source);
            using var workspace = new AdhocWorkspace();
            var document = CreateDocument(workspace, source, fileName);
            var (report, _) = await AnalyzeAsync(document, cancellationToken).ConfigureAwait(false);
            return report;
        }

        /// <summary>
        /// Applies GradLint's fixes until no fixable finding is left (the first action offered for
        /// each, one at a time, re-analysing after each as a user accepting every light bulb would),
        /// then checks the result again.
        /// </summary>
        public async Task<FixReport> FixAsync(string source, string fileName = "Training.cs", int maxFixes = 200, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(source);
            if (maxFixes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxFixes), maxFixes, "maxFixes must be at least 1.");
            }

            using var workspace = new AdhocWorkspace();
            var document = CreateDocument(workspace, source, fileName);
            CheckReport? before = null;
            var applied = new List<AppliedFix>();
            var unfixable = new HashSet<string>();

            for (int round = 0; round < maxFixes; round++)
            {
                // One analysis per round: the first is the "before" report, the one that finds nothing left to fix the "after".
                var (report, diagnostics) = await AnalyzeAsync(document, cancellationToken).ConfigureAwait(false);
                before ??= report;
                var next = await FirstFixAsync(document, diagnostics.Where(d => !unfixable.Contains(Key(d))), cancellationToken).ConfigureAwait(false);
                if (next is null)
                {
                    var text = (await document.GetTextAsync(cancellationToken).ConfigureAwait(false)).ToString();
                    return new FixReport(source, text, applied, before, report);
                }

                var (diagnostic, action) = next.Value;
                var operations = await action.GetOperationsAsync(cancellationToken).ConfigureAwait(false);
                var changed = operations.OfType<ApplyChangesOperation>().FirstOrDefault()?.ChangedSolution.GetDocument(document.Id);
                if (changed is null)
                {
                    unfixable.Add(Key(diagnostic));
                    continue;
                }

                applied.Add(new AppliedFix(Finding.From(diagnostic), action.Title));
                document = changed;
            }

            throw new InvalidOperationException($"The fixes did not converge after {maxFixes} applications; this is a GradLint bug, please report it with the file.");
        }

        private static string Key(Diagnostic diagnostic) => diagnostic.Id + "@" + diagnostic.Location.SourceSpan;

        private async Task<(Diagnostic, CodeAction)?> FirstFixAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                foreach (var fixer in Fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    CodeAction? first = null;
                    await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => first ??= action, cancellationToken)).ConfigureAwait(false);
                    if (first is not null)
                    {
                        return (diagnostic, first);
                    }
                }
            }

            return null;
        }

        private Document CreateDocument(AdhocWorkspace workspace, string source, string fileName)
        {
            var project = workspace.CurrentSolution
                .AddProject(ProjectName, ProjectName, LanguageNames.CSharp)
                .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
                .WithParseOptions(new CSharpParseOptions(LanguageVersion.Latest))
                .WithMetadataReferences(references);
            var document = project.AddDocument(fileName, SourceText.From(source), filePath: "/" + ProjectName + "/" + fileName);
            if (editorConfig is not null)
            {
                var config = document.Project.AddAnalyzerConfigDocument(".editorconfig", SourceText.From(editorConfig), filePath: "/" + ProjectName + "/.editorconfig");
                document = config.Project.GetDocument(document.Id)!;
            }

            return document;
        }

        private async Task<(CheckReport Report, ImmutableArray<Diagnostic> Diagnostics)> AnalyzeAsync(Document document, CancellationToken cancellationToken)
        {
            var compilation = (await document.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false))!;
            var errors = compilation.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error)
                .Select(d => d.ToString()).ToList();
            var withAnalyzers = compilation.WithAnalyzers(Analyzers, new CompilationWithAnalyzersOptions(
                document.Project.AnalyzerOptions, onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false));
            var diagnostics = (await withAnalyzers.GetAnalyzerDiagnosticsAsync(cancellationToken).ConfigureAwait(false))
                .Where(d => d.Severity != DiagnosticSeverity.Hidden)
                .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
                .ToImmutableArray();
            return (new CheckReport(diagnostics.Select(Finding.From).ToList(), errors), diagnostics);
        }

        private static ImmutableArray<T> Instantiate<T, TAttribute>(Assembly assembly)
            where TAttribute : Attribute =>
            assembly.GetTypes()
                .Where(t => !t.IsAbstract && typeof(T).IsAssignableFrom(t) && t.GetCustomAttribute<TAttribute>() is not null)
                .OrderBy(t => t.FullName, StringComparer.Ordinal)
                .Select(t => (T)Activator.CreateInstance(t)!)
                .ToImmutableArray();
    }
}

using System.Collections.Immutable;
using GradLint.Cli.Analysis;
using GradLint.Cli.Checking;
using GradLint.Cli.Inputs;
using GradLint.Cli.Output;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Cli
{
    /// <summary>The <c>gradlint</c> command: <c>check</c> and <c>fix</c> (see <see cref="CommandLine.Usage"/>).</summary>
    public static class Program
    {
        public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error, CancellationToken.None);

        public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
        {
            var analyzers = GradLintChecker.AllAnalyzers;
            var fixers = GradLintChecker.AllFixers;
            var knownRules = analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            CommandLine line;
            try
            {
                line = CommandLine.Parse(args, knownRules);
            }
            catch (UsageException e)
            {
                stderr.WriteLine("gradlint: " + e.Message);
                return 2;
            }

            if (line.Help)
            {
                stdout.WriteLine(CommandLine.Usage);
                return 0;
            }

            if (line.Version)
            {
                stdout.WriteLine(Reports.ToolVersion);
                return 0;
            }

            var progress = new Progress(stderr);
            var baseFolder = Directory.GetCurrentDirectory();
            try
            {
                var inputs = InputSet.Resolve(line.Paths);
                if (inputs.IsEmpty)
                {
                    throw new InputException($"{string.Join(", ", line.Paths)}: no C# files, projects, scripts or notebooks to check");
                }

                if (line.Output is { } outputPath && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(outputPath))))
                {
                    throw new InputException($"--output {outputPath}: its folder does not exist");
                }

                using var session = await Session.OpenAsync(inputs, progress, cancellationToken).ConfigureAwait(false);
                foreach (var warning in session.LoadWarnings.Distinct())
                {
                    stderr.WriteLine("gradlint: warning: " + warning);
                }

                if (line.Command == "fix")
                {
                    // Diffs go to standard output, unless a machine-readable report is to be written there.
                    var diffWriter = line.Format == "text" || line.Output is not null ? stdout : stderr;
                    await FixAsync(session, line, analyzers, fixers, progress, diffWriter, stderr, baseFolder, cancellationToken).ConfigureAwait(false);
                }

                var findings = new List<FileFinding>();
                using (progress.Step($"Analysing {session.Projects.Sum(p => p.Documents.Count)} file(s)"))
                {
                    foreach (var project in session.Projects)
                    {
                        findings.AddRange(await ProjectAnalysis.FindingsAsync(project, analyzers, line.Rules, cancellationToken).ConfigureAwait(false));
                    }
                }

                var shown = findings.Where(f => f.Severity >= line.Severity || f.RuleId == "AD0001")
                    .OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Cell ?? 0).ThenBy(f => f.Line).ThenBy(f => f.Column).ThenBy(f => f.RuleId, StringComparer.Ordinal)
                    .ToList();
                WriteReport(line, shown, analyzers, stdout, baseFolder);
                return shown.Count > 0 ? 1 : 0;
            }
            catch (InputException e)
            {
                stderr.WriteLine("gradlint: " + e.Message);
                return 2;
            }
        }

        private static void WriteReport(CommandLine line, IReadOnlyList<FileFinding> findings, ImmutableArray<DiagnosticAnalyzer> analyzers, TextWriter stdout, string baseFolder)
        {
            using var file = line.Output is null ? null : new StreamWriter(line.Output);
            var writer = (TextWriter?)file ?? stdout;
            switch (line.Format)
            {
                case "json":
                    Reports.WriteJson(writer, findings, baseFolder);
                    break;
                case "sarif":
                    Reports.WriteSarif(writer, findings, analyzers, baseFolder);
                    break;
                default:
                    Reports.WriteText(writer, findings, baseFolder);
                    break;
            }
        }

        private static async Task FixAsync(
            Session session, CommandLine line, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<CodeFixProvider> fixers,
            Progress progress, TextWriter diffs, TextWriter stderr, string baseFolder, CancellationToken cancellationToken)
        {
            var written = 0;
            foreach (var project in session.Projects)
            {
                using (progress.Step($"Fixing {project.Project.Name}"))
                {
                    await ProjectFixer.FixAsync(project, analyzers, fixers, line.Rules, line.Severity, cancellationToken).ConfigureAwait(false);
                }

                foreach (var (id, script) in project.Documents)
                {
                    var before = (await project.Original.GetDocument(id)!.GetTextAsync(cancellationToken).ConfigureAwait(false)).ToString();
                    var after = (await project.Current.GetDocument(id)!.GetTextAsync(cancellationToken).ConfigureAwait(false)).ToString();
                    if (before == after)
                    {
                        continue;
                    }

                    if (script is null)
                    {
                        var path = project.Current.GetDocument(id)!.FilePath!;
                        diffs.Write(UnifiedDiff.Create(before, after, Reports.Relative(path, baseFolder).Replace('\\', '/')));
                        if (!line.DryRun)
                        {
                            File.WriteAllText(path, after);
                            written++;
                        }

                        continue;
                    }

                    var sources = script.CellSources(after);
                    if (sources is null)
                    {
                        stderr.WriteLine($"gradlint: {script.Path}: a fix crossed a cell boundary; this file is left as it was");
                        continue;
                    }

                    for (int i = 0; i < sources.Count; i++)
                    {
                        if (sources[i] != script.Cells[i].Source)
                        {
                            var name = Reports.Relative(script.Path, baseFolder).Replace('\\', '/');
                            diffs.Write(UnifiedDiff.Create(script.Cells[i].Source, sources[i], script.Kind == SourceKind.Script ? name : $"{name} (cell {script.Cells[i].Number})"));
                        }
                    }

                    if (!line.DryRun)
                    {
                        Notebooks.Write(script, sources);
                        written++;
                    }
                }
            }

            stderr.WriteLine(line.DryRun ? "gradlint: dry run, nothing written" : $"gradlint: {written} file(s) written");
        }
    }
}

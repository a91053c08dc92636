using Microsoft.CodeAnalysis;

namespace GradLint.Cli.Checking
{
    /// <summary>One analyzer diagnostic, as a report shows it: rule, position (1-based) and message.</summary>
    public sealed record Finding(string RuleId, DiagnosticSeverity Severity, int Line, int Column, string Message)
    {
        internal static Finding From(Diagnostic diagnostic)
        {
            var position = diagnostic.Location.GetLineSpan().StartLinePosition;
            return new Finding(diagnostic.Id, diagnostic.Severity, position.Line + 1, position.Character + 1, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>What a check found: GradLint's findings and the compiler's errors (a fixed file must have neither).</summary>
    public sealed record CheckReport(IReadOnlyList<Finding> Findings, IReadOnlyList<string> CompileErrors)
    {
        /// <summary>True when the source compiles and no GradLint rule reports anything.</summary>
        public bool IsClean => Findings.Count == 0 && CompileErrors.Count == 0;
    }

    /// <summary>One code fix applied: the finding it answered and the action's title.</summary>
    public sealed record AppliedFix(Finding Finding, string Title);

    /// <summary>The outcome of <see cref="GradLintChecker.FixAsync"/>: the fixed source, what was applied, and checks before and after.</summary>
    public sealed record FixReport(string OriginalSource, string FixedSource, IReadOnlyList<AppliedFix> Applied, CheckReport Before, CheckReport After)
    {
        /// <summary>A unified diff from the original to the fixed source.</summary>
        public string Diff(string fileName = "Training.cs") => UnifiedDiff.Create(OriginalSource, FixedSource, fileName);
    }
}

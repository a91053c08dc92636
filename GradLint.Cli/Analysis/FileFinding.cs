using Microsoft.CodeAnalysis;

namespace GradLint.Cli.Analysis
{
    /// <summary>
    /// One finding as the tool reports it: rule, effective severity (after .editorconfig), message, the file on
    /// disk and a 1-based position — for a notebook, the cell number (as the notebook counts its cells) and the
    /// line inside the cell.
    /// </summary>
    public sealed record FileFinding(
        string RuleId,
        DiagnosticSeverity Severity,
        string Message,
        string File,
        int Line,
        int Column,
        int EndLine,
        int EndColumn,
        int? Cell)
    {
        /// <summary>Where it is, as a person reads it: <c>path:line:column</c>, or <c>path (cell 3):line:column</c>.</summary>
        public string Where => Cell is { } cell ? $"{File} (cell {cell}):{Line}:{Column}" : $"{File}:{Line}:{Column}";
    }
}

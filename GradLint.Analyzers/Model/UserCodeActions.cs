using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Every GradLint syntax action runs on user code only (<see cref="RuleActions.RegisterUserCodeNodeAction"/>).
    /// </summary>
    /// <remarks>
    /// Why not <c>ConfigureGeneratedCodeAnalysis(None)</c>: with that setting the compiler checks every
    /// reported diagnostic's location for generated code, and the first report in a file walks the whole
    /// file's syntax for <c>[GeneratedCode]</c> attributes under a lock — measured at about a fifth of
    /// GradLint's analysis time on the 1,000-file benchmark corpus (benchmarks/README.md). The analyzers
    /// therefore ask to run and report everywhere and return at once where the compiler says the node is
    /// generated code (<c>IsGeneratedCode</c>: an auto-generated file by name or header, a hidden region,
    /// or a declaration marked <c>[GeneratedCode]</c>) — the same code stays unanalysed, and every report
    /// is made from the node being analysed, so none can land in generated code.
    /// </remarks>
    internal static class UserCodeActions
    {
        public const GeneratedCodeAnalysisFlags Flags = GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics;
    }
}

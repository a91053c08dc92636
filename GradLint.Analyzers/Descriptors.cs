using Microsoft.CodeAnalysis;

namespace GradLint.Analyzers
{
    /// <summary>
    /// The one catalog of GradLint rules. IDs: GL1xxx training-loop rules, GL2xxx numerical
    /// stability, GL3xxx memory and resources. Every descriptor has a page at
    /// docs/rules/&lt;ID&gt;.md, its help link, and a line in AnalyzerReleases.*.md and the README
    /// rule table (a test keeps the four in agreement).
    /// </summary>
    internal static class Descriptors
    {
        internal const string HelpLinkBase = "https://github.com/gradlint/gradlint/blob/main/docs/rules/";

        internal static class Categories
        {
            internal const string TrainingLoop = "TrainingLoop";
            internal const string NumericalStability = "NumericalStability";
            internal const string Resources = "Resources";
        }

        internal static readonly DiagnosticDescriptor GL1002_MissingZeroGrad = Create(
            "GL1002",
            "Training loop never clears gradients",
            "The loop calls '{0}.step()' after backward() but never zero_grad(), so every backward() adds to the previous gradients and the update grows each iteration; call '{0}.zero_grad()' at the start of the loop body",
            Categories.TrainingLoop,
            DiagnosticSeverity.Warning,
            "TorchSharp accumulates gradients: backward() adds into each parameter's .grad. A loop that calls backward() and step() without zero_grad() (on the optimizer or on a module) steps with the sum of all gradients so far, so the effective step grows with every batch and training diverges.");

        private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, string description) =>
            new DiagnosticDescriptor(id, title, message, category, severity, isEnabledByDefault: true, description: description, helpLinkUri: HelpLinkBase + id + ".md");
    }
}

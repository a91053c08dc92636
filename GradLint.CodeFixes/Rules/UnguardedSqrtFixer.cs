using System.Collections.Immutable;
using System.Composition;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>GL2008 fix: <c>(x).clamp_min(eps).sqrt()</c>; eps from <c>gradlint.sqrt_epsilon</c> (default 1e-12).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnguardedSqrtFixer)), Shared]
    public sealed class UnguardedSqrtFixer : ClampArgumentFixer
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2008_UnguardedSqrt.Id);

        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string FixKey = "GL2008_ClampSqrtArgument";

        protected override string Key => FixKey;

        protected override string Clamp(AnalyzerConfigOptions options) => $"clamp_min({GradLintOptions.Literal(GradLintOptions.SqrtEpsilon(options))})";
    }
}

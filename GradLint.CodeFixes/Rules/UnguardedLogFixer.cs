using System.Collections.Immutable;
using System.Composition;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>GL2001 fix: <c>x.clamp_min(eps)</c> inside the log; eps from <c>gradlint.log_epsilon</c> (default 1e-7).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnguardedLogFixer)), Shared]
    public sealed class UnguardedLogFixer : ClampArgumentFixer
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2001_UnguardedLog.Id);

        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string FixKey = "GL2001_ClampLogArgument";

        protected override string Key => FixKey;

        protected override string Clamp(AnalyzerConfigOptions options) => $"clamp_min({GradLintOptions.Literal(GradLintOptions.LogEpsilon(options))})";
    }
}

using System.Collections.Immutable;
using System.Composition;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>GL2005 fix: <c>x.clamp_max(c)</c> inside the exp; c from <c>gradlint.exp_max</c> (default 80).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnboundedExpFixer)), Shared]
    public sealed class UnboundedExpFixer : ClampArgumentFixer
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2005_UnboundedExp.Id);

        protected override string Key => "GL2005_ClampExpArgument";

        protected override string Clamp(AnalyzerConfigOptions options) => $"clamp_max({GradLintOptions.Literal(GradLintOptions.ExpMax(options))})";
    }
}

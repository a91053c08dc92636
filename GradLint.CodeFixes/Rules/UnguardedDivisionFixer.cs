using System.Collections.Immutable;
using System.Composition;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>GL2009 fix: divide by <c>d.clamp_min(eps)</c>; eps from <c>gradlint.div_epsilon</c> (default 1e-12).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnguardedDivisionFixer)), Shared]
    public sealed class UnguardedDivisionFixer : SuggestedReplacementFixer
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2009_UnguardedDivision.Id);

        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string FixKey = "GL2009_ClampDivisor";

        protected override string Key => FixKey;
    }
}

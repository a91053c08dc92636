using System.Collections.Immutable;
using System.Composition;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>GL2010 fix: <c>x == NaN</c> → <c>x.isnan()</c> (tensors), <c>v == float.NaN</c> → <c>float.IsNaN(v)</c> (item&lt;T&gt;() results); negated for <c>!=</c> / <c>ne</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NaNEqualityFixer)), Shared]
    public sealed class NaNEqualityFixer : SuggestedReplacementFixer
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2010_NaNEquality.Id);

        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string FixKey = "GL2010_UseIsNaN";

        protected override string Key => FixKey;
    }
}

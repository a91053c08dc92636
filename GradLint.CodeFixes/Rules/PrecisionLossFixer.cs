using System.Collections.Immutable;
using System.Composition;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>GL2004 fix: <c>log(1 + x)</c> → <c>x.log1p()</c>, <c>exp(x) - 1</c> → <c>x.expm1()</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PrecisionLossFixer)), Shared]
    public sealed class PrecisionLossFixer : SuggestedReplacementFixer
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2004_PrecisionLoss.Id);

        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string FixKey = "GL2004_UseLog1pExpm1";

        protected override string Key => FixKey;
    }
}

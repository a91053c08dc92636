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

        protected override string Key => "GL2004_UseLog1pExpm1";
    }
}

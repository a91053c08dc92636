using System.Collections.Immutable;
using System.Composition;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>GL2007 fix: drop the softmax before cross_entropy; use <c>x.log_softmax(d)</c> before nll_loss (inline softmax only).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SoftmaxIntoLossFixer)), Shared]
    public sealed class SoftmaxIntoLossFixer : SuggestedReplacementFixer
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2007_SoftmaxIntoLoss.Id);

        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string FixKey = "GL2007_FixLossInput";

        protected override string Key => FixKey;
    }
}

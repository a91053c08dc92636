using System.Collections.Immutable;
using System.Composition;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>GL2003 fix: <c>x.logsumexp(d, keepdim)</c> for log(sum(exp(x))), <c>x.softmax(d)</c> for a hand-written softmax.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HandWrittenLogSumExpFixer)), Shared]
    public sealed class HandWrittenLogSumExpFixer : SuggestedReplacementFixer
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2003_HandWrittenLogSumExp.Id);

        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string FixKey = "GL2003_UseLogSumExpOrSoftmax";

        protected override string Key => FixKey;
    }
}

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

        protected override string Key => "GL2003_UseLogSumExpOrSoftmax";
    }
}

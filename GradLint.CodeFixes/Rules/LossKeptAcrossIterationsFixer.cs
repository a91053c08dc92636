using System.Collections.Immutable;
using System.Composition;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL3002 fix: keep <c>loss.detach()</c> instead of <c>loss</c> — the same values, same type (the accumulator
    /// stays a tensor, so code that reads it compiles unchanged), without the graph.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LossKeptAcrossIterationsFixer)), Shared]
    public sealed class LossKeptAcrossIterationsFixer : SuggestedReplacementFixer
    {
        /// <summary>Equivalence key of the fix.</summary>
        public const string FixKey = "GL3002_KeepItDetached";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL3002_LossKeptAcrossIterations.Id);

        protected override string Key => FixKey;
    }
}

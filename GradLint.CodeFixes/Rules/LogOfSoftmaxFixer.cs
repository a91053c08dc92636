using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using GradLint.Analyzers;
using GradLint.Analyzers.Model;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL2002 fix: <c>log(softmax(x, d))</c> → <c>functional.log_softmax(x, d)</c> (named as the file
    /// already names things), or <c>x.log_softmax(d, dtype)</c> when the softmax passed a dtype.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LogOfSoftmaxFixer)), Shared]
    public sealed class LogOfSoftmaxFixer : PlannedFixer<ExpressionReplacement>
    {
        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string Key = "GL2002_UseLogSoftmax";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2002_LogOfSoftmax.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, ExpressionReplacement plan)
        {
            yield return (Key, "Use log_softmax");
        }

        protected override ExpressionReplacement? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            var call = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            var torch = TorchContext.TryCreate(model.Compilation);
            if (call is null || torch is null || model.GetOperation(call, cancellationToken) is not IInvocationOperation log
                || NumericCalls.SoftmaxArgument(log, torch) is not { } softmax
                || !NumericCalls.SoftmaxIsInScope(softmax, log)   // a helper's or a field's softmax: its input is not in scope here
                || OperationHelpers.Input(softmax)?.Syntax is not ExpressionSyntax input
                || OperationHelpers.Argument(softmax, "dim")?.Syntax is not ExpressionSyntax dim)
            {
                return null;
            }

            ExpressionSyntax replacement;
            if (OperationHelpers.Argument(softmax, "dtype")?.Syntax is ExpressionSyntax dtype)
            {
                replacement = ExpressionReplacement.MemberCall(input, $"log_softmax({dim.WithoutTrivia()}, {dtype.WithoutTrivia()})");
            }
            else
            {
                replacement = ExpressionReplacement.Functional("log_softmax", $"{input.WithoutTrivia()}, {dim.WithoutTrivia()}");
            }

            return new ExpressionReplacement(call, replacement.WithTriviaFrom(call));
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<ExpressionReplacement> plans, string key) =>
            ExpressionReplacement.ApplyAll(editor, plans);
    }
}

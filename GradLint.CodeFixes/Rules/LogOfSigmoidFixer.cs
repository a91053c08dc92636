using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
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
    /// GL2011 fix: <c>log(sigmoid(x))</c> → <c>functional.logsigmoid(x)</c>, <c>log(1 - sigmoid(x))</c> →
    /// <c>functional.logsigmoid(-x)</c> (named as the file already names things). Exact for every input.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LogOfSigmoidFixer)), Shared]
    public sealed class LogOfSigmoidFixer : PlannedFixer<ExpressionReplacement>
    {
        /// <summary>Equivalence key of the fix.</summary>
        public const string Key = "GL2011_UseLogSigmoid";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2011_LogOfSigmoid.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, ExpressionReplacement plan)
        {
            yield return (Key, "Use logsigmoid");
        }

        protected override ExpressionReplacement? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            var call = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            var torch = TorchContext.TryCreate(model.Compilation);
            if (call is null || torch is null || model.GetOperation(call, cancellationToken) is not IInvocationOperation log
                || NumericCalls.SigmoidLog(log, torch) is not var (sigmoid, complement)
                || OperationHelpers.Input(sigmoid)?.Syntax is not ExpressionSyntax input)
            {
                return null;
            }

            var argument = complement
                ? SyntaxFactory.PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression, ExpressionReplacement.AsReceiver(input))
                : input.WithoutTrivia();
            return new ExpressionReplacement(call, ExpressionReplacement.Functional("logsigmoid", argument.ToString()).WithTriviaFrom(call));
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<ExpressionReplacement> plans, string key) =>
            ExpressionReplacement.ApplyAll(editor, plans);
    }
}

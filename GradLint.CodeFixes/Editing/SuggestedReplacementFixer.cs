using System.Collections.Generic;
using System.Linq;
using System.Threading;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace GradLint.CodeFixes.Editing
{
    /// <summary>
    /// Base of the fixes whose analyzer already wrote the replacement (in the diagnostic's properties,
    /// parenthesized as needed): replace the reported expression with it.
    /// </summary>
    public abstract class SuggestedReplacementFixer : PlannedFixer<ExpressionReplacement>
    {
        protected abstract string Key { get; }

        protected sealed override IEnumerable<string> Keys => new[] { Key };

        protected sealed override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, ExpressionReplacement plan)
        {
            yield return (Key, $"Use {ExpressionReplacement.ForDisplay(plan.Replacement)}");
        }

        protected sealed override ExpressionReplacement? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(NumericCalls.ReplacementKey, out var text) || text is null)
            {
                return null;
            }

            var span = diagnostic.Properties.ContainsKey(NumericCalls.ReplaceAdditionalKey) && diagnostic.AdditionalLocations.Count > 0
                ? diagnostic.AdditionalLocations[0].SourceSpan
                : diagnostic.Location.SourceSpan;
            var node = root.FindNode(span, getInnermostNodeForTie: true) as ExpressionSyntax;
            while (node?.Parent is ExpressionSyntax parent && parent.Span == span)
            {
                node = parent;
            }

            if (node is null)
            {
                return null;
            }

            // `(x.exp() - 1) * 3` becomes `x.expm1() * 3`: a call needs no parentheses of its own.
            var replacement = SyntaxFactory.ParseExpression(text);
            if (node.Parent is ParenthesizedExpressionSyntax parenthesized && replacement is InvocationExpressionSyntax or MemberAccessExpressionSyntax)
            {
                node = parenthesized;
            }

            return new ExpressionReplacement(node, replacement.WithTriviaFrom(node));
        }

        protected sealed override void Apply(DocumentEditor editor, IReadOnlyList<ExpressionReplacement> plans, string key) =>
            ExpressionReplacement.ApplyAll(editor, plans);
    }
}

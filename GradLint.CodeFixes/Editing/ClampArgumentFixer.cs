using System.Collections.Generic;
using System.Linq;
using System.Threading;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.CodeFixes.Editing
{
    /// <summary>
    /// Base of the fixes that clamp a function's argument: <c>x.f()</c> → <c>x.clamp…(c).f()</c>,
    /// <c>torch.f(x)</c> → <c>torch.f(x.clamp…(c))</c>. Not offered for the in-place form
    /// <c>x.f_()</c>, whose meaning a clamp on a temporary would change.
    /// </summary>
    public abstract class ClampArgumentFixer : PlannedFixer<ExpressionReplacement>
    {
        /// <summary>The action's equivalence key.</summary>
        protected abstract string Key { get; }

        /// <summary>The clamp call to append to the argument, e.g. <c>clamp_min(1E-07)</c>.</summary>
        protected abstract string Clamp(AnalyzerConfigOptions options);

        protected sealed override IEnumerable<string> Keys => new[] { Key };

        protected sealed override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, ExpressionReplacement plan)
        {
            yield return (Key, $"Clamp the argument: {ExpressionReplacement.ForDisplay(plan.Replacement)}");
        }

        protected sealed override ExpressionReplacement? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            if (Target(root, model, diagnostic, cancellationToken) is not var (_, argument))
            {
                return null;
            }

            var options = document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(argument.SyntaxTree);
            return Clamped(argument, Clamp(options));
        }

        /// <summary>
        /// The call a diagnostic points at and its input expression (with its parentheses), or null for
        /// an in-place call (<c>x.f_()</c>) or one whose input cannot be found.
        /// </summary>
        internal static (IInvocationOperation Call, ExpressionSyntax Argument)? Target(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var call = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (call is null || model.GetOperation(call, cancellationToken) is not IInvocationOperation operation || operation.TargetMethod.Name.EndsWith("_")
                || OperationHelpers.Input(operation)?.Syntax is not ExpressionSyntax argument)
            {
                return null;
            }

            // An operation's syntax omits parentheses: replace `(a * b)` whole, not the `a * b` inside.
            while (argument.Parent is ParenthesizedExpressionSyntax parenthesized)
            {
                argument = parenthesized;
            }

            return (operation, argument);
        }

        /// <summary><c>argument.clamp…(c)</c> in place of <paramref name="argument"/>.</summary>
        internal static ExpressionReplacement Clamped(ExpressionSyntax argument, string clamp) =>
            new ExpressionReplacement(argument, ExpressionReplacement.MemberCall(argument, clamp).WithTriviaFrom(argument));

        protected sealed override void Apply(DocumentEditor editor, IReadOnlyList<ExpressionReplacement> plans, string key) =>
            ExpressionReplacement.ApplyAll(editor, plans);
    }
}

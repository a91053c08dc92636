using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradLint.CodeFixes.Editing
{
    /// <summary>One expression to replace by another, planned on the original tree.</summary>
    public sealed class ExpressionReplacement
    {
        internal ExpressionReplacement(ExpressionSyntax original, ExpressionSyntax replacement)
        {
            Original = original;
            Replacement = replacement;
        }

        internal ExpressionSyntax Original { get; }
        internal ExpressionSyntax Replacement { get; }

        /// <summary>Applies each planned replacement once (Fix All may plan the same one twice).</summary>
        internal static void ApplyAll(Microsoft.CodeAnalysis.Editing.SyntaxEditor editor, System.Collections.Generic.IEnumerable<ExpressionReplacement> plans)
        {
            foreach (var plan in System.Linq.Enumerable.Select(System.Linq.Enumerable.GroupBy(plans, p => p.Original), g => System.Linq.Enumerable.First(g)))
            {
                editor.ReplaceNode(plan.Original, plan.Replacement);
            }
        }

        /// <summary><paramref name="expression"/> as the receiver of a member access: parenthesized unless it is already primary.</summary>
        internal static ExpressionSyntax AsReceiver(ExpressionSyntax expression) =>
            expression is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax or ParenthesizedExpressionSyntax or ThisExpressionSyntax
                ? expression.WithoutTrivia()
                : SyntaxFactory.ParenthesizedExpression(expression.WithoutTrivia());
    }
}

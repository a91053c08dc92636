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

        /// <summary><paramref name="expression"/> as the receiver of a member access: parenthesized unless it is already primary.</summary>
        internal static ExpressionSyntax AsReceiver(ExpressionSyntax expression) =>
            expression is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax or ParenthesizedExpressionSyntax or ThisExpressionSyntax
                ? expression.WithoutTrivia()
                : SyntaxFactory.ParenthesizedExpression(expression.WithoutTrivia());
    }
}

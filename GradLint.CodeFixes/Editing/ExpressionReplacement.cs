using System.Linq;
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

        /// <summary>
        /// <c>torch.nn.functional.<paramref name="name"/>(<paramref name="arguments"/>)</c>, fully qualified and
        /// marked for the simplifier, so it comes out named as the file already names things.
        /// </summary>
        internal static ExpressionSyntax Functional(string name, string arguments)
        {
            var invocation = (InvocationExpressionSyntax)SyntaxFactory.ParseExpression($"global::TorchSharp.torch.nn.functional.{name}({arguments})");
            return invocation.ReplaceNode(invocation.Expression, invocation.Expression.WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation));
        }

        /// <summary>
        /// <paramref name="expression"/> as the receiver of a member access: in parentheses marked for the simplifier,
        /// which removes them where C#'s precedence does not need them (as Meziantou.Analyzer's ParenthesesExtensions)
        /// — one rule of precedence, the compiler's, instead of a hand-written list.
        /// </summary>
        /// <summary><c>receiver.<paramref name="call"/></c> (<paramref name="call"/> such as <c>clamp_min(1e-12)</c>), the receiver parenthesized as <see cref="AsReceiver"/> does.</summary>
        internal static ExpressionSyntax MemberCall(ExpressionSyntax receiver, string call)
        {
            var parsed = SyntaxFactory.ParseExpression("__receiver." + call);
            var placeholder = System.Linq.Enumerable.First(System.Linq.Enumerable.OfType<IdentifierNameSyntax>(parsed.DescendantNodes()), n => n.Identifier.ValueText == "__receiver");
            return parsed.ReplaceNode(placeholder, AsReceiver(receiver));
        }

        /// <summary>
        /// <paramref name="expression"/> as an action's title shows it: the parentheses <see cref="AsReceiver"/> added around
        /// a name, call or member access (which the simplifier will remove from the code) left out.
        /// </summary>
        internal static string ForDisplay(ExpressionSyntax expression) =>
            expression.ReplaceNodes(
                expression.DescendantNodesAndSelf().OfType<ParenthesizedExpressionSyntax>().Where(p =>
                    p.HasAnnotation(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation)
                    && p.Expression is SimpleNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax or LiteralExpressionSyntax),
                (original, _) => original.Expression).ToString();

        internal static ExpressionSyntax AsReceiver(ExpressionSyntax expression) =>
            expression is ParenthesizedExpressionSyntax
                ? expression.WithoutTrivia()
                : SyntaxFactory.ParenthesizedExpression(expression.WithoutTrivia()).WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation);
    }
}

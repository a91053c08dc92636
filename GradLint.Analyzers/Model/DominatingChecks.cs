using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Is a value checked to be non-zero before the code that uses it runs, in the same function?
    /// <c>if (mask.sum().ToSingle() &gt; 0) { … x / mask.sum() … }</c>, <c>if (n.item&lt;long&gt;() == 0) continue;</c>
    /// before <c>… / n</c>, <c>if (mask.any().ToBoolean())</c> before a division by <c>mask.sum()</c>.
    /// The check is read on the host (<c>ToSingle</c>, <c>item</c>…) or on the tensor itself; the
    /// checked expression must be the divisor as written, or the expression the divisor's local holds.
    /// </summary>
    internal static class DominatingChecks
    {
        private const int MaxStatementsBack = 50;

        /// <summary>True when a check that <paramref name="value"/> is non-zero dominates <paramref name="use"/>.</summary>
        public static bool ProvesNonZero(IOperation value, SyntaxNode use)
        {
            var forms = Forms(value);
            for (SyntaxNode? node = use, child = null; node is not null; child = node, node = node.Parent)
            {
                if (SyntaxScopes.IsFunction(node))
                {
                    return false;
                }

                // if (check) { … use … }  or  check ? use : …  or  check && use
                if (node is IfStatementSyntax ifStatement && child == ifStatement.Statement && Holds(ifStatement.Condition, forms, whenTrue: true))
                {
                    return true;
                }

                if (node is IfStatementSyntax elseOf && child == elseOf.Else && Holds(elseOf.Condition, forms, whenTrue: false))
                {
                    return true;
                }

                if (node is ConditionalExpressionSyntax conditional
                    && ((child == conditional.WhenTrue && Holds(conditional.Condition, forms, true)) || (child == conditional.WhenFalse && Holds(conditional.Condition, forms, false))))
                {
                    return true;
                }

                // if (zero check) return / continue / break / throw;  earlier in an enclosing block.
                if (node is BlockSyntax block && child is StatementSyntax statement)
                {
                    var index = block.Statements.IndexOf(statement);
                    for (var i = index - 1; i >= 0 && index - i <= MaxStatementsBack; i--)
                    {
                        if (block.Statements[i] is IfStatementSyntax { Else: null } exit && Exits(exit.Statement) && Holds(exit.Condition, forms, whenTrue: false))
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }

        // The divisor as written, and — for a local assigned once — the expression it holds.
        private static ExpressionSyntax[] Forms(IOperation value)
        {
            var stripped = OperationHelpers.Strip(value)!;
            var written = (ExpressionSyntax)stripped.Syntax;
            return stripped is ILocalReferenceOperation local && OperationHelpers.SingleAssignment(local)?.Syntax is ExpressionSyntax held
                ? new[] { written, held }
                : new[] { written };
        }

        // Does the condition, when it is (whenTrue) or is not (!whenTrue) true, prove one of the forms non-zero?
        private static bool Holds(ExpressionSyntax condition, ExpressionSyntax[] forms, bool whenTrue)
        {
            condition = Unwrap(condition);
            switch (condition)
            {
                case BinaryExpressionSyntax conjunction when conjunction.IsKind(SyntaxKind.LogicalAndExpression) && whenTrue:
                    return Holds(conjunction.Left, forms, true) || Holds(conjunction.Right, forms, true);
                case BinaryExpressionSyntax disjunction when disjunction.IsKind(SyntaxKind.LogicalOrExpression) && !whenTrue:
                    return Holds(disjunction.Left, forms, false) || Holds(disjunction.Right, forms, false);
                case PrefixUnaryExpressionSyntax negation when negation.IsKind(SyntaxKind.LogicalNotExpression):
                    return Holds(negation.Operand, forms, !whenTrue);
                case BinaryExpressionSyntax comparison when Constant(comparison.Right) is double c:
                    return Matches(comparison.Left, forms) && Proves(comparison.Kind(), c, whenTrue);
                case BinaryExpressionSyntax reversed when Constant(reversed.Left) is double c:
                    return Matches(reversed.Right, forms) && Proves(Mirror(reversed.Kind()), c, whenTrue);
                default:
                    // if (mask.any().ToBoolean()) … / mask.sum(): a boolean mask with any element set sums to > 0.
                    return whenTrue && Read(condition) is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: "any" } any }
                        && forms.Any(f => Unwrap(f) is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: "sum" } sum }
                            && SyntaxFactory.AreEquivalent(Unwrap(sum.Expression), Unwrap(any.Expression)));
            }
        }

        // x > c (c ≥ 0), x ≥ c (c > 0), x != 0 prove x ≠ 0 when true; x ≤ c / x < c / x == 0 prove it when false (and mirrored).
        private static bool Proves(SyntaxKind kind, double c, bool whenTrue) => whenTrue
            ? (kind == SyntaxKind.GreaterThanExpression && c >= 0) || (kind == SyntaxKind.GreaterThanOrEqualExpression && c > 0)
                || (kind == SyntaxKind.NotEqualsExpression && c == 0) || (kind == SyntaxKind.LessThanExpression && c <= 0) || (kind == SyntaxKind.LessThanOrEqualExpression && c < 0)
            : (kind == SyntaxKind.LessThanOrEqualExpression && c >= 0) || (kind == SyntaxKind.LessThanExpression && c > 0)
                || (kind == SyntaxKind.EqualsExpression && c == 0);

        private static SyntaxKind Mirror(SyntaxKind kind) => kind switch
        {
            SyntaxKind.GreaterThanExpression => SyntaxKind.LessThanExpression,
            SyntaxKind.LessThanExpression => SyntaxKind.GreaterThanExpression,
            SyntaxKind.GreaterThanOrEqualExpression => SyntaxKind.LessThanOrEqualExpression,
            SyntaxKind.LessThanOrEqualExpression => SyntaxKind.GreaterThanOrEqualExpression,
            _ => kind,
        };

        private static bool Matches(ExpressionSyntax checkedValue, ExpressionSyntax[] forms)
        {
            var read = Unwrap(Read(checkedValue));
            return forms.Any(f => SyntaxFactory.AreEquivalent(Unwrap(f), read));
        }

        // The tensor behind a host read: x.ToSingle(), x.item<float>(), x.ToScalar().ToDouble(), (float)x.
        private static ExpressionSyntax Read(ExpressionSyntax expression)
        {
            expression = Unwrap(expression);
            while (true)
            {
                if (expression is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0, Expression: MemberAccessExpressionSyntax access }
                    && access.Name.Identifier.Text is "ToSingle" or "ToDouble" or "ToInt32" or "ToInt64" or "ToBoolean" or "item" or "ToScalar")
                {
                    expression = Unwrap(access.Expression);
                }
                else if (expression is CastExpressionSyntax cast)
                {
                    expression = Unwrap(cast.Expression);
                }
                else
                {
                    return expression;
                }
            }
        }

        private static ExpressionSyntax Unwrap(ExpressionSyntax expression)
        {
            while (expression is ParenthesizedExpressionSyntax parenthesized)
            {
                expression = parenthesized.Expression;
            }

            return expression;
        }

        private static double? Constant(ExpressionSyntax expression) =>
            Unwrap(expression) is LiteralExpressionSyntax { Token.Value: { } value } && value is not bool && value is not string && value is not char
                ? System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)
                : Unwrap(expression) is PrefixUnaryExpressionSyntax { OperatorToken.RawKind: (int)SyntaxKind.MinusToken, Operand: LiteralExpressionSyntax { Token.Value: { } negated } }
                    && negated is not bool && negated is not string && negated is not char
                    ? -System.Convert.ToDouble(negated, System.Globalization.CultureInfo.InvariantCulture)
                    : null;

        private static bool Exits(StatementSyntax statement) => statement switch
        {
            ReturnStatementSyntax or ContinueStatementSyntax or BreakStatementSyntax or ThrowStatementSyntax => true,
            BlockSyntax block => block.Statements.LastOrDefault() is { } last && Exits(last),
            ExpressionStatementSyntax { Expression: ThrowExpressionSyntax } => true,
            _ => false,
        };
    }
}

using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL2009: a tensor divided (<c>a / d</c>, <c>a.div(d)</c>, <c>torch.div(a, d)</c>) by a norm, sum,
    /// standard deviation, variance or square root — inline or through a local assigned once — that
    /// the value-range analysis cannot prove &gt; 0. Reported on the division; the divisor travels as
    /// the additional location the fix clamps.
    /// </summary>
    public sealed class UnguardedDivisionAnalyzer : TorchRuleAnalyzer
    {
        private static readonly ImmutableHashSet<string> Reductions = ImmutableHashSet.Create("norm", "vector_norm", "matrix_norm", "std", "var", "sum", "sqrt", "amax", "max");   // amax/max: x / x.abs().amax(-1, true)

        private static readonly System.Func<string, bool> IsReduction = Reductions.Contains;

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2009_UnguardedDivision);

        private protected override void Register(RuleActions actions, TorchContext torch)
        {
            // Operators: only divisions whose divisor may be a reduction (a call of one, a name, a helper of this file) are bound.
            actions.RegisterUserCodeNodeAction(
                c =>
                {
                    var division = (BinaryExpressionSyntax)c.Node;
                    if (SyntaxValues.MayBeCall(division.Right, IsReduction, torch)
                        && c.SemanticModel.GetOperation(division, c.CancellationToken) is IBinaryOperation op
                        && Check(op, op.RightOperand, c.Options, torch, c.CancellationToken) is { } diagnostic)
                    {
                        c.ReportDiagnostic(diagnostic);
                    }
                },
                SyntaxKind.DivideExpression);

            // x /= x.norm()
            actions.RegisterUserCodeNodeAction(
                c =>
                {
                    var assignment = (AssignmentExpressionSyntax)c.Node;
                    if (SyntaxValues.MayBeCall(assignment.Right, IsReduction, torch)
                        && c.SemanticModel.GetOperation(assignment, c.CancellationToken) is ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Divide } op
                        && Check(op, op.Value, c.Options, torch, c.CancellationToken) is { } diagnostic)
                    {
                        c.ReportDiagnostic(diagnostic);
                    }
                },
                SyntaxKind.DivideAssignmentExpression);

            CandidateInvocations.Register(actions, static (name, _, _) => name is "div" or "div_" or "true_divide", c =>
            {
                var call = c.Invocation;
                if (ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch))
                {
                    var divisor = call.Instance is not null ? call.Arguments[0].Value : call.Arguments.Length > 1 ? call.Arguments[1].Value : null;
                    if (Check(call, divisor, c.Options, torch, c.CancellationToken) is { } diagnostic)
                    {
                        c.ReportDiagnostic(diagnostic);
                    }
                }
            });
        }

        /// <summary>
        /// A norm, sum or standard deviation — or values made of them that are 0 whenever they are:
        /// <c>a.sum(1) + b.sum(1)</c>, <c>u.norm(-1) * v.norm(-1)</c>, <c>2 * x.std()</c>.
        /// </summary>
        private static bool BuiltFromReductions(IOperation? operation, TorchContext torch, int depth)
        {
            operation = OperationHelpers.StripParentheses(operation);

            switch (operation)
            {
                case IInvocationOperation call:
                    return Reductions.Contains(call.TargetMethod.Name) && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } sum when depth < 4:
                    return BuiltFromReductions(sum.LeftOperand, torch, depth + 1) && BuiltFromReductions(sum.RightOperand, torch, depth + 1);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } product when depth < 4:
                    var left = BuiltFromReductions(product.LeftOperand, torch, depth + 1);
                    var right = BuiltFromReductions(product.RightOperand, torch, depth + 1);
                    return (left && right) || (left && OperationHelpers.Strip(product.RightOperand)!.ConstantValue.HasValue) || (right && OperationHelpers.Strip(product.LeftOperand)!.ConstantValue.HasValue);
                default:
                    return false;
            }
        }

        // Returns the finding rather than taking a report delegate: a delegate to the syntax context's ReportDiagnostic boxes
        // the context for every division looked at.
        private static Diagnostic? Check(IOperation division, IOperation? divisor, AnalyzerOptions options, TorchContext torch, System.Threading.CancellationToken cancellationToken)
        {
            var value = OperationHelpers.Strip(divisor);
            if (value is null || !torch.IsTensor(value.Type))
            {
                return null;
            }

            var reduction = NumericCalls.ThroughDefinition(value);   // a local, a private field, a helper of this file
            if (!BuiltFromReductions(reduction, torch, 0)
                || (division is IBinaryOperation binary && NumericCalls.HandWrittenSoftmax(binary, torch) is not null)   // GL2003's
                || ValueRangeAnalysis.Of(value, torch, cancellationToken).ExcludesZero
                || FixedValues.IsFixed(value, torch, cancellationToken)   // a kernel's or schedule's own normaliser
                || DominatingChecks.ProvesNonZero(value, division.Syntax))   // if (mask.sum().ToSingle() > 0) { … / mask.sum() }
            {
                return null;
            }

            var epsilon = GradLintOptions.Literal(GradLintOptions.DivisionEpsilon(options.AnalyzerConfigOptionsProvider.GetOptions(division.Syntax.SyntaxTree)));
            var clamped = $"{NumericCalls.Receiver(value)}.clamp_min({epsilon})";
            return Diagnostic.Create(
                Descriptors.GL2009_UnguardedDivision,
                division.Syntax.GetLocation(),
                additionalLocations: new[] { value.Syntax.GetLocation() },
                properties: NumericCalls.Replacement(clamped, atAdditionalLocation: true),
                messageArgs: new object[] { division.Syntax.ToString(), value.Syntax.ToString(), clamped });
        }
    }
}

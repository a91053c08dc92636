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
    /// GL2010: NaN tested with <c>==</c> / <c>!=</c> / <c>eq</c> / <c>ne</c> on a tensor, or with
    /// <c>==</c> / <c>!=</c> on a tensor's <c>item&lt;T&gt;()</c>, <c>ToSingle()</c> or <c>ToDouble()</c>.
    /// (NaN comparisons of other plain numbers are CA2242's.)
    /// </summary>
    public sealed class NaNEqualityAnalyzer : TorchRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2010_NaNEquality);

        private protected override void Register(RuleActions actions, TorchContext torch)
        {
            // Operators: only comparisons that mention NaN in their text are bound.
            actions.RegisterUserCodeNodeAction(
                c =>
                {
                    var comparison = (BinaryExpressionSyntax)c.Node;
                    if (!MentionsNaN(comparison.Left) && !MentionsNaN(comparison.Right))
                    {
                        return;
                    }

                    if (c.SemanticModel.GetOperation(comparison, c.CancellationToken) is IBinaryOperation op)
                    {
                        AnalyzeComparison(op, torch, c.ReportDiagnostic);
                    }
                },
                SyntaxKind.EqualsExpression,
                SyntaxKind.NotEqualsExpression);

            CandidateInvocations.Register(actions, static (name, _, _) => name is "eq" or "ne", c => AnalyzeCall(c, torch));
        }

        private static bool MentionsNaN(ExpressionSyntax side) =>
            side is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "NaN" } || side is IdentifierNameSyntax { Identifier.ValueText: "NaN" };

        private static void AnalyzeComparison(IBinaryOperation comparison, TorchContext torch, System.Action<Diagnostic> report)
        {
            var other = NumericCalls.IsNaN(comparison.RightOperand) ? comparison.LeftOperand
                : NumericCalls.IsNaN(comparison.LeftOperand) ? comparison.RightOperand
                : null;
            if (other is null)
            {
                return;
            }

            var negated = comparison.OperatorKind == BinaryOperatorKind.NotEquals;
            var value = OperationHelpers.Strip(other)!;
            string replacement;
            if (torch.IsTensor(value.Type))
            {
                replacement = $"{NumericCalls.Receiver(value)}.isnan(){(negated ? ".logical_not()" : "")}";
            }
            else if (value is IInvocationOperation { TargetMethod.Name: "item" or "ToSingle" or "ToDouble" or "ToScalar" } read
                && (torch.IsTensor(read.TargetMethod.ContainingType) || (read.TargetMethod.IsExtensionMethod && read.TargetMethod.Parameters.Length > 0 && torch.IsTensor(read.TargetMethod.Parameters[0].Type))))
            {
                var type = value.Type?.SpecialType == SpecialType.System_Double ? "double" : "float";
                replacement = $"{(negated ? "!" : "")}{type}.IsNaN({value.Syntax})";
            }
            else
            {
                return;
            }

            report(Diagnostic.Create(Descriptors.GL2010_NaNEquality, comparison.Syntax.GetLocation(), NumericCalls.Replacement(replacement), comparison.Syntax.ToString(), replacement));
        }

        private static void AnalyzeCall(InvocationContext context, TorchContext torch)
        {
            var call = context.Invocation;
            if (!ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch) || call.Arguments.Length == 0)
            {
                return;
            }

            var tensor = OperationHelpers.Input(call);
            var compared = call.Instance is not null ? call.Arguments[0].Value : call.Arguments.Length > 1 ? call.Arguments[1].Value : null;
            if (tensor is null || !NumericCalls.IsNaN(compared))
            {
                return;
            }

            var replacement = $"{NumericCalls.Receiver(tensor)}.isnan(){(call.TargetMethod.Name == "ne" ? ".logical_not()" : "")}";
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.GL2010_NaNEquality, call.Syntax.GetLocation(), NumericCalls.Replacement(replacement), call.Syntax.ToString(), replacement));
        }
    }
}

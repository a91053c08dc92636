using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL2004: <c>log(1 + x)</c> (any form of log, 1 on either side) and <c>exp(x) - 1</c>. Reported
    /// on the log call or on the subtraction; the properties carry what the fix needs.
    /// </summary>
    public sealed class PrecisionLossAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2004_PrecisionLoss);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) => name is "log" or "exp";

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var call = context.Invocation;
            if (!ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch))
            {
                return;
            }

            if (call.TargetMethod.Name == "log" && NumericCalls.OnePlus(OperationHelpers.Input(call)) is { } x)
            {
                var log1p = NumericCalls.Receiver(x) + ".log1p()";
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.GL2004_PrecisionLoss, call.Syntax.GetLocation(), NumericCalls.Replacement(log1p), call.Syntax.ToString(), log1p));
                return;
            }

            // exp(x) - 1: the call is the left operand of a subtraction of exactly 1.
            var parent = call.Parent;
            while (parent is IConversionOperation)
            {
                parent = parent.Parent;
            }

            if (call.TargetMethod.Name == "exp" && parent is IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } minus
                && OperationHelpers.Strip(minus.LeftOperand) == call && NumericCalls.IsOne(minus.RightOperand)
                && OperationHelpers.Input(call) is { } input)
            {
                var expm1 = NumericCalls.Receiver(input) + ".expm1()";
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.GL2004_PrecisionLoss, minus.Syntax.GetLocation(), NumericCalls.Replacement(expm1), minus.Syntax.ToString(), expm1));
            }
        }
    }
}

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
    /// GL2003: <c>log(sum(exp(x)))</c> (any forms) and the hand-written softmax
    /// <c>exp(x) / exp(x).sum(d, keepdim)</c>. Fixed to <c>x.logsumexp(d, keepdim)</c> /
    /// <c>x.softmax(d)</c> when the sum names one dimension (and, for softmax, keeps it).
    /// </summary>
    public sealed class HandWrittenLogSumExpAnalyzer : TorchRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2003_HandWrittenLogSumExp);

        private protected override void Register(RuleActions actions, TorchContext torch)
        {
            CandidateInvocations.Register(actions, static (name, _, _) => name == "log", c =>
            {
                if (NumericCalls.LogSumExp(c.Invocation, torch) is { } pattern)
                {
                    var x = OperationHelpers.Input(pattern.Exp)!;
                    var dim = OperationHelpers.Argument(pattern.Sum, "dim");
                    var keep = OperationHelpers.Argument(pattern.Sum, "keepdim");
                    var fix = dim is null
                        ? (pattern.Sum.Arguments.Length == 0 || AllDefault(pattern.Sum) ? $"{NumericCalls.Receiver(x)}.flatten().logsumexp(0)" : null)
                        : $"{NumericCalls.Receiver(x)}.logsumexp({dim.Syntax}{(keep is null ? "" : ", " + keep.Syntax)})";
                    Report(c.ReportDiagnostic, c.Invocation, "computes log(sum(exp(…))) by hand", fix ?? "logsumexp(x, dim)", fix);
                }
            });

            actions.RegisterUserCodeNodeAction(
                c =>
                {
                    var division = (BinaryExpressionSyntax)c.Node;
                    // exp(x) / exp(x).sum(…), either side possibly a local or a helper of this file.
                    if (division.Left is not (InvocationExpressionSyntax or IdentifierNameSyntax) || division.Right is not (InvocationExpressionSyntax or IdentifierNameSyntax)
                        || !SyntaxValues.MayBeCall(division.Left, static name => name == "exp", torch) || !SyntaxValues.MayBeCall(division.Right, static name => name == "sum", torch)
                        || c.SemanticModel.GetOperation(division, c.CancellationToken) is not IBinaryOperation op
                        || NumericCalls.HandWrittenSoftmax(op, torch) is not { } sum)
                    {
                        return;
                    }

                    var x = OperationHelpers.Input(NumericCalls.SoftmaxNumerator(op, torch)!)!;
                    var dim = OperationHelpers.Argument(sum, "dim");
                    var keep = OperationHelpers.Strip(OperationHelpers.Argument(sum, "keepdim"))?.ConstantValue;

                    // Through locals, x.softmax(dim) at the division is the same value only if x still means what it did at the exp.
                    var inline = division.Left is InvocationExpressionSyntax && division.Right is InvocationExpressionSyntax;
                    var fix = dim is not null && keep is { HasValue: true, Value: true }
                        && ReferenceEquals(OperationHelpers.Root(x), OperationHelpers.Root(op))   // not a helper's parameter
                        && (inline || (NumericCalls.IsStable(x) && NumericCalls.IsStable(dim)))
                        ? $"{NumericCalls.Receiver(x)}.softmax({dim.Syntax})"
                        : null;
                    Report(c.ReportDiagnostic, op, "is a softmax written by hand", fix ?? "softmax(x, dim)", fix);
                },
                SyntaxKind.DivideExpression);
        }

        private static bool AllDefault(IInvocationOperation call)
        {
            foreach (var argument in call.Arguments)
            {
                if (argument.ArgumentKind != ArgumentKind.DefaultValue) return false;
            }

            return true;
        }

        private static void Report(System.Action<Diagnostic> report, IOperation at, string what, string suggestion, string? fix) =>
            report(Diagnostic.Create(
                Descriptors.GL2003_HandWrittenLogSumExp,
                at.Syntax.GetLocation(),
                fix is null ? null : NumericCalls.Replacement(fix),
                at.Syntax.ToString(),
                what,
                suggestion));
    }
}

using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL2007: a softmax (any form, inline or through a local assigned once) passed as the input of
    /// <c>functional.cross_entropy</c> / <c>nn.CrossEntropyLoss</c> (drop the softmax) or
    /// <c>functional.nll_loss</c> / <c>nn.NLLLoss</c> (use log_softmax). Reported on the loss call;
    /// the softmax travels as the additional location the fix rewrites.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SoftmaxIntoLossAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2007_SoftmaxIntoLoss);

        // Loss modules are called as loss.call(input, target) / loss.forward(input, target).
        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) =>
            name is "cross_entropy" or "nll_loss" or "call" or "forward";

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var call = context.Invocation;
            var kind = LossKind(call, torch);
            if (kind is null || call.Arguments.Length < 2)
            {
                return;
            }

            var input = call.Arguments[0].Value;
            if (SoftmaxOf(input, torch) is not { } softmax || OperationHelpers.Input(softmax) is not { } logits
                || OperationHelpers.Argument(softmax, "dim") is not { } dim)
            {
                return;
            }

            var crossEntropy = IsCrossEntropy(call, torch);
            var replacement = crossEntropy ? logits.Syntax.ToString() : $"{NumericCalls.Receiver(logits)}.log_softmax({dim.Syntax})";
            var problem = crossEntropy
                ? "cross_entropy applies log_softmax itself, so the softmax is applied twice"
                : "nll_loss expects log-probabilities";
            var advice = crossEntropy ? $"pass the logits '{logits.Syntax}'" : $"pass '{replacement}'";
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL2007_SoftmaxIntoLoss,
                call.Syntax.GetLocation(),
                additionalLocations: new[] { softmax.Syntax.GetLocation() },
                // Fixed only when the softmax is inline: rewriting a local's initializer could change its other uses.
                properties: OperationHelpers.Strip(input) == softmax ? NumericCalls.Replacement(replacement, atAdditionalLocation: true) : null,
                messageArgs: new object[] { call.Syntax.ToString(), problem, advice }));
        }

        private static string? LossKind(IInvocationOperation call, TorchContext torch)
        {
            var method = call.TargetMethod;
            if (method.Name is "cross_entropy" or "nll_loss")
            {
                return torch.Functional is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Functional) ? "functional" : null;
            }

            return TorchContext.Is(call.Instance?.Type, torch.CrossEntropyLossModule) || TorchContext.Is(call.Instance?.Type, torch.NllLossModule) ? "module" : null;
        }

        private static bool IsCrossEntropy(IInvocationOperation call, TorchContext torch) =>
            call.TargetMethod.Name == "cross_entropy" || TorchContext.Is(call.Instance?.Type, torch.CrossEntropyLossModule);

        // The softmax call itself, or the one a local assigned once holds.
        private static IInvocationOperation? SoftmaxOf(IOperation? input, TorchContext torch)
        {
            var value = OperationHelpers.Strip(input);
            if (value is ILocalReferenceOperation local)
            {
                value = OperationHelpers.Strip(OperationHelpers.SingleAssignment(local));
            }

            return value is IInvocationOperation softmax && NumericCalls.IsSoftmax(softmax, torch) ? softmax : null;
        }
    }
}

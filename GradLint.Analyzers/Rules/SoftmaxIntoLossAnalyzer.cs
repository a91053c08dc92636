using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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
    public sealed class SoftmaxIntoLossAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2007_SoftmaxIntoLoss);

        // Loss modules are called as loss.call(input, target) / loss.forward(input, target).
        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) =>
            name is "cross_entropy" or "nll_loss" or "call" or "forward";

        private protected override bool IsCandidateCall(InvocationExpressionSyntax call, string name) =>
            CandidateInvocations.MayBeLossModuleCall(call, name);

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var call = context.Invocation;
            var kind = LossKind(call, torch);
            if (kind is null || call.Arguments.Length < 2)
            {
                return;
            }

            var input = call.Arguments[0].Value;
            var crossEntropy = IsCrossEntropy(call, torch);
            if (SoftmaxOf(input, torch) is not var (softmax, logits, dimText) || (dimText is null && !crossEntropy && !IsModuleCall(softmax, torch)))
            {
                return;
            }

            var replacement = crossEntropy ? logits.Syntax.ToString() : $"{NumericCalls.Receiver(logits)}.log_softmax({dimText ?? "<dim>"})";
            var problem = crossEntropy
                ? "cross_entropy applies log_softmax itself, so the softmax is applied twice"
                : "nll_loss expects log-probabilities";
            var advice = crossEntropy ? $"pass the logits '{logits.Syntax}'"
                : dimText is null ? "pass log-probabilities: build the module as LogSoftmax over the same dim" : $"pass '{replacement}'";
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL2007_SoftmaxIntoLoss,
                call.Syntax.GetLocation(),
                additionalLocations: new[] { softmax.Syntax.GetLocation() },
                // Fixed only when the softmax is inline: rewriting a local's initializer could change its other uses.
                // (and, for a Softmax module into nll_loss, only when the module's dim is known from where it was built).
                properties: OperationHelpers.Strip(input) == softmax && (dimText is not null || crossEntropy) ? NumericCalls.Replacement(replacement, atAdditionalLocation: true) : null,
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

        // The softmax — a call, or an nn.Softmax module's call — itself, or the one a local assigned once, a private field stored once
        // or a helper of this file holds; its input; its dim as written, if known.
        private static (IInvocationOperation Softmax, IOperation Logits, string? Dim)? SoftmaxOf(IOperation? input, TorchContext torch)
        {
            var value = OperationHelpers.Strip(input);
            if (value is ILocalReferenceOperation or IFieldReferenceOperation || (value is IInvocationOperation call && !torch.IsModule(call.Instance?.Type)))
            {
                value = NumericCalls.ThroughDefinition(value);   // a local, a private field, a helper of this file
            }

            if (value is IInvocationOperation softmax && NumericCalls.IsSoftmax(softmax, torch) && OperationHelpers.Input(softmax) is { } logits)
            {
                return (softmax, logits, OperationHelpers.Argument(softmax, "dim")?.Syntax.ToString());
            }

            if (value is IInvocationOperation module && IsModuleCall(module, torch) && module.Arguments.Length == 1)
            {
                return (module, module.Arguments[0].Value, ModuleDim(module.Instance!));
            }

            return null;
        }

        // softmax.call(x) on an nn.Softmax module: by its type, or — for a field or local typed Module<Tensor, Tensor> —
        // by the nn.Softmax(…) it is initialised with.
        private static bool IsModuleCall(IInvocationOperation call, TorchContext torch) =>
            call.TargetMethod.Name is "call" or "forward" && call.Instance is { } module && torch.IsModule(module.Type)
            && (TorchContext.Is(module.Type, torch.SoftmaxModule) || Creation(module) is not null);

        // The dim an nn.Softmax(dim) module was built with, when its field or local is initialised in place.
        private static string? ModuleDim(IOperation module) =>
            Creation(module) is { ArgumentList.Arguments.Count: >= 1 } creation ? creation.ArgumentList.Arguments[0].Expression.ToString() : null;

        private static Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax? Creation(IOperation module)
        {
            // (A receiver that names no variable — this.forward(x), GetModel().call(x) — has no initializer to read.)
            foreach (var reference in OperationHelpers.ReferencedSymbol(module)?.DeclaringSyntaxReferences ?? ImmutableArray<SyntaxReference>.Empty)
            {
                if (reference.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Initializer.Value: Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax creation }
                    && CandidateInvocations.InvokedName(creation) == "Softmax")
                {
                    return creation;
                }
            }

            return null;
        }
    }
}

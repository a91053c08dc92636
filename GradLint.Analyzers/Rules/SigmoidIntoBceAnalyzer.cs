using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL2006: a sigmoid (<c>x.sigmoid()</c>, <c>torch.sigmoid</c>, <c>functional.sigmoid</c>,
    /// <c>special.sigmoid</c>, an <c>nn.Sigmoid</c> module's output; inline or through a local
    /// assigned once) passed as the input of <c>functional.binary_cross_entropy</c> or an
    /// <c>nn.BCELoss</c> module. The functional form with an inline sigmoid is fixed; the module form
    /// needs the loss module changed where it is created, so it is reported with advice only.
    /// </summary>
    public sealed class SigmoidIntoBceAnalyzer : InvocationRuleAnalyzer
    {
        /// <summary>Property: the logits expression that replaces the sigmoid (functional form, inline sigmoid only).</summary>
        public const string LogitsKey = "gradlint.logits";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2006_SigmoidIntoBce);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) =>
            name is "binary_cross_entropy" or "call" or "forward";

        private protected override bool IsCandidateCall(InvocationExpressionSyntax call, string name) =>
            CandidateInvocations.MayBeLossModuleCall(call, name);

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var call = context.Invocation;
            var functional = call.TargetMethod.Name == "binary_cross_entropy"
                && torch.Functional is not null && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, torch.Functional);
            var module = call.TargetMethod.Name is "call" or "forward" && TorchContext.Is(call.Instance?.Type, torch.BceLossModule);
            if ((!functional && !module) || call.Arguments.Length < 2)
            {
                return;
            }

            var input = OperationHelpers.Strip(call.Arguments[0].Value);
            var sigmoid = input is ILocalReferenceOperation local ? OperationHelpers.Strip(OperationHelpers.SingleAssignment(local)) : input;
            var logits = LogitsOf(sigmoid, torch);
            if (logits is null)
            {
                return;
            }

            var advice = functional
                ? $"use binary_cross_entropy_with_logits({logits.Syntax}, …)"
                : $"use nn.BCEWithLogitsLoss() and pass the logits '{logits.Syntax}'";
            var properties = functional && input == sigmoid
                ? ImmutableDictionary<string, string?>.Empty.Add(LogitsKey, logits.Syntax.ToString())
                : null;
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL2006_SigmoidIntoBce,
                call.Syntax.GetLocation(),
                additionalLocations: new[] { sigmoid!.Syntax.GetLocation() },
                properties: properties,
                messageArgs: new object[] { call.Syntax.ToString(), advice }));
        }

        // The logits x of sigmoid(x) in any form, including an nn.Sigmoid module's call(x) / forward(x).
        private static IOperation? LogitsOf(IOperation? operation, TorchContext torch)
        {
            if (operation is not IInvocationOperation call)
            {
                return null;
            }

            if (call.TargetMethod.Name == "sigmoid" && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch))
            {
                return OperationHelpers.Input(call);
            }

            return call.TargetMethod.Name is "call" or "forward" && TorchContext.Is(call.Instance?.Type, torch.SigmoidModule) && call.Arguments.Length == 1
                ? call.Arguments[0].Value
                : null;
        }
    }
}

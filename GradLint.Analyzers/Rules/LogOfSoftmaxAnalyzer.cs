using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Rules
{
    /// <summary>GL2002: <c>log(softmax(x, d))</c> in any form; use <c>log_softmax(x, d)</c>.</summary>
    public sealed class LogOfSoftmaxAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2002_LogOfSoftmax);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) =>
            name is "log" or "log_";

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var log = context.Invocation;
            if (!NumericCalls.IsLog(log, torch) || log.TargetMethod.Name is "log2" or "log10"
                || NumericCalls.SoftmaxArgument(log, torch) is not { } softmax)
            {
                return;
            }

            var input = OperationHelpers.Input(softmax);
            var dim = OperationHelpers.Argument(softmax, "dim");
            var replacement = $"log_softmax({input?.Syntax}, {dim?.Syntax})";
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.GL2002_LogOfSoftmax, log.Syntax.GetLocation(), log.Syntax.ToString(), replacement));
        }
    }
}

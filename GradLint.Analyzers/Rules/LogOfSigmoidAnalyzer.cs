using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL2011: <c>log(sigmoid(x))</c> and <c>log(1 - sigmoid(x))</c> in any form; use
    /// <c>logsigmoid(x)</c> and <c>logsigmoid(-x)</c>.
    /// </summary>
    public sealed class LogOfSigmoidAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2011_LogOfSigmoid);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) => name == "log";

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var log = context.Invocation;
            if (!NumericCalls.IsLog(log, torch) || NumericCalls.SigmoidLog(log, torch) is not var (sigmoid, complement))
            {
                return;
            }

            var input = OperationHelpers.Input(sigmoid)?.Syntax.ToString() ?? "x";
            var replacement = complement ? $"logsigmoid(-({input}))" : $"logsigmoid({input})";
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL2011_LogOfSigmoid,
                log.Syntax.GetLocation(),
                log.Syntax.ToString(),
                complement ? "1" : "0",
                complement ? "above about 17 (float32)" : "below about -88 (float32)",
                replacement));
        }
    }
}

using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL2001: <c>log</c>/<c>log2</c>/<c>log10</c> of a value the value-range analysis cannot prove &gt; 0.
    /// <c>log(softmax(…))</c>, <c>log(1 + x)</c> and <c>log(1 - sigmoid(…))</c> are left to the more specific GL2002, GL2004 and GL2011.
    /// </summary>
    public sealed class UnguardedLogAnalyzer : UnsafeArgumentAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2001_UnguardedLog);

        private protected override DiagnosticDescriptor Descriptor => Descriptors.GL2001_UnguardedLog;

        private protected override bool IsFunction(string name) => name is "log" or "log_" or "log2" or "log10";

        private protected override bool IsSafe(Interval range, AnalyzerConfigOptions options) => range.IsPositive;

        private protected override string Clamp(AnalyzerOptions options, SyntaxTree tree) =>
            $"clamp_min({GradLintOptions.Literal(GradLintOptions.LogEpsilon(options.AnalyzerConfigOptionsProvider.GetOptions(tree)))})";

        // log(softmax(…)) is GL2002's, log(sum(exp(…))) GL2003's, log(1 + x) GL2004's, log(sigmoid(…)) and log(1 - sigmoid(…)) GL2011's.
        private protected override bool LeftToOtherRule(IInvocationOperation call, TorchContext torch) =>
            NumericCalls.SoftmaxArgument(call, torch) is not null
            || NumericCalls.SigmoidLog(call, torch) is not null
            || NumericCalls.LogSumExp(call, torch) is not null
            || (call.TargetMethod.Name == "log" && NumericCalls.OnePlus(OperationHelpers.Input(call)) is not null);
    }
}

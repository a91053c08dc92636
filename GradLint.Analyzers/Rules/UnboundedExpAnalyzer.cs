using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Rules
{
    /// <summary>GL2005: <c>exp</c> of a value the value-range analysis cannot prove bounded above (overflow to Inf past ~88 in float32).</summary>
    public sealed class UnboundedExpAnalyzer : UnsafeArgumentAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2005_UnboundedExp);

        private protected override DiagnosticDescriptor Descriptor => Descriptors.GL2005_UnboundedExp;

        private protected override bool IsFunction(string name) => name is "exp" or "exp_";

        // Bounded above by a value exp does not overflow at: float32's limit (88.7), or the configured
        // gradlint.exp_max when it is higher (a float64 model), so the rule's own fix is always safe.
        private protected override bool IsSafe(Interval range, AnalyzerConfigOptions options) =>
            range.High <= System.Math.Max(Float32ExpLimit, GradLintOptions.ExpMax(options));

        /// <summary>ln(float.MaxValue): exp of anything above overflows to +Inf in float32.</summary>
        internal const double Float32ExpLimit = 88.72;

        // exp inside log(sum(exp(x))) or a hand-written softmax is GL2003's; exp(x) - 1 is GL2004's.
        private protected override bool LeftToOtherRule(Microsoft.CodeAnalysis.Operations.IInvocationOperation call, TorchContext torch) =>
            NumericCalls.InLogSumExpPattern(call, torch) || NumericCalls.InExpMinusOne(call);

        private protected override string Clamp(AnalyzerOptions options, SyntaxTree tree) =>
            $"clamp_max({GradLintOptions.Literal(GradLintOptions.ExpMax(options.AnalyzerConfigOptionsProvider.GetOptions(tree)))})";
    }
}

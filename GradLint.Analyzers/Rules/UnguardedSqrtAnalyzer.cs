using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Rules
{
    /// <summary>GL2008: <c>sqrt</c> of a value the value-range analysis cannot prove &gt; 0 (infinite gradient at 0).</summary>
    public sealed class UnguardedSqrtAnalyzer : UnsafeArgumentAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2008_UnguardedSqrt);

        private protected override DiagnosticDescriptor Descriptor => Descriptors.GL2008_UnguardedSqrt;

        private protected override bool IsFunction(string name) => name is "sqrt" or "sqrt_";

        private protected override bool IsSafe(Interval range, AnalyzerConfigOptions options) => range.IsPositive;

        // sqrt(0) = 0 is a fine value; the hazard is the gradient, and none flows under no_grad or
        // from a result that is only read back to the host (a metric such as FID).
        private protected override bool LeftToOtherRule(Microsoft.CodeAnalysis.Operations.IInvocationOperation call, TorchContext torch) =>
            NumericCalls.UnderNoGrad(call) || NumericCalls.OnlyReadOnHost(call, torch);

        private protected override bool HazardIsInTheGradient => true;

        private protected override string Clamp(AnalyzerOptions options, SyntaxTree tree) =>
            $"clamp_min({GradLintOptions.Literal(GradLintOptions.SqrtEpsilon(options.AnalyzerConfigOptionsProvider.GetOptions(tree)))})";
    }
}

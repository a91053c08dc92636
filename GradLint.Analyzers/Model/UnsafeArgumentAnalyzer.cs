using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Base of the rules that flag a TorchSharp function applied to a value the value-range analysis
    /// cannot prove safe for it (log, sqrt: &gt; 0; exp: bounded above). Reported on the call, with the
    /// clamp that would make it safe in the message.
    /// </summary>
    public abstract class UnsafeArgumentAnalyzer : InvocationRuleAnalyzer
    {
        private protected abstract DiagnosticDescriptor Descriptor { get; }

        /// <summary>The method names (all forms: <c>x.f()</c>, <c>torch.f(x)</c>, in place <c>x.f_()</c>).</summary>
        private protected abstract bool IsFunction(string name);

        /// <summary>True when every value in <paramref name="range"/> is safe for the function.</summary>
        private protected abstract bool IsSafe(Interval range, AnalyzerConfigOptions options);

        /// <summary>The clamp the message suggests, e.g. <c>clamp_min(1E-07)</c>.</summary>
        private protected abstract string Clamp(AnalyzerOptions options, SyntaxTree tree);

        /// <summary>
        /// True when the function's value is fine everywhere and only its gradient is not (sqrt at 0): then a
        /// value that never requires grad — random noise included — is safe.
        /// </summary>
        private protected virtual bool HazardIsInTheGradient => false;

        /// <summary>A more specific rule reports this call instead.</summary>
        private protected virtual bool LeftToOtherRule(IInvocationOperation call, TorchContext torch) => false;

        private protected sealed override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) => IsFunction(name);

        private protected sealed override void Analyze(InvocationContext context, TorchContext torch)
        {
            var call = context.Invocation;
            if (!IsFunction(call.TargetMethod.Name) || !ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch) || LeftToOtherRule(call, torch))
            {
                return;
            }

            var argument = OperationHelpers.Input(call);
            // A fixed value (a positional encoding, a window, a schedule) needs no grad and fails on the
            // first run if it fails at all: not the training-time hazard these rules are about.
            if (argument is null || IsSafe(ValueRangeAnalysis.Of(argument, torch, context.CancellationToken), context.Options.AnalyzerConfigOptionsProvider.GetOptions(call.Syntax.SyntaxTree))
                || FixedValues.IsFixed(argument, torch, context.CancellationToken)
                || (HazardIsInTheGradient && FixedValues.NeverRequiresGrad(argument, torch, context.CancellationToken)))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptor,
                call.Syntax.GetLocation(),
                call.Syntax.ToString(),
                $"{NumericCalls.Receiver(argument)}.{Clamp(context.Options, call.Syntax.SyntaxTree)}"));
        }
    }
}

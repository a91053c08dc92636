using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL2001: <c>log</c>/<c>log2</c>/<c>log10</c> of a value the value-range analysis cannot prove &gt; 0.
    /// <c>log(softmax(…))</c> is left to the more specific GL2002.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class UnguardedLogAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL2001_UnguardedLog);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree) =>
            name is "log" or "log_" or "log2" or "log10";

        private protected override void Analyze(InvocationContext context, TorchSymbols torch)
        {
            var log = context.Invocation;
            if (!NumericCalls.IsLog(log, torch) || NumericCalls.SoftmaxArgument(log, torch) is not null)
            {
                return;
            }

            var argument = ValueRangeAnalysis.Input(log);
            if (argument is null || ValueRangeAnalysis.Of(argument, torch).IsPositive())
            {
                return;
            }

            var epsilon = GradLintOptions.Literal(GradLintOptions.LogEpsilon(context.Options.AnalyzerConfigOptionsProvider.GetOptions(log.Syntax.SyntaxTree)));
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL2001_UnguardedLog,
                log.Syntax.GetLocation(),
                log.Syntax.ToString(),
                $"{argument.Syntax}.clamp_min({epsilon})"));
        }
    }
}

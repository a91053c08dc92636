using System.Collections.Immutable;
using System.Linq;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL1005: <c>scheduler.step()</c> before the first <c>optimizer.step()</c> of the same iteration —
    /// the innermost loop around the scheduler call (a per-batch or per-epoch schedule alike), or, outside
    /// loops, the function (a <c>TrainStep()</c> called once per step). Reported on the scheduler call; the
    /// optimizer's last step in that iteration travels as the additional location, for the code fix.
    /// </summary>
    public sealed class SchedulerBeforeOptimizerStepAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL1005_SchedulerBeforeOptimizerStep);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) => name == "step";

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var schedulerStep = context.Invocation;
            if (schedulerStep.TargetMethod.IsStatic || !torch.IsScheduler(schedulerStep.TargetMethod.ContainingType) || schedulerStep.SemanticModel is not { } model)
            {
                return;
            }

            var scope = schedulerStep.Syntax.Ancestors().FirstOrDefault(a =>
                SyntaxScopes.IsLoop(a) || a is CompilationUnitSyntax
                || SyntaxScopes.IsFunction(a));
            if (scope is null)
            {
                return;
            }

            // The optimizer steps of the same iteration, in source order; not those of nested functions.
            var optimizerSteps = scope.DescendantNodes(n => n == scope || n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
                .OfType<InvocationExpressionSyntax>()
                .Where(call => CandidateInvocations.InvokedName(call) == "step" && call != schedulerStep.Syntax)
                .Select(call => model.GetOperation(call, context.CancellationToken) as IInvocationOperation)
                .Where(call => call is not null && TrainingCalls.Classify(call, torch) == TrainingCallKind.Step)
                .Select(call => call!)
                .OrderBy(call => call.Syntax.SpanStart)
                .ToList();
            if (optimizerSteps.Count == 0 || optimizerSteps[0].Syntax.SpanStart < schedulerStep.Syntax.SpanStart)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL1005_SchedulerBeforeOptimizerStep,
                schedulerStep.Syntax.GetLocation(),
                additionalLocations: new[] { optimizerSteps[optimizerSteps.Count - 1].Syntax.GetLocation() },
                messageArgs: new object[] { TrainingCalls.ReceiverText(schedulerStep), TrainingCalls.ReceiverText(optimizerSteps[0]) }));
        }
    }
}

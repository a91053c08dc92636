using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL1002: a training loop calls backward() and step() but never zero_grad(), so gradients
    /// accumulate across iterations. Reported on the step() call; the loop travels as the
    /// diagnostic's additional location so the code fix edits the same loop.
    /// </summary>
    public sealed class MissingZeroGradAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL1002_MissingZeroGrad);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) => name == "step";

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var step = context.Invocation;
            if (step.TargetMethod.Name != "step" || TrainingCalls.Classify(step, torch) != TrainingCallKind.Step)
            {
                return;
            }

            var loop = TrainingCalls.FindTrainingLoop(step, torch);
            if (loop is null || TrainingCalls.IterationContains(loop, TrainingCallKind.ZeroGrad, torch, zeroGrad => TrainingCalls.ClearsGradientsOf(zeroGrad, step, torch)))
            {
                return;
            }

            foreach (var part in TrainingCalls.Iteration(loop))
            {
                if (TrainingCalls.HelperContains(part, TrainingCallKind.ZeroGrad, torch, "zero_grad"))
                {
                    return;
                }
            }

            var receiver = TrainingCalls.ReceiverText(step);
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL1002_MissingZeroGrad,
                step.Syntax.GetLocation(),
                additionalLocations: new[] { loop.Syntax.GetLocation() },
                messageArgs: receiver));
        }
    }
}

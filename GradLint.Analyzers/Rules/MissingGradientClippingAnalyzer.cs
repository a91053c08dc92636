using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL1001 / GL1007: a step() whose gradients were not clipped after the last backward() before it — GL1001 where
    /// the step is exposed to exploding gradients, GL1007 (a suggestion) where it is low-risk (see <see cref="StepRisk"/>).
    /// Clipping is clip_grad_norm_ / clip_grad_value_, a configured method, a helper of this
    /// compilation that clips (one level), or the step of a GradLint guarded optimizer.
    /// </summary>
    public sealed class MissingGradientClippingAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL1001_MissingGradientClipping, Descriptors.GL1007_MissingGradientClippingLowRisk);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) => name == "step";

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var step = context.Invocation;
            if (step.TargetMethod.Name != "step" || TrainingCalls.Classify(step, torch) != TrainingCallKind.Step)
            {
                return;
            }

            var training = TrainingContext.For(context, torch);
            if (training.IsGuardedStep(step))
            {
                return;
            }

            var model = TrainingStep.Of(step, training);
            var stepPosition = step.Syntax.Span.End;
            var backward = model.LastBackwardBefore(stepPosition);
            if (backward is null)
            {
                return;   // no backward() before it in this function: not a training step we can see
            }

            foreach (var e in model.Events)
            {
                if (e.Position > backward.Value.Position && e.Position < stepPosition
                    && (e.Kind == TrainingCallKind.Clip || (e.Kind == TrainingCallKind.Step && e.IsGuardedStep)))
                {
                    return;
                }
            }

            // Risk-aware: an exposed step is a warning (GL1001), a low-risk one a suggestion of its own (GL1007).
            var rule = StepRisk.IsLowRisk(step, model, torch) ? Descriptors.GL1007_MissingGradientClippingLowRisk : Descriptors.GL1001_MissingGradientClipping;
            var receiver = TrainingCalls.ReceiverText(step);
            context.ReportDiagnostic(Diagnostic.Create(rule, step.Syntax.GetLocation(), receiver));
        }
    }
}

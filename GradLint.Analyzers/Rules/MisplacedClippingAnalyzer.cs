using System.Collections.Immutable;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL1004: a clipping call that is not between the last backward() before a step() and that
    /// step(): before backward(), or after step(). Reported on the clip call; the step it belongs
    /// next to travels as an additional location for the code fix.
    /// </summary>
    public sealed class MisplacedClippingAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL1004_MisplacedClipping);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) => TrainingContext.IsClipName(name, options, tree, torch);

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var clip = context.Invocation;
            var training = TrainingContext.For(context, torch);
            if (training.Classify(clip) != TrainingCallKind.Clip)
            {
                return;
            }

            var model = TrainingStep.Of(clip, training);
            if (!model.Has(TrainingCallKind.Backward) || !model.Has(TrainingCallKind.Step))
            {
                return;   // a clipping helper, or code that is not a training step
            }

            var position = clip.Syntax.SpanStart;
            var next = model.FirstAfter(position, TrainingCallKind.Step);
            string where;
            TrainingEvent target;
            if (next is null)
            {
                where = "after step()";
                target = model.LastBefore(position, TrainingCallKind.Step)!.Value;
            }
            else
            {
                var backward = model.LastBackwardBefore(next.Value.Position);
                if (backward is not null && backward.Value.Position < position)
                {
                    return;   // inside the window
                }

                where = "before backward()";
                target = next.Value;
            }

            if (target.IsGuardedStep)
            {
                return;   // the guarded step clips by itself; an extra clip elsewhere does no harm
            }

            var receiver = TrainingCalls.ReceiverText(target.Invocation);
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL1004_MisplacedClipping,
                clip.Syntax.GetLocation(),
                additionalLocations: new[] { target.Invocation.Syntax.GetLocation() },
                messageArgs: new object[] { Name(clip), where, receiver }));
        }

        private static string Name(IInvocationOperation clip) => clip.TargetMethod.Name + "(…)";
    }
}

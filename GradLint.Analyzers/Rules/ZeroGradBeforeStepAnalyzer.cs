using System.Collections.Immutable;
using System.Linq;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL1003: zero_grad() after the last backward() and before the step() whose gradients it
    /// clears. Reported on the zero_grad() call; the step travels as an additional location.
    /// </summary>
    public sealed class ZeroGradBeforeStepAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL1003_ZeroGradBeforeStep);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) => name == "zero_grad";

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var zeroGrad = context.Invocation;
            if (zeroGrad.TargetMethod.Name != "zero_grad" || TrainingCalls.Classify(zeroGrad, torch) != TrainingCallKind.ZeroGrad
                || LeavesBeforeStep(zeroGrad))
            {
                return;
            }

            var model = TrainingStep.Of(zeroGrad, TrainingContext.For(context, torch));
            var position = zeroGrad.Syntax.SpanStart;

            // The next step() whose gradients this call clears, and the last backward() before that step.
            var step = model.Events.FirstOrDefault(e => e.Kind == TrainingCallKind.Step && e.Position > position && Clears(zeroGrad, e.Invocation, torch));
            if (step.Invocation is null)
            {
                return;
            }

            var backward = model.LastBackwardBefore(step.Position);
            if (backward is null || backward.Value.Position > position)
            {
                return;
            }

            var receiver = TrainingCalls.ReceiverText(step.Invocation);
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL1003_ZeroGradBeforeStep,
                zeroGrad.Syntax.GetLocation(),
                additionalLocations: new[] { step.Invocation.Syntax.GetLocation() },
                messageArgs: new object[] { zeroGrad.Syntax.ToString(), receiver }));
        }

        // zero_grad() on the same optimizer, or on the module the optimizer was built from. A module
        // whose link to the optimizer is not visible is not reported: this rule is an error, so it
        // only speaks when it is sure (a GAN clears one network between the other's backward and step).
        private static bool Clears(IInvocationOperation zeroGrad, IInvocationOperation step, TorchContext torch)
        {
            if (!torch.IsModule(zeroGrad.TargetMethod.ContainingType))
            {
                return TrainingCalls.ClearsGradientsOf(zeroGrad, step, torch);
            }

            var module = OperationHelpers.ReferencedSymbol(zeroGrad.Instance);
            return module is not null && OptimizerOrigin.Find(step.Instance) is { Model: { } built } && SymbolEqualityComparer.Default.Equals(built, module);
        }

        // `if (bad) { optimizer.zero_grad(); continue; }`: the step after it never sees the cleared gradients.
        private static bool LeavesBeforeStep(IInvocationOperation zeroGrad)
        {
            var statement = zeroGrad.Syntax.FirstAncestorOrSelf<StatementSyntax>();
            return statement?.Parent is BlockSyntax block
                && block.Statements.SkipWhile(s => s != statement).Skip(1).Any(s => s is ContinueStatementSyntax or BreakStatementSyntax or ReturnStatementSyntax or ThrowStatementSyntax);
        }
    }
}

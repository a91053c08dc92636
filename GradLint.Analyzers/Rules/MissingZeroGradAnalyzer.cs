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
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class MissingZeroGradAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL1002_MissingZeroGrad);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var torch = TorchSymbols.TryCreate(start.Compilation);
                if (torch is null)
                {
                    return;
                }

                CandidateInvocations.Register(start, static (name, _, _) => name == "step", c => AnalyzeInvocation(c, torch));
            });
        }

        private static void AnalyzeInvocation(InvocationContext context, TorchSymbols torch)
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

            var receiver = step.Instance is { IsImplicit: false } instance ? instance.Syntax.ToString() : "this";
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL1002_MissingZeroGrad,
                step.Syntax.GetLocation(),
                additionalLocations: new[] { loop.Syntax.GetLocation() },
                messageArgs: receiver));
        }
    }
}

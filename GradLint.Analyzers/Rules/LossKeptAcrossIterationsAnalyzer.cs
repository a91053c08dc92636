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
    /// GL3002: inside a loop, a tensor that still carries its autograd graph (a loss, a forward pass's output,
    /// not <c>detach()</c>ed, not computed under <c>no_grad</c>) is accumulated into something that outlives the
    /// iteration — <c>total += loss</c>, <c>sum = sum + loss</c>, <c>losses.Add(loss)</c> on a variable, field or
    /// property declared outside the loop — so every step's graph and tensors stay alive until the accumulator
    /// goes. Not reported when a <c>backward()</c> of the same function (or, for a field, of its type) is computed
    /// from the accumulator: summing losses to differentiate them once (truncated BPTT, REINFORCE) is intended.
    /// Reported on the accumulated value, which the fix wraps in <c>.detach()</c>.
    /// </summary>
    public sealed class LossKeptAcrossIterationsAnalyzer : TorchRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL3002_LossKeptAcrossIterations);

        private protected override void Register(RuleActions actions, TorchContext torch)
        {
            OperationContext.Register(
                actions,
                // Only assignments inside a loop are bound, and not those to a local declared with a built-in type (start += batch).
                node => SyntaxScopes.EnclosingLoop(node) is not null
                    && !(node is AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } && SyntaxValues.IsDeclaredBuiltIn(target)),
                context =>
                {
                    switch (context.Operation)
                    {
                        case ICompoundAssignmentOperation compound:
                            AnalyzeCompound(compound, context, torch);
                            break;
                        case ISimpleAssignmentOperation simple:
                            AnalyzeAssignment(simple, context, torch);
                            break;
                    }
                },
                SyntaxKind.AddAssignmentExpression, SyntaxKind.SubtractAssignmentExpression, SyntaxKind.MultiplyAssignmentExpression, SyntaxKind.DivideAssignmentExpression,
                SyntaxKind.SimpleAssignmentExpression);

            // Only calls named like a collection's add are bound.
            CandidateInvocations.Register(
                actions,
                (name, _, _) => TensorWork.CollectionAdds.Contains(name),
                call => AnalyzeAdd(call.Invocation, call.AsOperationContext(), torch));
        }


        private static void AnalyzeCompound(ICompoundAssignmentOperation assignment, OperationContext context, TorchContext torch)
        {
            if (torch.IsTensor(assignment.Target.Type))
            {
                Check(assignment.Target, assignment.Value, assignment, context, torch);
            }
        }

        // sum = sum + loss, sum = loss + sum
        private static void AnalyzeAssignment(ISimpleAssignmentOperation assignment, OperationContext context, TorchContext torch)
        {
            if (!torch.IsTensor(assignment.Target.Type) || WithoutScopeMoves(assignment.Value) is not IBinaryOperation binary
                || OperationHelpers.ReferencedSymbol(assignment.Target) is not { } target)
            {
                return;
            }

            var added = SymbolEqualityComparer.Default.Equals(OperationHelpers.ReferencedSymbol(binary.LeftOperand), target) ? binary.RightOperand
                : SymbolEqualityComparer.Default.Equals(OperationHelpers.ReferencedSymbol(binary.RightOperand), target) ? binary.LeftOperand
                : null;
            if (added is not null)
            {
                Check(assignment.Target, added, assignment, context, torch);
            }
        }

        // (sum + loss).MoveToOuterDisposeScope() is still sum + loss.
        private static IOperation? WithoutScopeMoves(IOperation? value)
        {
            while (true)
            {
                value = OperationHelpers.Strip(value);
                if (value is IParenthesizedOperation parenthesized)
                {
                    value = parenthesized.Operand;
                }
                else if (value is IInvocationOperation { Instance: { } receiver } call && call.TargetMethod.Name is "MoveToOuterDisposeScope" or "DetachFromDisposeScope")
                {
                    value = receiver;
                }
                else
                {
                    return value;
                }
            }
        }

        // losses.Add(loss), history.Enqueue(loss), …
        private static void AnalyzeAdd(IInvocationOperation call, OperationContext context, TorchContext torch)
        {
            if (!TensorWork.CollectionAdds.Contains(call.TargetMethod.Name)
                || call.Instance is null || call.Arguments.Length == 0
                || call.Instance.Type is not INamedTypeSymbol { TypeArguments: var elements } || !elements.Any(torch.IsTensor))
            {
                return;
            }

            var added = call.Arguments.Select(a => a.Value).LastOrDefault(v => torch.IsTensor(v.Type));
            if (added is not null)
            {
                Check(call.Instance, added, call, context, torch);
            }
        }

        private static void Check(IOperation accumulator, IOperation added, IOperation accumulation, OperationContext context, TorchContext torch)
        {
            var symbol = OperationHelpers.ReferencedSymbol(accumulator);
            var loop = EnclosingLoop(accumulation);
            if (symbol is null || loop is null || DeclaredInside(symbol, loop.Syntax)
                || TensorWork.IsInsideModule(accumulation, torch)   // a forward pass collecting its layers' outputs
                || !torch.TensorWorkIn(loop.Body, intoLoops: true).Any(w => w.Kind is not TensorWorkKind.Functional)
                || GradMode.NoGradScopeAt(accumulation.Syntax) is not null
                || !GraphFlow.CarriesGraph(added, torch)
                || DifferentiatedLater(symbol, accumulation, torch))
            {
                return;
            }

            var value = added.Syntax.ToString();
            var detached = NumericCalls.Receiver(added) + ".detach()";
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL3002_LossKeptAcrossIterations,
                added.Syntax.GetLocation(),
                ImmutableDictionary<string, string?>.Empty.Add(NumericCalls.ReplacementKey, detached),
                value.Length > 40 ? value.Substring(0, 37) + "…" : value,
                accumulator.Syntax.ToString()));
        }

        private static ILoopOperation? EnclosingLoop(IOperation operation)
        {
            for (var current = operation.Parent; current is not null; current = current.Parent)
            {
                if (current is ILoopOperation loop)
                {
                    return loop;
                }

                if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
                {
                    return null;
                }
            }

            return null;
        }

        private static bool DeclaredInside(ISymbol symbol, SyntaxNode loop) =>
            symbol is ILocalSymbol && symbol.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == loop.SyntaxTree && loop.Span.Contains(r.Span));

        /// <summary>
        /// True when a backward() is computed from the accumulator: in the same function for a local or parameter,
        /// anywhere in the type (this file) for a field or property.
        /// </summary>
        private static bool DifferentiatedLater(ISymbol accumulator, IOperation accumulation, TorchContext torch)
        {
            var model = accumulation.SemanticModel;
            if (model is null)
            {
                return false;
            }

            var roots = accumulator is ILocalSymbol or IParameterSymbol
                ? new[] { OperationHelpers.Root(accumulation) }
                : accumulation.Syntax.Ancestors().OfType<TypeDeclarationSyntax>().LastOrDefault() is { } type
                    ? type.DescendantNodes().Where(SyntaxScopes.IsFunction).Where(f => f.Parent is TypeDeclarationSyntax)
                        .Select(f => model.GetOperation(f)).Where(o => o is not null).Select(o => o!).ToArray()
                    : new[] { OperationHelpers.Root(accumulation) };
            foreach (var root in roots)
            {
                foreach (var operation in root.DescendantsAndSelf())
                {
                    if (operation is IInvocationOperation call && TrainingCalls.Classify(call, torch) == TrainingCallKind.Backward)
                    {
                        var differentiated = call.Instance is not null ? new[] { call.Instance } : call.Arguments.Select(a => a.Value).ToArray();
                        if (differentiated.Any(d => GraphFlow.Sources(d).Contains(accumulator)))
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }
    }
}

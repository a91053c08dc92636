using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// The shared model of a training step that the GL1xxx rules read: which calls are
    /// backward / step / zero_grad / clip, found by symbol (never by name alone), and where they
    /// sit in loops, lambdas and the helper methods a loop calls.
    /// </summary>
    internal static class TrainingCalls
    {
        public static TrainingCallKind Classify(IInvocationOperation invocation, TorchContext torch)
        {
            var method = invocation.TargetMethod;
            switch (method.Name)
            {
                case "backward":
                    if (method.IsStatic)
                    {
                        return SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Autograd) ? TrainingCallKind.Backward : TrainingCallKind.None;
                    }

                    return torch.IsTensor(method.ContainingType) ? TrainingCallKind.Backward : TrainingCallKind.None;
                case "step":
                    return !method.IsStatic && torch.IsOptimizer(method.ContainingType) ? TrainingCallKind.Step : TrainingCallKind.None;
                case "zero_grad":
                    return !method.IsStatic && (torch.IsOptimizer(method.ContainingType) || torch.IsModule(method.ContainingType))
                        ? TrainingCallKind.ZeroGrad
                        : TrainingCallKind.None;
                case "clip_grad_norm_":
                case "clip_grad_value_":
                    return method.IsStatic && SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.NnUtils) ? TrainingCallKind.Clip : TrainingCallKind.None;
                default:
                    return TrainingCallKind.None;
            }
        }

        /// <summary>The receiver as written (<c>optimizer</c>, <c>this.opt</c>), or <c>this</c> for an implicit one.</summary>
        public static string ReceiverText(IInvocationOperation invocation) =>
            invocation.Instance is { IsImplicit: false } instance ? instance.Syntax.ToString() : "this";

        /// <summary>
        /// True when <paramref name="root"/> or anything inside it (nested blocks, <c>using</c>,
        /// <c>if</c>, lambdas such as an LBFGS closure) makes a call of <paramref name="kind"/> that
        /// <paramref name="accept"/> accepts.
        /// </summary>
        public static bool Contains(IOperation root, TrainingCallKind kind, TorchContext torch, System.Func<IInvocationOperation, bool> accept)
        {
            foreach (var operation in root.DescendantsAndSelf())
            {
                if (operation is IInvocationOperation invocation && Classify(invocation, torch) == kind && accept(invocation))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// True when <paramref name="zeroGrad"/> clears the gradients that <paramref name="step"/>
        /// uses: <c>zero_grad()</c> on any module (its parameters are what optimizers are built
        /// from), or on the same optimizer. Another optimizer's <c>zero_grad()</c> (a GAN's
        /// discriminator) does not clear this one's gradients.
        /// </summary>
        public static bool ClearsGradientsOf(IInvocationOperation zeroGrad, IInvocationOperation step, TorchContext torch)
        {
            if (torch.IsModule(zeroGrad.TargetMethod.ContainingType))
            {
                return true;
            }

            var cleared = ReceiverSymbol(zeroGrad.Instance);
            var stepped = ReceiverSymbol(step.Instance);
            if (cleared is not null && stepped is not null)
            {
                return SymbolEqualityComparer.Default.Equals(cleared, stepped);
            }

            // Receivers that are not plain variables (a call, an indexer): compare their text.
            return zeroGrad.Instance?.Syntax.ToString() == step.Instance?.Syntax.ToString();
        }

        private static ISymbol? ReceiverSymbol(IOperation? instance)
        {
            switch (instance)
            {
                case IConversionOperation conversion:
                    return ReceiverSymbol(conversion.Operand);
                case ILocalReferenceOperation local:
                    return local.Local;
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter;
                case IFieldReferenceOperation field when field.Instance is null or IInstanceReferenceOperation:
                    return field.Field;
                case IPropertyReferenceOperation property when property.Instance is null or IInstanceReferenceOperation:
                    return property.Property;
                case IInstanceReferenceOperation self:
                    return self.Type;
                default:
                    return null;
            }
        }

        /// <summary>
        /// True when a method or local function of this compilation that <paramref name="root"/>
        /// calls directly (one level) makes a call of <paramref name="kind"/>, e.g. a
        /// <c>ResetGradients()</c> helper that calls <c>optimizer.zero_grad()</c>.
        /// </summary>
        /// <remarks>
        /// A helper is first read by the names of its calls (no binding). One in the same syntax tree
        /// is then confirmed through its operation tree (by symbol); one in another tree is taken
        /// by name, because an analyzer may not ask the compilation for another tree's semantic
        /// model — this only ever suppresses a report.
        /// </remarks>
        public static bool HelperContains(IOperation root, TrainingCallKind kind, TorchContext torch, string methodName)
        {
            var semanticModel = root.SemanticModel;
            var visited = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in root.DescendantsAndSelf())
            {
                if (operation is not IInvocationOperation invocation || Classify(invocation, torch) != TrainingCallKind.None)
                {
                    continue;
                }

                var callee = invocation.TargetMethod.OriginalDefinition;
                if (callee.DeclaringSyntaxReferences.IsEmpty || !visited.Add(callee))
                {
                    continue;
                }

                foreach (var reference in callee.DeclaringSyntaxReferences)
                {
                    // In another file the name decides, so it is read from the calls exactly; in this tree the name (cheap, no
                    // binding) only gates the binding, and the symbol confirms.
                    var declaration = reference.GetSyntax();
                    if (semanticModel is null || declaration.SyntaxTree != semanticModel.SyntaxTree)
                    {
                        if (InvokedNameSet.Exact(declaration).Contains(methodName))
                        {
                            return true;
                        }

                        continue;
                    }

                    if (!torch.InvokedNames(declaration).Contains(methodName))
                    {
                        continue;
                    }

                    var body = semanticModel.GetOperation(declaration);
                    if (body is not null && body.DescendantsAndSelf().OfType<IInvocationOperation>().Any(i => Classify(i, torch) == kind))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>
        /// The innermost loop around <paramref name="operation"/>, within the same method, lambda or
        /// local function, whose iteration (body, and a <c>for</c> loop's increment) calls
        /// backward(). Null when there is none: then the call is not part of a training loop.
        /// </summary>
        public static ILoopOperation? FindTrainingLoop(IOperation operation, TorchContext torch)
        {
            for (var current = operation.Parent; current is not null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                {
                    return null;
                }

                if (current is ILoopOperation loop && IterationContains(loop, TrainingCallKind.Backward, torch))
                {
                    return loop;
                }
            }

            return null;
        }

        /// <summary>What runs on every iteration of <paramref name="loop"/>: its body and, for <c>for</c>, the increment.</summary>
        public static IEnumerable<IOperation> Iteration(ILoopOperation loop)
        {
            yield return loop.Body;
            if (loop is IForLoopOperation forLoop)
            {
                foreach (var increment in forLoop.AtLoopBottom)
                {
                    yield return increment;
                }
            }
        }

        public static bool IterationContains(ILoopOperation loop, TrainingCallKind kind, TorchContext torch) =>
            IterationContains(loop, kind, torch, static _ => true);

        public static bool IterationContains(ILoopOperation loop, TrainingCallKind kind, TorchContext torch, System.Func<IInvocationOperation, bool> accept)
        {
            foreach (var part in Iteration(loop))
            {
                if (Contains(part, kind, torch, accept))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>What a call does with tensors in a training or evaluation step, as the GL3xxx rules see it.</summary>
    internal enum TensorWorkKind
    {
        None,

        /// <summary><c>forward</c>/<c>call</c> on a module that is not a loss: a forward pass.</summary>
        Forward,

        /// <summary><c>forward</c>/<c>call</c> on a TorchSharp loss module (<c>MSELoss</c>, <c>CrossEntropyLoss</c>, …).</summary>
        Loss,

        /// <summary>A tensor-returning function of <c>torch.nn.functional</c> (<c>mse_loss</c>, <c>relu</c>, …).</summary>
        Functional,

        /// <summary><c>backward()</c>.</summary>
        Backward,

        /// <summary>An optimizer's <c>step()</c>.</summary>
        Step,
    }

    /// <summary>
    /// The per-step tensor work of a region of code — forward passes, losses, functional ops,
    /// backward and optimizer steps — found by symbol, and a walk of a region that stops where
    /// another function's code (a lambda, a local function) or, when asked, a nested loop begins.
    /// </summary>
    internal static class TensorWork
    {
        /// <summary>The methods that store their argument in a collection (a list, queue, stack, set or dictionary).</summary>
        public static readonly ImmutableHashSet<string> CollectionAdds = ImmutableHashSet.Create(
            "Add", "Append", "Enqueue", "Push", "Insert", "AddLast", "AddFirst", "TryAdd", "AddRange");

        public static TensorWorkKind Classify(IInvocationOperation call, TorchContext torch)
        {
            switch (TrainingCalls.Classify(call, torch))
            {
                case TrainingCallKind.Backward:
                    return TensorWorkKind.Backward;
                case TrainingCallKind.Step:
                    return TensorWorkKind.Step;
            }

            var method = call.TargetMethod;
            if (!method.IsStatic && method.Name is "forward" or "call" && torch.IsModule(method.ContainingType))
            {
                // call/forward are declared on Module<…>; the receiver's type says whether it is a loss.
                return torch.IsLossModule(call.Instance?.Type) || torch.IsLossModule(method.ContainingType) ? TensorWorkKind.Loss : TensorWorkKind.Forward;
            }

            if (method.IsStatic && torch.Functional is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Functional)
                && torch.IsTensor(method.ReturnType))
            {
                return TensorWorkKind.Functional;
            }

            return TensorWorkKind.None;
        }

        /// <summary>
        /// The operations of <paramref name="root"/> that run as part of it: not those inside a lambda or
        /// local function (they run when called, not here) and, unless <paramref name="intoLoops"/>, not
        /// those inside a loop nested in it.
        /// </summary>
        public static IEnumerable<IOperation> Walk(IOperation root, bool intoLoops)
        {
            var stack = new Stack<IOperation>(32);
            stack.Push(root);
            while (stack.Count > 0)
            {
                var operation = stack.Pop();
                yield return operation;
                foreach (var child in operation.ChildOperations)
                {
                    // By kind, not by interface: a type test against an interface was the walk's largest cost in the profile.
                    if (child.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction || (!intoLoops && child.Kind == OperationKind.Loop))
                    {
                        continue;
                    }

                    stack.Push(child);
                }
            }
        }

        /// <summary>The calls of per-step tensor work in <paramref name="root"/> (see <see cref="Walk"/>).</summary>
        public static IEnumerable<(IInvocationOperation Call, TensorWorkKind Kind)> Calls(IOperation root, TorchContext torch, bool intoLoops)
        {
            foreach (var operation in Walk(root, intoLoops))
            {
                if (operation.Kind != OperationKind.Invocation)
                {
                    continue;   // by kind, as in Walk
                }

                var call = (IInvocationOperation)operation;
                if (Classify(call, torch) is var kind && kind != TensorWorkKind.None)
                {
                    yield return (call, kind);
                }
            }
        }

        /// <summary>
        /// A loop whose body invokes a method named like tensor work (<see cref="TorchContext.IsTensorWorkName"/>): the
        /// others have none for the GL3xxx loop rules to find, so they are never bound (a loop that only iterates
        /// batches, <c>narrow</c>s or <c>Math.Min</c>s costs nothing). A syntax superset of <see cref="Classify"/>.
        /// The body's invoked names are read once for GL3001 and GL3003 alike (<see cref="TorchContext.InvokedNames"/>).
        /// </summary>
        public static bool BodyMayDoTensorWork(SyntaxNode loop, TorchContext torch) =>
            SyntaxScopes.LoopBody(loop) is { } body && torch.InvokedNames(body).Any(torch.IsTensorWorkName);

        /// <summary>True when <paramref name="operation"/> sits in a member of a module type (its forward or a helper of it), where the caller's scope owns the tensors.</summary>
        public static bool IsInsideModule(IOperation operation, TorchContext torch) =>
            operation.SemanticModel?.GetEnclosingSymbol(operation.Syntax.SpanStart)?.ContainingType is { } type && torch.IsModule(type);

        /// <summary>A call as a message shows it: <c>loss.backward()</c>, <c>model.call(…)</c>, <c>mse_loss(…)</c>; long receivers elided.</summary>
        public static string Describe(IInvocationOperation call)
        {
            var arguments = call.Arguments.All(a => a.IsImplicit) ? "()" : "(…)";
            if (call.TargetMethod.IsStatic)
            {
                return call.TargetMethod.Name + arguments;
            }

            var receiver = TrainingCalls.ReceiverText(call);
            return (receiver.Length > 32 ? "…" : receiver) + "." + call.TargetMethod.Name + arguments;
        }
    }
}

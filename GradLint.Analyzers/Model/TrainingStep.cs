using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// The training calls of one function (method, lambda or local function) in source order —
    /// which, inside a loop iteration, is control-flow order: a backward() inside an if before step()
    /// still comes before it. An LBFGS closure passed to step() belongs to the function that calls
    /// step(): its body is the backward region. Other nested lambdas and local functions are
    /// functions of their own.
    /// </summary>
    internal sealed class TrainingStep
    {
        private TrainingStep(ImmutableArray<TrainingEvent> events)
        {
            Events = events;
        }

        public ImmutableArray<TrainingEvent> Events { get; }

        /// <summary>The training step of the function <paramref name="operation"/> belongs to (cached per compilation by <see cref="TorchContext.StepOf"/>).</summary>
        public static TrainingStep Of(IOperation operation, TrainingContext context) => context.Torch.StepOf(operation, context);

        /// <summary>Collects the training calls of the function whose root is <paramref name="root"/>.</summary>
        internal static TrainingStep Build(IOperation root, TrainingContext context)
        {
            var events = new List<TrainingEvent>();
            Collect(root, context, events);
            for (var i = 1; i < events.Count; i++)
            {
                if (events[i].Position < events[i - 1].Position)
                {
                    return new TrainingStep(events.OrderBy(e => e.Position).ToImmutableArray());   // stable: nested calls keep their order
                }
            }

            return new TrainingStep(events.ToImmutableArray());   // collected in order already, the common case
        }

        /// <summary>The function <paramref name="operation"/> belongs to.</summary>
        public static IOperation RootOf(IOperation operation, TorchContext torch)
        {
            var current = operation;
            while (current.Parent is not null)
            {
                if ((current is IAnonymousFunctionOperation && !IsStepClosure(current, torch)) || current is ILocalFunctionOperation)
                {
                    return current;
                }

                current = current.Parent;
            }

            return current;
        }

        // A lambda passed (possibly through a delegate conversion) as an argument of step().
        private static bool IsStepClosure(IOperation lambda, TorchContext torch)
        {
            for (var parent = lambda.Parent; parent is not null; parent = parent.Parent)
            {
                switch (parent)
                {
                    case IDelegateCreationOperation:
                    case IConversionOperation:
                    case IArgumentOperation:
                        continue;
                    case IInvocationOperation invocation:
                        return TrainingCalls.Classify(invocation, torch) == TrainingCallKind.Step;
                    default:
                        return false;
                }
            }

            return false;
        }

        private static void Collect(IOperation operation, TrainingContext context, List<TrainingEvent> events)
        {
            foreach (var child in operation.ChildOperations)
            {
                if ((child is IAnonymousFunctionOperation && !IsStepClosure(child, context.Torch)) || child is ILocalFunctionOperation)
                {
                    continue;
                }

                if (child is IInvocationOperation invocation)
                {
                    var kind = context.Classify(invocation);
                    if (kind != TrainingCallKind.None)
                    {
                        events.Add(new TrainingEvent(kind, invocation, isGuardedStep: kind == TrainingCallKind.Step && context.IsGuardedStep(invocation)));
                    }
                    else if (context.HelperClips(invocation))
                    {
                        events.Add(new TrainingEvent(TrainingCallKind.Clip, invocation, isGuardedStep: false));   // a helper of this compilation that clips
                    }
                }
                else if (context.IsUnboundClip(child) || context.IsHandClampOfEveryGradient(child))
                {
                    events.Add(new TrainingEvent(TrainingCallKind.Clip, child, isGuardedStep: false));
                    continue;   // what is inside is the clipping itself
                }

                Collect(child, context, events);
            }
        }

        /// <summary>The last backward() that comes before <paramref name="position"/>, if any.</summary>
        public TrainingEvent? LastBackwardBefore(int position)
        {
            TrainingEvent? found = null;
            foreach (var e in Events)
            {
                if (e.Position >= position) break;
                if (e.Kind == TrainingCallKind.Backward) found = e;
            }

            return found;
        }

        /// <summary>The first event of <paramref name="kind"/> after <paramref name="position"/>, if any.</summary>
        public TrainingEvent? FirstAfter(int position, TrainingCallKind kind)
        {
            foreach (var e in Events)
            {
                if (e.Position > position && e.Kind == kind) return e;
            }

            return null;
        }

        /// <summary>The last event of <paramref name="kind"/> before <paramref name="position"/>, if any.</summary>
        public TrainingEvent? LastBefore(int position, TrainingCallKind kind)
        {
            TrainingEvent? found = null;
            foreach (var e in Events)
            {
                if (e.Position >= position) break;
                if (e.Kind == kind) found = e;
            }

            return found;
        }

        public bool Has(TrainingCallKind kind) => Events.Any(e => e.Kind == kind);
    }
}

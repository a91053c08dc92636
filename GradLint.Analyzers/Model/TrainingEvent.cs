using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>One training call of a function, with its place in source order.</summary>
    internal readonly struct TrainingEvent
    {
        public TrainingEvent(TrainingCallKind kind, IOperation operation, bool isGuardedStep)
        {
            Kind = kind;
            Operation = operation;
            IsGuardedStep = isGuardedStep;
        }

        public TrainingCallKind Kind { get; }

        /// <summary>
        /// The call — or, for a clip, what clips: a call that does not bind but is named like a clipping method, or a
        /// loop that clamps every parameter's gradient by hand.
        /// </summary>
        public IOperation Operation { get; }

        /// <summary>The call, for backward / step / zero_grad events (always calls); null for a clip that is not a bound call.</summary>
        public IInvocationOperation Invocation => (Operation as IInvocationOperation)!;

        /// <summary>A step() on a GradLint guarded optimizer: it clips as it steps.</summary>
        public bool IsGuardedStep { get; }

        /// <summary>
        /// Where the call happens in source order. A step counts at its end, so that an LBFGS
        /// closure passed to it (backward, clip) runs before it.
        /// </summary>
        public int Position => Kind == TrainingCallKind.Step ? Operation.Syntax.Span.End : Operation.Syntax.SpanStart;
    }
}

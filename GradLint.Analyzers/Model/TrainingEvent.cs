using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>One training call of a function, with its place in source order.</summary>
    internal readonly struct TrainingEvent
    {
        public TrainingEvent(TrainingCallKind kind, IInvocationOperation invocation, bool isGuardedStep)
        {
            Kind = kind;
            Invocation = invocation;
            IsGuardedStep = isGuardedStep;
        }

        public TrainingCallKind Kind { get; }

        public IInvocationOperation Invocation { get; }

        /// <summary>A step() on a GradLint guarded optimizer: it clips as it steps.</summary>
        public bool IsGuardedStep { get; }

        /// <summary>
        /// Where the call happens in source order. A step counts at its end, so that an LBFGS
        /// closure passed to it (backward, clip) runs before it.
        /// </summary>
        public int Position => Kind == TrainingCallKind.Step ? Invocation.Syntax.Span.End : Invocation.Syntax.SpanStart;
    }
}

using System;

namespace GradLint
{
    /// <summary>What the guard does when the gradients hold NaN or ±Inf.</summary>
    public enum NonFiniteAction
    {
        /// <summary>
        /// Do not run the inner optimizer's step: the gradients are zeroed and the optimizer's state
        /// (moments, step counts) is left exactly as it was. Like GradScaler's skip-on-Inf in PyTorch.
        /// </summary>
        SkipStep,

        /// <summary>Throw a <see cref="GradientExplosionException"/> naming the culprit parameter; nothing is changed.</summary>
        Throw,
    }

    /// <summary>Settings of a gradient guard (<see cref="GradientGuardExtensions.WithGradientGuard"/>).</summary>
    public sealed class GuardOptions
    {
        private ClippingPolicy clipping = ClippingPolicy.ZScore();
        private int maxConsecutiveSkips = 25;

        /// <summary>How gradients are clipped on finite steps. Default: <see cref="ClippingPolicy.ZScore"/>.</summary>
        public ClippingPolicy Clipping
        {
            get => clipping;
            set => clipping = value ?? throw new ArgumentNullException(nameof(value), "Clipping must be a policy; use ClippingPolicy.None to clip nothing.");
        }

        /// <summary>What to do when a gradient is NaN or ±Inf. Default: <see cref="NonFiniteAction.SkipStep"/>.</summary>
        public NonFiniteAction OnNonFinite { get; set; } = NonFiniteAction.SkipStep;

        /// <summary>
        /// Attach a <see cref="GradientProbe"/> to the model passed to <c>WithGradientGuard</c>, so that
        /// <see cref="GuardStepReport.Culprit"/> names a module rather than a parameter: on a skipped step
        /// the module whose backward first produced a non-finite gradient; on a clipped step the module
        /// whose backward multiplied the gradient tenfold or more, else the module owning the parameter
        /// with the largest gradient (an outlier batch: large activations, ordinary output gradients).
        /// Observing only; the guard disposes the probe with itself. Default false.
        /// </summary>
        public bool ProbeLayers { get; set; }

        /// <summary>
        /// After this many skipped steps in a row the guard gives up and throws a
        /// <see cref="GradientExplosionException"/> naming the culprit parameters (training is then
        /// stuck, not recovering). Default 25; must be ≥ 1.
        /// </summary>
        public int MaxConsecutiveSkips
        {
            get => maxConsecutiveSkips;
            set => maxConsecutiveSkips = value >= 1
                ? value
                : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxConsecutiveSkips must be at least 1.");
        }
    }
}

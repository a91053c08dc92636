using System;
using System.Globalization;

namespace GradLint
{
    /// <summary>What the guard did on one step.</summary>
    public enum GuardIntervention
    {
        /// <summary>The gradients were finite and within the limit; the step ran unchanged.</summary>
        None,

        /// <summary>The gradients were rescaled before the step ran.</summary>
        Clipped,

        /// <summary>The step did not run and the gradients were zeroed (see <see cref="GuardStepReport.SkipReason"/>).</summary>
        Skipped,

        /// <summary>A divergence was detected: the last snapshot was restored, the learning rate backed off, and the step did not run.</summary>
        Repaired,
    }

    /// <summary>Why a step did not run.</summary>
    public enum SkipReason
    {
        /// <summary>The step ran.</summary>
        None,

        /// <summary>A gradient held NaN or ±Inf.</summary>
        NonFiniteGradient,

        /// <summary>The loss passed to <c>step(loss)</c> was NaN or ±Inf.</summary>
        NonFiniteLoss,

        /// <summary>The loss passed to <c>step(loss)</c> jumped far above its recent values.</summary>
        LossSpike,

        /// <summary>A streak of non-finite steps, repeated loss spikes or runaway gradient norms: repaired.</summary>
        Divergence,

        /// <summary>With loss scaling: the scaled gradients overflowed; the scale was backed off.</summary>
        LossScaleOverflow,
    }

    /// <summary>
    /// What one guarded step did: plain data, read from the device once during the step. The culprit
    /// of a skipped or repaired step is named here; for a clipped step ask
    /// <see cref="GuardedOptimizer.FindCulprit"/> (an extra device read, so only when you want it).
    /// </summary>
    public sealed class GuardStepReport
    {
        internal GuardStepReport(long step, double normBefore, double normAfter, double limit, GuardIntervention intervention, SkipReason skipReason, string? culprit, double loss, double learningRateScale, long? restoredStep, double lossScale = double.NaN)
        {
            LossScale = lossScale;
            Step = step;
            NormBefore = normBefore;
            NormAfter = normAfter;
            Limit = limit;
            Intervention = intervention;
            SkipReason = skipReason;
            Culprit = culprit;
            Loss = loss;
            LearningRateScale = learningRateScale;
            RestoredStep = restoredStep;
        }

        /// <summary>The 1-based number of this <c>step()</c> call on the guarded optimizer.</summary>
        public long Step { get; }

        /// <summary>Total L2 norm of all gradients before the guard acted (NaN or ∞ when non-finite).</summary>
        public double NormBefore { get; }

        /// <summary>Total L2 norm after the guard acted (0 for a step that did not run: its gradients were zeroed).</summary>
        public double NormAfter { get; }

        /// <summary>The largest total norm the policy allowed on this step (∞ when it set none; NaN when it was not asked).</summary>
        public double Limit { get; }

        /// <summary>What the guard did.</summary>
        public GuardIntervention Intervention { get; }

        /// <summary>Why the step did not run; <see cref="GradLint.SkipReason.None"/> when it ran.</summary>
        public SkipReason SkipReason { get; }

        /// <summary>
        /// For a skipped or repaired step: the parameter (or, with layer probes, the module) whose gradient
        /// was first non-finite, else the one with the largest gradient. Null on other steps. Names come
        /// from the model passed to <c>WithGradientGuard</c>, else <c>parameters[i]</c>.
        /// </summary>
        public string? Culprit { get; }

        /// <summary>The loss given to <c>step(loss)</c> (or returned by the closure); NaN when none was given.</summary>
        public double Loss { get; }

        /// <summary>The guard's multiplier on the learning rate for this step (1 until a repair backs it off).</summary>
        public double LearningRateScale { get; }

        /// <summary>With loss scaling: the scale this step's loss was multiplied by (NaN when loss scaling is off).</summary>
        public double LossScale { get; }

        /// <summary>For a repair: the step whose snapshot was restored.</summary>
        public long? RestoredStep { get; }

        /// <summary>True when the gradients were rescaled.</summary>
        public bool Clipped => Intervention == GuardIntervention.Clipped;

        /// <summary>True when the inner optimizer's step did not run (skipped or repaired).</summary>
        public bool StepSkipped => Intervention == GuardIntervention.Skipped || Intervention == GuardIntervention.Repaired;

        /// <summary>True when this step repaired a divergence.</summary>
        public bool Repaired => Intervention == GuardIntervention.Repaired;

        /// <summary>One line for a log: what happened, the norms, the culprit. Reads nothing from the device.</summary>
        public override string ToString()
        {
            var c = CultureInfo.InvariantCulture;
            var culprit = Culprit is null ? "" : string.Format(c, " in {0}", Culprit);
            return Intervention switch
            {
                GuardIntervention.Repaired => string.Format(c, "step {0}: divergence; restored step {1}, learning rate ×{2:G3}{3}", Step, RestoredStep, LearningRateScale, culprit),
                GuardIntervention.Skipped when SkipReason == SkipReason.LossSpike => string.Format(c, "step {0}: loss spike ({1:G4}); step skipped", Step, Loss),
                GuardIntervention.Skipped when SkipReason == SkipReason.LossScaleOverflow => string.Format(c, "step {0}: scaled gradients overflowed at loss scale {1:G4}; step skipped, scale backed off", Step, LossScale),
                GuardIntervention.Skipped when SkipReason == SkipReason.NonFiniteLoss => string.Format(c, "step {0}: non-finite loss ({1:G4}); step skipped", Step, Loss),
                GuardIntervention.Skipped => string.Format(c, "step {0}: non-finite gradient (norm {1:G4}){2}; step skipped, gradients zeroed", Step, NormBefore, culprit),
                GuardIntervention.Clipped => string.Format(c, "step {0}: gradient norm {1:G4} clipped to {2:G4}", Step, NormBefore, NormAfter),
                _ => string.Format(c, "step {0}: gradient norm {1:G4}", Step, NormBefore),
            };
        }
    }

    /// <summary>Totals over all steps of a guarded optimizer.</summary>
    /// <param name="Steps">Calls of <c>step()</c>.</param>
    /// <param name="ClippedSteps">Steps whose gradients were rescaled.</param>
    /// <param name="SkippedSteps">Steps that did not run (non-finite gradients or loss, loss spikes, repairs).</param>
    /// <param name="NonFiniteSteps">Steps whose gradients held NaN or ±Inf.</param>
    /// <param name="LossSpikes">Steps whose loss was judged a spike.</param>
    /// <param name="Repairs">Divergences repaired (snapshot restored, learning rate backed off).</param>
    /// <param name="Overflows">With loss scaling: steps skipped because the scaled gradients overflowed.</param>
    public sealed record GuardStatistics(long Steps, long ClippedSteps, long SkippedSteps, long NonFiniteSteps, long LossSpikes = 0, long Repairs = 0, long Overflows = 0);

    /// <summary>Thrown by the guard; catch this to handle every guard failure alike.</summary>
    public abstract class GradientGuardException : Exception
    {
        private protected GradientGuardException(string message, long step, Exception? inner)
            : base(message, inner)
        {
            Step = step;
        }

        /// <summary>The guard step at which it was thrown.</summary>
        public long Step { get; }
    }

    /// <summary>A step's gradients were NaN or ±Inf and <see cref="NonFiniteAction.Throw"/> was chosen; nothing was changed.</summary>
    public sealed class NonFiniteGradientException : GradientGuardException
    {
        /// <summary>Creates the exception with a default message.</summary>
        public NonFiniteGradientException()
            : this("A gradient was NaN or ±Inf.")
        {
        }

        /// <summary>Creates the exception with a message.</summary>
        public NonFiniteGradientException(string message)
            : this(message, null)
        {
        }

        /// <summary>Creates the exception with a message and the exception that caused it.</summary>
        public NonFiniteGradientException(string message, Exception? innerException)
            : this(message, 0, null, innerException)
        {
        }

        /// <summary>Creates the exception for a step and the parameter or module to blame.</summary>
        public NonFiniteGradientException(string message, long step, string? culprit, Exception? innerException = null)
            : base(message, step, innerException)
        {
            Culprit = culprit;
        }

        /// <summary>The parameter (or, with layer probes, the module) whose gradient was non-finite.</summary>
        public string? Culprit { get; }
    }

    /// <summary>
    /// Training diverged and the guard could not bring it back: <see cref="RepairOptions.MaxRepairs"/>
    /// repairs in a row, or, with repair off, <see cref="GuardOptions.MaxConsecutiveSkips"/> skipped steps.
    /// </summary>
    public sealed class TrainingDivergedException : GradientGuardException
    {
        /// <summary>Creates the exception with a default message.</summary>
        public TrainingDivergedException()
            : this("Training diverged.")
        {
        }

        /// <summary>Creates the exception with a message.</summary>
        public TrainingDivergedException(string message)
            : this(message, null)
        {
        }

        /// <summary>Creates the exception with a message and the exception that caused it.</summary>
        public TrainingDivergedException(string message, Exception? innerException)
            : this(message, 0, Array.Empty<string>(), innerException)
        {
        }

        /// <summary>Creates the exception for a step and the parameters or modules to blame.</summary>
        public TrainingDivergedException(string message, long step, System.Collections.Generic.IReadOnlyList<string> culprits, Exception? innerException = null)
            : base(message, step, innerException)
        {
            Culprits = culprits ?? Array.Empty<string>();
        }

        /// <summary>The parameters or modules whose gradients were non-finite during the divergence (may be empty).</summary>
        public System.Collections.Generic.IReadOnlyList<string> Culprits { get; }
    }
}

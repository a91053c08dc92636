using System;
using System.Collections.Generic;
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

        /// <summary>A gradient was NaN or ±Inf: the step did not run and the gradients were zeroed.</summary>
        Skipped,
    }

    /// <summary>
    /// What one guarded step did. <see cref="Culprit"/> is worked out only when something went wrong
    /// (a clip or a skip), and for a clip only when first read — one extra host read, never on the
    /// normal path.
    /// </summary>
    public sealed class GuardStepReport
    {
        private Func<string?>? resolveCulprit;   // for a clipped step: one host read, on demand
        private Action? release;                 // frees what the resolver needs
        private string? culprit;
        private bool culpritKnown;

        internal GuardStepReport(long step, double normBefore, double normAfter, double limit, GuardIntervention intervention, string? culprit, Func<string?>? resolveCulprit = null, Action? release = null)
        {
            Step = step;
            NormBefore = normBefore;
            NormAfter = normAfter;
            Limit = limit;
            Intervention = intervention;
            this.culprit = culprit;
            this.resolveCulprit = resolveCulprit;
            this.release = release;
            culpritKnown = resolveCulprit is null;
        }

        /// <summary>The 1-based number of this <c>step()</c> call on the guarded optimizer.</summary>
        public long Step { get; }

        /// <summary>Total L2 norm of all gradients before the guard acted (NaN or ∞ when non-finite).</summary>
        public double NormBefore { get; }

        /// <summary>Total L2 norm after the guard acted (0 for a skipped step, whose gradients were zeroed).</summary>
        public double NormAfter { get; }

        /// <summary>The largest total norm the policy allowed on this step (∞ when it set none).</summary>
        public double Limit { get; }

        /// <summary>What the guard did.</summary>
        public GuardIntervention Intervention { get; }

        /// <summary>True when the gradients were rescaled.</summary>
        public bool Clipped => Intervention == GuardIntervention.Clipped;

        /// <summary>True when the inner optimizer's step did not run.</summary>
        public bool StepSkipped => Intervention == GuardIntervention.Skipped;

        /// <summary>
        /// The name of the parameter with the first non-finite gradient (skipped steps) or the largest
        /// gradient norm (clipped steps); null when nothing went wrong. Names come from the model passed
        /// to <c>WithGradientGuard</c> (<c>named_parameters()</c>), else <c>parameters[i]</c>.
        /// For a clipped step it is read from the device on first access; read it before the next
        /// <c>step()</c> (an <see cref="GuardedOptimizer.Intervention"/> handler always can) — after
        /// that, an unread culprit of a clipped step is no longer kept and reads as null.
        /// </summary>
        public string? Culprit
        {
            get
            {
                if (!culpritKnown)
                {
                    culprit = resolveCulprit!();
                    Release();
                }

                return culprit;
            }
        }

        /// <summary>One line for a log: what happened, the norms, the culprit.</summary>
        public override string ToString()
        {
            var c = CultureInfo.InvariantCulture;
            return Intervention switch
            {
                GuardIntervention.Skipped => string.Format(c, "step {0}: non-finite gradient (norm {1:G4}) in {2}; step skipped, gradients zeroed", Step, NormBefore, Culprit),
                GuardIntervention.Clipped => string.Format(c, "step {0}: gradient norm {1:G4} clipped to {2:G4} (largest: {3})", Step, NormBefore, NormAfter, Culprit),
                _ => string.Format(c, "step {0}: gradient norm {1:G4}", Step, NormBefore),
            };
        }

        internal void Release()
        {
            release?.Invoke();
            release = null;
            resolveCulprit = null;
            culpritKnown = true;   // an unread culprit of a clipped step is no longer available
        }
    }

    /// <summary>Totals over all steps of a guarded optimizer.</summary>
    /// <param name="Steps">Calls of <c>step()</c>.</param>
    /// <param name="ClippedSteps">Steps whose gradients were rescaled.</param>
    /// <param name="SkippedSteps">Steps that did not run.</param>
    /// <param name="NonFiniteSteps">Steps whose gradients held NaN or ±Inf.</param>
    public sealed record GuardStatistics(long Steps, long ClippedSteps, long SkippedSteps, long NonFiniteSteps);

    /// <summary>Thrown when gradients are non-finite and the guard is told to throw, or has skipped too many steps in a row.</summary>
    public sealed class GradientExplosionException : Exception
    {
        /// <summary>Creates the exception with the step and the parameters to blame.</summary>
        public GradientExplosionException(string message, long step, IReadOnlyList<string> culprits)
            : base(message)
        {
            Step = step;
            Culprits = culprits;
        }

        /// <summary>The step at which the guard gave up.</summary>
        public long Step { get; }

        /// <summary>The parameters whose gradients were non-finite.</summary>
        public IReadOnlyList<string> Culprits { get; }
    }
}

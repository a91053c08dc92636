using System;
using Microsoft.Extensions.Logging;

namespace GradLint
{
    /// <summary>What the guard does when a step's gradients hold NaN or ±Inf.</summary>
    public enum NonFiniteAction
    {
        /// <summary>
        /// Do not run the inner optimizer's step: the gradients are zeroed and the optimizer's state
        /// (moments, step counts) is left exactly as it was. Like GradScaler's skip-on-Inf in PyTorch.
        /// A streak of them is a divergence: repaired (<see cref="GuardOptions.Repair"/>), or, with
        /// repair off, an exception after <see cref="GuardOptions.MaxConsecutiveSkips"/>.
        /// </summary>
        SkipStep,

        /// <summary>Throw a <see cref="NonFiniteGradientException"/> naming the culprit; nothing is changed.</summary>
        Throw,
    }

    /// <summary>Where a repair snapshot keeps its copy of the weights and buffers.</summary>
    public enum SnapshotLocation
    {
        /// <summary>On the weights' own device (GPU memory on CUDA): no host transfer; costs one copy of the weights there.</summary>
        Device,

        /// <summary>In host memory: frees the device, costs a device-to-host copy per snapshot.</summary>
        Host,
    }

    /// <summary>Settings of a gradient guard (<see cref="GradientGuardExtensions.WithGradientGuard"/>). The guard keeps a copy: changing these afterwards does not affect it.</summary>
    public sealed class GuardOptions
    {
        private ClippingPolicy clipping = ClippingPolicy.Adaptive();
        private int maxConsecutiveSkips = 25;
        private RepairOptions repair = new RepairOptions();

        /// <summary>How gradients are clipped on finite steps. Default: <see cref="ClippingPolicy.Adaptive"/>.</summary>
        public ClippingPolicy Clipping
        {
            get => clipping;
            set => clipping = value ?? throw new ArgumentNullException(nameof(value), "Clipping must be a policy; use ClippingPolicy.None to clip nothing.");
        }

        /// <summary>What to do when a gradient is NaN or ±Inf. Default: <see cref="NonFiniteAction.SkipStep"/>.</summary>
        public NonFiniteAction OnNonFinite { get; set; } = NonFiniteAction.SkipStep;

        /// <summary>
        /// Detect a divergence and repair it: restore the last known-good weights and optimizer state and
        /// back the learning rate off. On by default; <c>Repair.Enabled = false</c> turns it off.
        /// </summary>
        public RepairOptions Repair
        {
            get => repair;
            set => repair = value ?? throw new ArgumentNullException(nameof(value), "Repair must be set; use new RepairOptions { Enabled = false } to switch repair off.");
        }

        /// <summary>
        /// Attach a <see cref="GradientProbe"/> to the model passed to <c>WithGradientGuard</c>, so that
        /// culprits name a module rather than a parameter: on a skipped step the module whose backward
        /// first produced a non-finite gradient; on a clipped step the module whose backward multiplied
        /// the gradient tenfold or more, else the module owning the parameter with the largest gradient.
        /// Observing only; the guard disposes the probe with itself. Default false.
        /// </summary>
        public bool ProbeLayers { get; set; }

        /// <summary>
        /// With repair off: after this many skipped steps in a row the guard throws a
        /// <see cref="TrainingDivergedException"/>. Default 25; must be ≥ 1.
        /// </summary>
        public int MaxConsecutiveSkips
        {
            get => maxConsecutiveSkips;
            set => maxConsecutiveSkips = value >= 1
                ? value
                : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxConsecutiveSkips must be at least 1.");
        }

        /// <summary>
        /// Dynamic loss scaling for fp16 training (TorchSharp has no GradScaler): null (default) is off.
        /// With it, back-propagate <c>guard.ScaleLoss(loss)</c> instead of <c>loss</c>; the guard divides the
        /// gradients by the scale before it measures or clips them, skips a step whose gradients overflow
        /// and halves the scale, and doubles it after a run of good steps — PyTorch's
        /// <c>torch.cuda.amp.GradScaler</c> defaults.
        /// </summary>
        public LossScalingOptions? LossScaling { get; set; }

        /// <summary>
        /// Where the guard reports (Microsoft.Extensions.Logging): clipped steps at Debug, skipped steps,
        /// loss spikes and repairs at Warning, a divergence it gives up on at Error, with structured fields
        /// (Step, NormBefore, NormAfter, Limit, Culprit, LearningRateScale). Null: no logging.
        /// </summary>
        public ILogger? Logger { get; set; }

        internal GuardOptions Copy() => new GuardOptions
        {
            clipping = clipping,   // policies are immutable descriptions
            OnNonFinite = OnNonFinite,
            repair = repair.Copy(),
            ProbeLayers = ProbeLayers,
            maxConsecutiveSkips = maxConsecutiveSkips,
            Logger = Logger,
            LossScaling = LossScaling?.Copy(),
        };
    }

    /// <summary>
    /// How the guard detects a divergence and repairs it (the third remedy: adapt the learning rate).
    /// A divergence is a streak of non-finite steps, recent gradient norms that ran away from their
    /// level, and — when the loss is passed to <c>step(loss)</c> — loss spikes on three steps in a row or
    /// a loss trend that rose to several times its best. A repair restores the last snapshot (weights, model buffers, optimizer state, clipping
    /// statistics), multiplies the learning rate by <see cref="BackoffFactor"/>, skips the offending
    /// step, and lets the rate climb back over <see cref="RecoverySteps"/> — with the loss, only while the
    /// loss does not get worse (<see cref="RecoveryLossTolerance"/>).
    /// </summary>
    public sealed class RepairOptions
    {
        private int snapshotInterval = 50;
        private double backoffFactor = 0.25;
        private int recoverySteps = 200;
        private int maxRepairs = 8;
        private int nonFiniteStreak = 3;
        private double runawayRatio = 30;
        private double lossRiseRatio = 3;
        private double lossSpikeThreshold = 8;
        private double recoveryLossTolerance = 1.25;

        /// <summary>Repair divergences (default true). Off: non-finite streaks end in an exception after <see cref="GuardOptions.MaxConsecutiveSkips"/>.</summary>
        public bool Enabled { get; set; } = true;

        /// <summary>
        /// A snapshot is taken once this many steps have passed with no skip, spike or repair, at the
        /// first of them that is healthy (recent norms near their level, the recent loss near its best);
        /// the initial weights are the first snapshot. Memory: one copy of the weights and
        /// buffers (<see cref="Location"/>) plus the optimizer state in host memory (Adam: two more
        /// copies of the weights). Default 50; ≥ 1.
        /// </summary>
        public int SnapshotInterval
        {
            get => snapshotInterval;
            set => snapshotInterval = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "SnapshotInterval must be at least 1 (healthy steps between snapshots).");
        }

        /// <summary>Where the snapshot keeps weights and buffers. Default <see cref="SnapshotLocation.Device"/>.</summary>
        public SnapshotLocation Location { get; set; } = SnapshotLocation.Device;

        /// <summary>
        /// The learning rate is multiplied by this at each repair. Default 0.25; in (0, 1). A repair means
        /// the rate was too high for where training now is, often by an order of magnitude; halving took
        /// two or three repairs (each a restore) to get there, and on the stability suite and the held-out
        /// demo task ×0.25 did better than ×0.5 and ×0.1 (benchmarks/README.md).
        /// </summary>
        public double BackoffFactor
        {
            get => backoffFactor;
            set => backoffFactor = value > 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "BackoffFactor must be in the open interval (0, 1), e.g. 0.25.");
        }

        /// <summary>Healthy steps over which the backed-off rate climbs back half-way (geometrically) to the rate that diverged. Default 200; ≥ 1.</summary>
        public int RecoverySteps
        {
            get => recoverySteps;
            set => recoverySteps = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "RecoverySteps must be at least 1.");
        }

        /// <summary>Repairs in a row (with no new known-good snapshot between them) before the guard gives up with a <see cref="TrainingDivergedException"/>. Default 8; ≥ 1.</summary>
        public int MaxRepairs
        {
            get => maxRepairs;
            set => maxRepairs = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxRepairs must be at least 1.");
        }

        /// <summary>Non-finite steps in a row that count as a divergence. Default 3; ≥ 1.</summary>
        public int NonFiniteStreak
        {
            get => nonFiniteStreak;
            set => nonFiniteStreak = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "NonFiniteStreak must be at least 1.");
        }

        /// <summary>
        /// The median of the last 5 gradient norms this many times the median of the 20 before them is a
        /// divergence. Default 30: an explosion multiplies the norm by orders of magnitude within a few
        /// steps, while a network learning its output scale was measured growing it ~×1.2 a step (×15 over
        /// the ~12 steps between the two medians). &gt; 1.
        /// </summary>
        public double RunawayRatio
        {
            get => runawayRatio;
            set => runawayRatio = value > 1 && !double.IsInfinity(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "RunawayRatio must be a finite number > 1, e.g. 10.");
        }

        /// <summary>
        /// A loss more than this many robust standard deviations (1.4826 × MAD, of the log of the loss
        /// when losses are positive) above the median of the last 50 losses — and, for positive losses,
        /// at least 3× that median — is a spike: its step is skipped; spikes on 3 steps in a row are a
        /// divergence. Judged from the 21st loss on. Default 8; &gt; 0.
        /// </summary>
        public double LossSpikeThreshold
        {
            get => lossSpikeThreshold;
            set => lossSpikeThreshold = value > 0 && !double.IsInfinity(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "LossSpikeThreshold must be a finite number > 0, e.g. 10.");
        }

        /// <summary>
        /// With <c>step(loss)</c> (or a closure): when the median of the last 20 losses reaches this many
        /// times the lowest such median so far, training has got worse and stayed worse — a slow
        /// divergence (a learning rate too high for where training now is) that no single step shows.
        /// A loss that rises because the objective or the data changed (an annealed KL weight or penalty,
        /// a curriculum's next stage) is told apart after the repair: if the restored weights give the same
        /// high loss level, the back-off is undone and the best level restarts there. Positive losses only.
        /// Default 3; 2 catches a rate that is too high sooner (better on the demo's held-out task and on SGD at
        /// 40×) but repairs a classifier whose small loss doubles by noise (benchmarks/README.md); &gt; 1;
        /// <see cref="double.PositiveInfinity"/> switches it off (for a loss that may legitimately grow without
        /// bound, e.g. an RL value loss as returns grow).
        /// </summary>
        public double LossRiseRatio
        {
            get => lossRiseRatio;
            set => lossRiseRatio = value > 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "LossRiseRatio must be > 1 (e.g. 3), or double.PositiveInfinity to switch the loss trend off.");
        }

        /// <summary>
        /// With <c>step(loss)</c> (or a closure): while the rate climbs back after a repair, a loss level (the
        /// median of the last 20 losses) more than this many times the best level since the repair stops the
        /// climb — the rate returns to where that best level was reached and stays there, since raising it made
        /// training worse. Default 1.25 (measured: 1.15–1.3 alike on the stability suite); &gt; 1;
        /// <see cref="double.PositiveInfinity"/> lets the rate climb regardless, as without the loss.
        /// </summary>
        public double RecoveryLossTolerance
        {
            get => recoveryLossTolerance;
            set => recoveryLossTolerance = value > 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "RecoveryLossTolerance must be > 1 (e.g. 1.25), or double.PositiveInfinity to let the rate climb back regardless of the loss.");
        }

        internal RepairOptions Copy() => (RepairOptions)MemberwiseClone();
    }

    /// <summary>Dynamic loss scaling settings (<see cref="GuardOptions.LossScaling"/>); the defaults are PyTorch GradScaler's.</summary>
    public sealed class LossScalingOptions
    {
        private double initialScale = 65536;
        private double growthFactor = 2;
        private double backoffFactor = 0.5;
        private int growthInterval = 2000;
        private double minScale = 1;

        /// <summary>The first scale. Default 65,536 (2^16); finite and &gt; 0.</summary>
        public double InitialScale
        {
            get => initialScale;
            set => initialScale = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "InitialScale must be a finite number > 0, e.g. 65536.");
        }

        /// <summary>The scale is multiplied by this after <see cref="GrowthInterval"/> good steps in a row. Default 2; &gt; 1.</summary>
        public double GrowthFactor
        {
            get => growthFactor;
            set => growthFactor = value > 1 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "GrowthFactor must be a finite number > 1, e.g. 2.");
        }

        /// <summary>The scale is multiplied by this when a step overflows. Default 0.5; in (0, 1).</summary>
        public double BackoffFactor
        {
            get => backoffFactor;
            set => backoffFactor = value > 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "BackoffFactor must be in the open interval (0, 1), e.g. 0.5.");
        }

        /// <summary>Good steps in a row before the scale grows. Default 2,000; ≥ 1.</summary>
        public int GrowthInterval
        {
            get => growthInterval;
            set => growthInterval = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "GrowthInterval must be at least 1, e.g. 2000.");
        }

        /// <summary>
        /// The scale never backs off below this: at the floor, a non-finite gradient is treated as a real
        /// one (skipped, counted towards a repair, or thrown), not as an overflow — so a NaN from a bug in
        /// the loss cannot silently drive the scale to zero (PyTorch's GradScaler has no such floor).
        /// Default 1; finite and &gt; 0.
        /// </summary>
        public double MinScale
        {
            get => minScale;
            set => minScale = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MinScale must be a finite number > 0, e.g. 1.");
        }

        internal LossScalingOptions Copy() => (LossScalingOptions)MemberwiseClone();
    }
}

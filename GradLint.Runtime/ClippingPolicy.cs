using System;
using System.Globalization;
using GradLint.Policies;

namespace GradLint
{
    /// <summary>
    /// How a guarded optimizer clips gradients on steps whose gradients are finite. A policy is a
    /// description: each guard keeps its own running statistics, so one policy object may be shared.
    /// </summary>
    public abstract class ClippingPolicy
    {
        private protected ClippingPolicy()
        {
        }

        /// <summary>Never clip; the guard still skips non-finite steps, repairs divergences and reports norms.</summary>
        public static ClippingPolicy None { get; } = new NoClippingPolicy();

        /// <summary>
        /// The default. Clips the total norm to <paramref name="factor"/> × the median of the last
        /// <paramref name="window"/> norms (each as the step used it, so a spike enters the history at the
        /// limit), with a looser factor while the history is short: ×5 the factor after one step, ×1.08
        /// after 50 (the default window). It adapts to the problem's own scale (norms of 0.01 or of 1,000 alike), protects from
        /// the second step on, and cannot be dragged up by a runaway faster than ×factor per half window —
        /// a sustained rise is the guard's divergence detector's job (repair, <see cref="GuardOptions.Repair"/>).
        /// With the loss (<c>step(loss)</c>), one exception: when every one of the last 5 norms is above the limit
        /// and the loss level is within 1.5× its best, the norms moved to a new level (a network learning its
        /// scale) rather than spiked, and the limit becomes at least factor × their median — it follows the growth
        /// instead of lagging it; a jump beyond that is still cut, and a rising loss ends it.
        /// The first step has no history and is limited only by <paramref name="maxNorm"/>.
        /// Chosen on the stability suite (benchmarks/GradLint.Stability).
        /// </summary>
        /// <param name="factor">How many times the median norm a step may reach; &gt; 1.</param>
        /// <param name="window">How many recent norms the median is taken over; ≥ 1.</param>
        /// <param name="maxNorm">Optional absolute cap on every step; &gt; 0.</param>
        public static ClippingPolicy Adaptive(double factor = AdaptiveDefaults.Factor, int window = AdaptiveDefaults.Window, double? maxNorm = null)
        {
            if (!(factor > 1) || double.IsInfinity(factor))
            {
                throw new ArgumentOutOfRangeException(nameof(factor), factor, $"factor must be a finite number > 1: how many times the median norm a step may reach, e.g. {AdaptiveDefaults.Factor}.");
            }

            if (window < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(window), window, "window must be at least 1 (the number of recent norms the median is taken over).");
            }

            RequireOptionalCap(maxNorm);
            return new AdaptivePolicy(factor, window, maxNorm);
        }

        /// <summary>
        /// Rescale all gradients together so that their total L2 norm is at most
        /// <paramref name="maxNorm"/> — like <c>torch.nn.utils.clip_grad_norm_(parameters, maxNorm)</c>.
        /// </summary>
        /// <param name="maxNorm">The largest total norm allowed; &gt; 0 and finite.</param>
        public static ClippingPolicy FixedNorm(double maxNorm)
        {
            Require.PositiveFinite(maxNorm, nameof(maxNorm), "the largest total gradient norm allowed, e.g. 1.0");
            return new FixedNormPolicy(maxNorm);
        }

        /// <summary>
        /// Z-score clipping after ZClip (arXiv 2504.02507), corrected where ZClip fails on explosions:
        /// an exponential moving average of the mean and variance of the total norm; a norm whose z-score
        /// exceeds <paramref name="zThreshold"/> is clipped to <c>mean + zThreshold²/z · std</c>.
        /// Two deviations from the paper (use <see cref="ZClip"/> for the published behaviour): the
        /// <paramref name="warmupSteps"/> of warm-up are limited as <see cref="Adaptive"/> limits its first
        /// steps instead of being left unprotected, and a clipped spike does not enter the averages (ZClip
        /// feeds them the clipped value, so a sustained rise ratchets the threshold up with it).
        /// Non-finite norms never enter the statistics.
        /// </summary>
        /// <param name="alpha">EMA smoothing, in (0, 1); larger is smoother.</param>
        /// <param name="zThreshold">z-score above which a norm counts as a spike; &gt; 0.</param>
        /// <param name="warmupSteps">Finite steps that initialise the statistics; ≥ 1.</param>
        /// <param name="maxNorm">Optional absolute cap applied on every step; &gt; 0.</param>
        public static ClippingPolicy ZScore(double alpha = 0.97, double zThreshold = 2.5, int warmupSteps = 25, double? maxNorm = null) =>
            CreateZScore(alpha, zThreshold, warmupSteps, maxNorm, paper: false);

        /// <summary>
        /// ZClip exactly as published (arXiv 2504.02507, reciprocal "adaptive scaling"): EMA mean and
        /// variance of the total norm, initialised from the first <paramref name="warmupSteps"/> norms
        /// (limited only by <paramref name="maxNorm"/>); a norm with z-score above
        /// <paramref name="zThreshold"/> is clipped to <c>mean + zThreshold²/z · std</c> and the averages
        /// are updated with the clipped value. The reference code's newer versions default
        /// <c>max_grad_norm</c> to 1.0; pass <c>maxNorm: 1.0</c> for that.
        /// </summary>
        public static ClippingPolicy ZClip(double alpha = 0.97, double zThreshold = 2.5, int warmupSteps = 25, double? maxNorm = null) =>
            CreateZScore(alpha, zThreshold, warmupSteps, maxNorm, paper: true);

        private static ClippingPolicy CreateZScore(double alpha, double zThreshold, int warmupSteps, double? maxNorm, bool paper)
        {
            if (!(alpha > 0 && alpha < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in the open interval (0, 1); ZClip uses 0.97.");
            }

            Require.PositiveFinite(zThreshold, nameof(zThreshold), "the z-score above which a norm is a spike, e.g. 2.5");
            if (warmupSteps < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "warmupSteps must be at least 1.");
            }

            RequireOptionalCap(maxNorm);
            return new ZScorePolicy(alpha, zThreshold, warmupSteps, maxNorm, paper);
        }

        /// <summary>
        /// AutoClip (Seetharaman et al., 2020): clip the total norm to the
        /// <paramref name="percentile"/>-th percentile of the finite norms seen so far (the current one
        /// included; linear interpolation, as numpy.percentile), keeping the last
        /// <paramref name="history"/> of them.
        /// </summary>
        /// <param name="percentile">In (0, 100].</param>
        /// <param name="history">How many past norms to keep; ≥ 1.</param>
        public static ClippingPolicy Percentile(double percentile = 10, int history = 10_000)
        {
            if (!(percentile > 0 && percentile <= 100))
            {
                throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "percentile must be in (0, 100]; AutoClip uses 10.");
            }

            if (history < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(history), history, "history must be at least 1 (the number of past norms kept).");
            }

            return new PercentilePolicy(percentile, history);
        }

        /// <summary>
        /// Adaptive gradient clipping (AGC, NFNets — Brock et al., 2021): per output unit i,
        /// ‖G_i‖ ≤ λ·max(‖W_i‖, eps). TorchSharp weights are [out, in, …], so a unit is a slice along
        /// dimension 0; vectors and scalars (biases, norms' gains) are one unit. Runs on the device.
        /// </summary>
        /// <param name="lambda">The clipping ratio λ; &gt; 0.</param>
        /// <param name="eps">Floor of the weight norm, so zero-initialised weights still move; &gt; 0.</param>
        public static ClippingPolicy UnitWise(double lambda = 0.01, double eps = 1e-3)
        {
            Require.PositiveFinite(lambda, nameof(lambda), "the clipping ratio λ, e.g. 0.01");
            Require.PositiveFinite(eps, nameof(eps), "the floor of the weight norm, e.g. 1e-3");
            return new UnitWisePolicy(lambda, eps);
        }

        /// <summary>The policy and its settings, e.g. <c>FixedNorm(maxNorm=1)</c>.</summary>
        public override string ToString() => Settings;

        /// <summary>Name and settings; saved with the guard's state and checked on load.</summary>
        internal abstract string Settings { get; }

        /// <summary>Creates the running state one guard keeps for this policy.</summary>
        internal abstract PolicyState CreateState();

        private protected static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        private static void RequireOptionalCap(double? maxNorm)
        {
            if (maxNorm is double cap)
            {
                Require.PositiveFinite(cap, nameof(maxNorm), "an absolute cap on the total gradient norm, or null for none");
            }
        }
    }

    /// <summary>The defaults of <see cref="ClippingPolicy.Adaptive"/>, chosen on the stability suite.</summary>
    internal static class AdaptiveDefaults
    {
        public const double Factor = 3.0;
        public const int Window = 50;
    }

    internal static class Require
    {
        public static void PositiveFinite(double value, string name, string meaning)
        {
            if (!(value > 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0: {meaning}.");
            }
        }
    }
}

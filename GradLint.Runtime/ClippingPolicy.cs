using System;
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

        /// <summary>Never clip; the guard still skips non-finite steps and reports norms.</summary>
        public static ClippingPolicy None { get; } = new NoClippingPolicy();

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
        /// ZClip (arXiv 2504.02507): keeps an exponential moving average of the mean and variance of the
        /// total gradient norm; a norm whose z-score exceeds <paramref name="zThreshold"/> is clipped
        /// to <c>mean + zThreshold²/z · std</c> (the reciprocal rule: the larger the spike, the harder the
        /// clip), and the averages are updated with the clipped value so a spike does not inflate them.
        /// The first <paramref name="warmupSteps"/> finite norms initialise the averages. Non-finite norms
        /// never enter the statistics.
        /// </summary>
        /// <param name="alpha">EMA smoothing, in (0, 1); larger is smoother.</param>
        /// <param name="zThreshold">z-score above which a norm counts as a spike; &gt; 0.</param>
        /// <param name="warmupSteps">Finite steps that initialise the statistics before any z-clipping; ≥ 1.</param>
        /// <param name="maxNorm">Optional absolute cap applied on every step, warm-up included; &gt; 0.</param>
        public static ClippingPolicy ZScore(double alpha = 0.97, double zThreshold = 2.5, int warmupSteps = 25, double? maxNorm = null)
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

            if (maxNorm is double cap)
            {
                Require.PositiveFinite(cap, nameof(maxNorm), "an absolute cap on the total gradient norm, or null for none");
            }

            return new ZScorePolicy(alpha, zThreshold, warmupSteps, maxNorm);
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

        /// <summary>Creates the running state one guard keeps for this policy.</summary>
        internal abstract PolicyState CreateState();
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

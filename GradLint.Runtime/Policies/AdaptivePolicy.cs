using System;
using System.IO;

namespace GradLint.Policies
{
    /// <summary>
    /// GradLint's default: clip the total norm to <c>factor ×</c> the median of the recent (already
    /// clipped) norms, with a looser factor while the history is short. See <see cref="ClippingPolicy.Adaptive"/>.
    /// </summary>
    internal sealed class AdaptivePolicy : ClippingPolicy
    {
        public AdaptivePolicy(double factor, int window, double? maxNorm)
        {
            Factor = factor;
            Window = window;
            MaxNorm = maxNorm;
        }

        public double Factor { get; }
        public int Window { get; }
        public double? MaxNorm { get; }

        internal override string Settings => Invariant($"Adaptive(factor={Factor:R}, window={Window}, maxNorm={MaxNorm?.ToString("R", System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");

        internal override PolicyState CreateState() => new State(this);

        /// <summary>
        /// The limit for a history of <paramref name="count"/> values with median <paramref name="median"/>:
        /// factor × (1 + <see cref="EarlySlack"/> / count) × median — 5× the factor after one step, within
        /// 8% of it after 50. A short history is a poor estimate of the scale (early norms often
        /// rise several-fold), so it is trusted less; a spike is still cut to a few times the norms so far.
        /// </summary>
        internal static double Limit(double factor, double median, int count) =>
            count == 0 ? double.PositiveInfinity : factor * (1 + EarlySlack / count) * median;

        internal const double EarlySlack = 4;

        internal sealed class State : GlobalNormState
        {
            private readonly AdaptivePolicy policy;
            private readonly RollingWindow history;

            public State(AdaptivePolicy policy)
            {
                this.policy = policy;
                history = new RollingWindow(policy.Window);
            }

            public override double ObserveAndLimit(double norm) => ObserveAndLimit(norm, null);

            public override double ObserveAndLimit(double norm, VouchedNorms? vouched)
            {
                var limit = Limit(policy.Factor, history.Median, history.Count);
                if (vouched is { } recent && recent.Min > limit)
                {
                    // Every recent norm is above the limit and the loss is healthy: the norms moved to a new
                    // level (a network learning its scale: ×50 in a hundred steps at a level loss), they did
                    // not spike. The history below lags such growth by tens of steps and clipping every one of
                    // them slows the learning, so the limit follows the recent norms themselves; a jump beyond
                    // factor × their median is still cut, and a loss that rises ends the vouching.
                    limit = Math.Max(limit, policy.Factor * recent.Median);
                }

                limit = Math.Min(limit, policy.MaxNorm ?? double.PositiveInfinity);

                // The history keeps what the step really used: a spike enters it at the limit, so it
                // moves the median by one rank at most and a short burst does not move it at all.
                history.Add(Math.Min(norm, limit));
                return limit;
            }

            public override void Save(BinaryWriter writer) => history.Save(writer);

            public override void Load(BinaryReader reader) => history.Load(reader);
        }
    }
}

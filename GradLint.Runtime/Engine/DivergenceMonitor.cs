using System;
using System.IO;
using GradLint.Policies;

namespace GradLint.Engine
{
    /// <summary>
    /// Tells a divergence from one bad step: a streak of non-finite steps, loss spikes on consecutive
    /// steps, a loss trend several times worse than its best, or gradient norms that ran away from
    /// their level by orders of magnitude. Host-side numbers only.
    /// </summary>
    internal sealed class DivergenceMonitor
    {
        /// <summary>The recent norms whose median is compared with the level.</summary>
        internal const int RecentNorms = 5;

        /// <summary>The level: the median of the norms just before the recent ones. Short, so that the
        /// two medians are only ~12 steps apart: a network learning its scale grows its norm by at most
        /// ~×1.2 a step (×10 over that lag), an explosion by orders of magnitude within a few steps.</summary>
        internal const int LevelNorms = 20;

        /// <summary>Losses whose median is compared with the best such median so far (the loss trend).</summary>
        internal const int TrendLosses = 20;

        /// <summary>A snapshot is taken only while the recent loss median is within this multiple of the best.</summary>
        internal const double HealthyLossRatio = 1.5;

        /// <summary>Losses the spike test judges against (as OLMo-core's SkipStep: a rolling window, at least 20 seen).</summary>
        internal const int LossWindow = 50;
        internal const int MinLossesForSpikes = 20;

        /// <summary>Loss spikes on this many consecutive steps mean the weights, not a batch, are bad.</summary>
        internal const int SpikesInARow = 3;

        /// <summary>A snapshot is taken only while the recent norm median is within this multiple of the level.</summary>
        internal const double HealthyRatio = 3;

        private readonly RepairOptions options;
        private readonly RollingWindow recentNorms = new RollingWindow(RecentNorms);
        private RollingWindow levelNorms = new RollingWindow(LevelNorms);
        private byte[]? levelAtSnapshot;
        private double bestTrendAtSnapshot = double.PositiveInfinity;
        private readonly RollingWindow losses = new RollingWindow(LossWindow);
        private readonly RollingWindow trend = new RollingWindow(TrendLosses);
        private double bestTrend = double.PositiveInfinity;
        private int spikesInARow;

        public DivergenceMonitor(RepairOptions options) => this.options = options;

        /// <summary>
        /// The norm level: the median of the norms before the recent ones, from the first norm on (NaN
        /// before). Warm-up is protected: a learning rate far too high shows within the first handful of
        /// steps (an LSTM at norm 3 for three steps, then 1,000), and a level that waited for a long
        /// history would let those steps wreck the weights before the runaway test could see them.
        /// </summary>
        public double LevelNorm => levelNorms.Count > 0 ? levelNorms.Median : double.NaN;

        /// <summary>The lowest median of <see cref="TrendLosses"/> consecutive positive losses so far (∞ before).</summary>
        public double BestLossLevel => bestTrend;

        /// <summary>The median of the last <see cref="TrendLosses"/> positive losses; NaN until there are that many (after a repair too).</summary>
        public double LossLevel => trend.Count == TrendLosses ? trend.Median : double.NaN;

        public int NonFiniteStreak { get; private set; }

        public void NonFinite() => NonFiniteStreak++;

        /// <summary>Records a finite raw (pre-clipping) total norm of a step that ran.</summary>
        public void Finite(double norm)
        {
            NonFiniteStreak = 0;
            spikesInARow = 0;
            if (recentNorms.Add(norm) is double older)
            {
                levelNorms.Add(older);   // the level lags the recent window, so a runaway cannot raise it at once
            }
        }

        /// <summary>
        /// The recent norm median is <see cref="RepairOptions.RunawayRatio"/> times the longer-term level or
        /// more. Natural growth (norms rising as a network learns a scale) is far slower than that.
        /// </summary>
        public bool NormsRanAway =>
            recentNorms.Count == RecentNorms && LevelNorm > 0 && recentNorms.Median >= options.RunawayRatio * LevelNorm;

        /// <summary>Norms are near their level and the loss near its best: the weights may be kept as known-good.</summary>
        public bool Healthy =>
            (double.IsNaN(LevelNorm) || recentNorms.Count == 0 || recentNorms.Median <= HealthyRatio * LevelNorm)
            && (trend.Count < TrendLosses || LossNearBest);

        /// <summary>The loss level is known and within <see cref="HealthyLossRatio"/> of its best.</summary>
        private bool LossNearBest => trend.Count == TrendLosses && trend.Median <= HealthyLossRatio * bestTrend;

        /// <summary>
        /// The last <see cref="RecentNorms"/> raw norms, when the loss vouches for them: its level (the median of the
        /// last <see cref="TrendLosses"/> losses) is within <see cref="HealthyLossRatio"/> of its best. Null without
        /// a loss, before there are enough of either, or when the loss is not healthy.
        /// </summary>
        public VouchedNorms? VouchedRecentNorms =>
            recentNorms.Count == RecentNorms && LossNearBest
                ? new VouchedNorms(recentNorms.Min, recentNorms.Median)
                : null;

        /// <summary>
        /// The loss trend: the median of the last <see cref="TrendLosses"/> losses is
        /// <see cref="RepairOptions.LossRiseRatio"/> times the best such median or more — training got
        /// several times worse than it was and stayed there (a slow divergence no single step shows).
        /// Positive losses only.
        /// </summary>
        public bool LossRose =>
            trend.Count == TrendLosses && trend.Median >= options.LossRiseRatio * bestTrend;

        /// <summary>Records a finite loss of a step that was not a spike.</summary>
        public void Loss(double loss)
        {
            if (!(loss > 0))
            {
                trend.Clear();   // a loss that can be negative has no ratio to judge
                bestTrend = double.PositiveInfinity;
                return;
            }

            trend.Add(loss);
            if (trend.Count == TrendLosses)
            {
                bestTrend = Math.Min(bestTrend, trend.Median);
            }
        }

        /// <summary>
        /// Judges a finite loss against the recent ones by a robust z-score (median and MAD), in log space
        /// when the losses are positive (a loss's spread grows with its size, and the spikes that matter
        /// are jumps by a factor — a loss of 7,000 jumping to 1,000,000), else in linear space: a spike when it lies
        /// more than <see cref="RepairOptions.LossSpikeThreshold"/> robust standard deviations above the
        /// median and, for positive losses, at least <see cref="MinSpikeRatio"/> times the median. A spike
        /// does not enter the window. Returns true for a spike.
        /// </summary>
        public bool IsLossSpike(double loss)
        {
            if (losses.Count >= MinLossesForSpikes)
            {
                var positive = loss > 0 && losses.Min > 0;
                var median = positive ? Math.Log(losses.Median) : losses.Median;
                var value = positive ? Math.Log(loss) : loss;
                var scale = 1.4826 * MedianAbsoluteDeviation(median, positive) + 1e-3 * Math.Max(1, Math.Abs(median)) + 1e-12;
                var excess = value - median;
                if (excess > options.LossSpikeThreshold * scale && (!positive || excess > Math.Log(MinSpikeRatio)))
                {
                    return true;
                }
            }

            losses.Add(loss);
            return false;
        }

        /// <summary>A positive loss is a spike only if it is at least this many times the recent median.</summary>
        internal const double MinSpikeRatio = 3;

        /// <summary>Records a loss spike; true when the last <see cref="SpikesInARow"/> steps all spiked.</summary>
        public bool RepeatedSpike() => ++spikesInARow >= SpikesInARow;

        /// <summary>A snapshot was taken: remember the level that goes with it.</summary>
        public void Snapshot()
        {
            levelAtSnapshot = StateBytes.Write(levelNorms.Save);
            bestTrendAtSnapshot = bestTrend;
        }

        /// <summary>
        /// The norms changed regime for a reason other than the weights (the data or the objective did):
        /// the level starts again from the next norms.
        /// </summary>
        public void RestartLevel()
        {
            recentNorms.Clear();
            levelNorms = new RollingWindow(LevelNorms);
        }

        /// <summary>
        /// The objective or the data changed for a reason other than the weights: the best loss level starts
        /// again from the current one (and a snapshot may be taken at it).
        /// </summary>
        public void RestartLossTrend()
        {
            bestTrend = trend.Count == TrendLosses ? trend.Median : double.PositiveInfinity;
        }

        /// <summary>After a repair: the weights are back at the snapshot, and so are the norm level and the best loss level; recent evidence is void.</summary>
        public void Repaired()
        {
            NonFiniteStreak = 0;
            spikesInARow = 0;
            recentNorms.Clear();
            trend.Clear();
            bestTrend = bestTrendAtSnapshot;
            levelNorms = new RollingWindow(LevelNorms);
            if (levelAtSnapshot is not null)
            {
                StateBytes.Read(levelAtSnapshot, levelNorms.Load);
            }
        }

        private double MedianAbsoluteDeviation(double median, bool logSpace)
        {
            var deviations = new RollingWindow(LossWindow);
            foreach (var v in losses.Values)
            {
                deviations.Add(Math.Abs((logSpace ? Math.Log(v) : v) - median));
            }

            return deviations.Median;
        }

        public void Save(BinaryWriter writer)
        {
            writer.Write(NonFiniteStreak);
            writer.Write(spikesInARow);
            recentNorms.Save(writer);
            levelNorms.Save(writer);
            losses.Save(writer);
            trend.Save(writer);
            writer.Write(bestTrend);
        }

        public void Load(BinaryReader reader)
        {
            NonFiniteStreak = reader.ReadInt32();
            spikesInARow = reader.ReadInt32();
            recentNorms.Load(reader);
            levelNorms.Load(reader);
            losses.Load(reader);
            trend.Load(reader);
            bestTrend = reader.ReadDouble();
            levelAtSnapshot = null;
            bestTrendAtSnapshot = bestTrend;
        }
    }
}

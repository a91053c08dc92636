using System;
using System.IO;
using GradLint.Policies;

namespace GradLint.Engine
{
    /// <summary>
    /// Tells a divergence from one bad step: a streak of non-finite steps, a loss that stays far above
    /// its recent values, or gradient norms that ran away from their own longer-term level. Host-side
    /// numbers only.
    /// </summary>
    internal sealed class DivergenceMonitor
    {
        /// <summary>The recent norms whose median is compared with the longer-term level.</summary>
        internal const int RecentNorms = 10;

        /// <summary>The longer-term level: the median of the norms before the recent ones.</summary>
        internal const int LevelNorms = 100;

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
        private readonly RollingWindow losses = new RollingWindow(LossWindow);
        private int spikesInARow;

        public DivergenceMonitor(RepairOptions options) => this.options = options;

        /// <summary>The longer-term norm level (NaN until enough norms were seen).</summary>
        public double LevelNorm => levelNorms.Count >= RecentNorms ? levelNorms.Median : double.NaN;

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

        /// <summary>Norms are near their level: the weights may be kept as known-good.</summary>
        public bool NormsHealthy =>
            double.IsNaN(LevelNorm) || recentNorms.Count == 0 || recentNorms.Median <= HealthyRatio * LevelNorm;

        /// <summary>
        /// Judges a finite loss against the recent ones by a robust z-score (median and MAD), in log space
        /// when the losses are positive (a loss's spread grows with its size, and the spikes that matter
        /// are jumps by a factor — ORIGIN's 7,000 → 1,000,000), else in linear space: a spike when it lies
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
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream))
            {
                levelNorms.Save(writer);
            }

            levelAtSnapshot = stream.ToArray();
        }

        /// <summary>After a repair: the weights are back at the snapshot, and so is the level; recent evidence is void.</summary>
        public void Repaired()
        {
            NonFiniteStreak = 0;
            spikesInARow = 0;
            recentNorms.Clear();
            levelNorms = new RollingWindow(LevelNorms);
            if (levelAtSnapshot is not null)
            {
                using var reader = new BinaryReader(new MemoryStream(levelAtSnapshot));
                levelNorms.Load(reader);
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
        }

        public void Load(BinaryReader reader)
        {
            NonFiniteStreak = reader.ReadInt32();
            spikesInARow = reader.ReadInt32();
            recentNorms.Load(reader);
            levelNorms.Load(reader);
            losses.Load(reader);
            levelAtSnapshot = null;
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace GradLint.Policies
{
    /// <summary>
    /// Z-score clipping on an EMA of the total gradient norm: ZClip as published
    /// (<see cref="ClippingPolicy.ZClip"/>, <c>Paper = true</c>) or GradLint's corrected variant
    /// (<see cref="ClippingPolicy.ZScore"/>).
    /// </summary>
    internal sealed class ZScorePolicy : ClippingPolicy
    {
        public ZScorePolicy(double alpha, double zThreshold, int warmupSteps, double? maxNorm, bool paper)
        {
            Alpha = alpha;
            ZThreshold = zThreshold;
            WarmupSteps = warmupSteps;
            MaxNorm = maxNorm;
            Paper = paper;
        }

        public double Alpha { get; }
        public double ZThreshold { get; }
        public int WarmupSteps { get; }
        public double? MaxNorm { get; }

        /// <summary>True: ZClip exactly as published; false: warm-up protected, no ratchet.</summary>
        public bool Paper { get; }

        internal override string Settings => Invariant($"{(Paper ? "ZClip" : "ZScore")}(alpha={Alpha:R}, z={ZThreshold:R}, warmup={WarmupSteps}, maxNorm={MaxNorm?.ToString("R", System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");

        internal override PolicyState CreateState() => new State(this);

        internal sealed class State : GlobalNormState
        {
            private const double Eps = 1e-6;
            private readonly ZScorePolicy policy;
            private readonly List<double> warmup = new List<double>();

            public State(ZScorePolicy policy) => this.policy = policy;

            public bool WarmedUp { get; private set; }
            public double Mean { get; private set; }
            public double Variance { get; private set; }

            public override double ObserveAndLimit(double norm)
            {
                var cap = policy.MaxNorm ?? double.PositiveInfinity;
                if (!WarmedUp)
                {
                    // ZClip leaves the warm-up to maxNorm alone. The corrected variant limits it as the
                    // Adaptive policy does (a few times the median so far), so a spike in the first
                    // steps is cut instead of initialising the statistics.
                    var limit = policy.Paper ? cap : Math.Min(cap, WarmupLimit());
                    warmup.Add(Math.Min(norm, limit));
                    if (warmup.Count >= policy.WarmupSteps)
                    {
                        Mean = warmup.Average();
                        Variance = warmup.Sum(v => (v - Mean) * (v - Mean)) / warmup.Count;
                        WarmedUp = true;
                        warmup.Clear();
                    }

                    return limit;
                }

                var std = Math.Sqrt(Variance);
                var z = (norm - Mean) / (std + Eps);
                var spike = z > policy.ZThreshold;
                var zLimit = spike
                    ? Mean + (policy.ZThreshold * policy.ZThreshold / z) * std   // reciprocal rule
                    : double.PositiveInfinity;
                var clippedLimit = Math.Min(zLimit, cap);

                if (policy.Paper || !spike)
                {
                    // ZClip: the EMA follows the value the step used. Under a sustained rise every step
                    // is a mild spike clipped above the mean, so the mean ratchets up with the explosion;
                    // the corrected variant therefore feeds only steps that were not spikes.
                    var used = Math.Min(norm, clippedLimit);
                    Mean = policy.Alpha * Mean + (1 - policy.Alpha) * used;
                    Variance = policy.Alpha * Variance + (1 - policy.Alpha) * (used - Mean) * (used - Mean);
                }

                return clippedLimit;
            }

            private double WarmupLimit()
            {
                if (warmup.Count == 0)
                {
                    return double.PositiveInfinity;
                }

                var sorted = warmup.OrderBy(v => v).ToArray();
                var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
                return AdaptivePolicy.Limit(AdaptiveDefaults.Factor, median, sorted.Length);
            }

            public override void Save(BinaryWriter writer)
            {
                writer.Write(WarmedUp);
                writer.Write(Mean);
                writer.Write(Variance);
                writer.Write(warmup.Count);
                foreach (var v in warmup)
                {
                    writer.Write(v);
                }
            }

            public override void Load(BinaryReader reader)
            {
                WarmedUp = reader.ReadBoolean();
                Mean = reader.ReadDouble();
                Variance = reader.ReadDouble();
                warmup.Clear();
                var count = reader.ReadInt32();
                for (int i = 0; i < count; i++)
                {
                    warmup.Add(reader.ReadDouble());
                }
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace GradLint.Policies
{
    /// <summary>ZClip: z-score spike detection on an EMA of the total gradient norm (see <see cref="ClippingPolicy.ZScore"/>).</summary>
    internal sealed class ZScorePolicy : ClippingPolicy
    {
        public ZScorePolicy(double alpha, double zThreshold, int warmupSteps, double? maxNorm)
        {
            Alpha = alpha;
            ZThreshold = zThreshold;
            WarmupSteps = warmupSteps;
            MaxNorm = maxNorm;
        }

        public double Alpha { get; }
        public double ZThreshold { get; }
        public int WarmupSteps { get; }
        public double? MaxNorm { get; }

        internal override PolicyState CreateState() => new State(this);

        internal sealed class State : PolicyState
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
                    var kept = Math.Min(norm, cap);
                    warmup.Add(kept);
                    if (warmup.Count == policy.WarmupSteps)
                    {
                        Mean = warmup.Average();
                        Variance = warmup.Sum(v => (v - Mean) * (v - Mean)) / warmup.Count;
                        WarmedUp = true;
                        warmup.Clear();
                    }

                    return cap;
                }

                var std = Math.Sqrt(Variance);
                var z = (norm - Mean) / (std + Eps);
                var limit = z > policy.ZThreshold
                    ? Mean + (policy.ZThreshold * policy.ZThreshold / z) * std   // reciprocal rule
                    : double.PositiveInfinity;
                limit = Math.Min(limit, cap);

                // The EMA follows the value the step really used, so a spike cannot inflate it.
                var used = Math.Min(norm, limit);
                Mean = policy.Alpha * Mean + (1 - policy.Alpha) * used;
                Variance = policy.Alpha * Variance + (1 - policy.Alpha) * (used - Mean) * (used - Mean);
                return limit;
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

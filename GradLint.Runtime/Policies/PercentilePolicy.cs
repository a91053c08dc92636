using System.IO;

namespace GradLint.Policies
{
    /// <summary>AutoClip: clip to a percentile of the finite norm history (see <see cref="ClippingPolicy.Percentile"/>).</summary>
    internal sealed class PercentilePolicy : ClippingPolicy
    {
        public PercentilePolicy(double percentile, int history)
        {
            PercentileValue = percentile;
            History = history;
        }

        public double PercentileValue { get; }
        public int History { get; }

        internal override string Settings => Invariant($"Percentile(percentile={PercentileValue:R}, history={History})");

        internal override PolicyState CreateState() => new State(this);

        internal sealed class State : GlobalNormState
        {
            private readonly PercentilePolicy policy;
            private readonly RollingWindow window;

            public State(PercentilePolicy policy)
            {
                this.policy = policy;
                window = new RollingWindow(policy.History);
            }

            public int Count => window.Count;

            public override double ObserveAndLimit(double norm)
            {
                window.Add(norm);
                return window.Percentile(policy.PercentileValue);
            }

            public override void Save(BinaryWriter writer) => window.Save(writer);

            public override void Load(BinaryReader reader) => window.Load(reader);
        }
    }
}

using System;
using System.Collections.Generic;
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

        internal override PolicyState CreateState() => new State(this);

        internal sealed class State : PolicyState
        {
            private readonly PercentilePolicy policy;

            // Arrival order (to evict the oldest) and sorted order (for the percentile): O(history)
            // memmove per step instead of a sort.
            private readonly Queue<double> arrival = new Queue<double>();
            private readonly List<double> sorted = new List<double>();

            public State(PercentilePolicy policy) => this.policy = policy;

            public int Count => sorted.Count;

            public override double ObserveAndLimit(double norm)
            {
                if (arrival.Count == policy.History)
                {
                    var oldest = arrival.Dequeue();
                    sorted.RemoveAt(IndexOf(oldest));
                }

                arrival.Enqueue(norm);
                var at = sorted.BinarySearch(norm);
                sorted.Insert(at < 0 ? ~at : at, norm);
                return PercentileOfSorted(sorted, policy.PercentileValue);
            }

            private int IndexOf(double value)
            {
                var at = sorted.BinarySearch(value);
                return at >= 0 ? at : throw new InvalidOperationException("Norm history is inconsistent.");
            }

            /// <summary>numpy.percentile's default ('linear') interpolation.</summary>
            internal static double PercentileOfSorted(IReadOnlyList<double> values, double percentile)
            {
                var position = percentile / 100.0 * (values.Count - 1);
                var lower = (int)Math.Floor(position);
                var upper = Math.Min(lower + 1, values.Count - 1);
                return values[lower] + (values[upper] - values[lower]) * (position - lower);
            }

            public override void Save(BinaryWriter writer)
            {
                writer.Write(arrival.Count);
                foreach (var v in arrival)
                {
                    writer.Write(v);
                }
            }

            public override void Load(BinaryReader reader)
            {
                arrival.Clear();
                sorted.Clear();
                var count = reader.ReadInt32();
                for (int i = 0; i < count; i++)
                {
                    var v = reader.ReadDouble();
                    arrival.Enqueue(v);
                    sorted.Add(v);
                }

                sorted.Sort();
            }
        }
    }
}

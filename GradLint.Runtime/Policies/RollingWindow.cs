using System;
using System.Collections.Generic;
using System.IO;

namespace GradLint.Policies
{
    /// <summary>
    /// The last <see cref="Capacity"/> values in arrival order and in sorted order, for medians and
    /// percentiles: O(capacity) memmove per value instead of a sort.
    /// </summary>
    internal sealed class RollingWindow
    {
        private readonly Queue<double> arrival = new Queue<double>();
        private readonly List<double> sorted = new List<double>();

        public RollingWindow(int capacity) => Capacity = capacity;

        public int Capacity { get; }

        public int Count => sorted.Count;

        /// <summary>The values in arrival order.</summary>
        public IEnumerable<double> Values => arrival;

        /// <summary>Adds a value; returns the one it pushed out, if the window was full.</summary>
        public double? Add(double value)
        {
            double? evicted = null;
            if (arrival.Count == Capacity)
            {
                var oldest = arrival.Dequeue();
                var at = sorted.BinarySearch(oldest);
                sorted.RemoveAt(at >= 0 ? at : throw new InvalidOperationException("Rolling window is inconsistent."));
                evicted = oldest;
            }

            arrival.Enqueue(value);
            var index = sorted.BinarySearch(value);
            sorted.Insert(index < 0 ? ~index : index, value);
            return evicted;
        }

        public void Clear()
        {
            arrival.Clear();
            sorted.Clear();
        }

        public double Median => Percentile(50);

        /// <summary>The smallest value; NaN when empty.</summary>
        public double Min => sorted.Count == 0 ? double.NaN : sorted[0];

        /// <summary>numpy.percentile's default ('linear') interpolation; NaN when empty.</summary>
        public double Percentile(double percentile)
        {
            if (sorted.Count == 0)
            {
                return double.NaN;
            }

            var position = percentile / 100.0 * (sorted.Count - 1);
            var lower = (int)Math.Floor(position);
            var upper = Math.Min(lower + 1, sorted.Count - 1);
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
        }

        public void Save(BinaryWriter writer)
        {
            writer.Write(arrival.Count);
            foreach (var v in arrival)
            {
                writer.Write(v);
            }
        }

        /// <summary>Reads what <see cref="Save"/> wrote; a longer saved history keeps only its newest values.</summary>
        public void Load(BinaryReader reader)
        {
            Clear();
            var count = reader.ReadInt32();
            if (count < 0)
            {
                throw new InvalidDataException($"A saved history cannot have {count} values.");
            }

            for (int i = 0; i < count; i++)
            {
                Add(reader.ReadDouble());
            }
        }
    }
}

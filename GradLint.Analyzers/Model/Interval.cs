using System;
using System.Globalization;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// The range every element of a tensor (or a plain number) is provably in: a lower and an upper
    /// bound, each open or closed, ±∞ for "no bound". <see cref="Unknown"/> is (−∞, +∞).
    /// <para>
    /// Bounds are computed in double precision. Where float32 rounding reaches a value the exact
    /// mathematics never does, the transfer functions say so: <c>exp</c> of anything below −87 and
    /// <c>sigmoid</c> below −87 underflow to a closed 0, <c>sigmoid</c> above 16 rounds to a closed 1, <c>tanh</c> past ±9 to a closed ±1,
    /// <c>softmax</c> is [0, 1] closed. A rule asking "is it &gt; 0?" therefore gets the answer the
    /// hardware gives, not the one the formula promises.
    /// </para>
    /// </summary>
    internal readonly struct Interval : IEquatable<Interval>
    {
        /// <summary>Below this, float32 <c>exp</c> leaves the normal range and soon underflows to 0.</summary>
        public const double ExpUnderflow = -87.0;

        /// <summary>Past ±this, float32 <c>tanh</c> rounds to exactly ±1.</summary>
        public const double TanhSaturation = 9.0;

        /// <summary>Above this, float32 <c>sigmoid</c> rounds to exactly 1.</summary>
        public const double SigmoidSaturation = 16.0;

        public Interval(double low, bool lowOpen, double high, bool highOpen)
        {
            // NaN bounds (∞ − ∞ and friends) mean "nothing known" on that side.
            // (+ 0.0 turns −0, which negation makes, into 0.)
            Low = double.IsNaN(low) ? double.NegativeInfinity : low + 0.0;
            High = double.IsNaN(high) ? double.PositiveInfinity : high + 0.0;
            LowOpen = lowOpen || double.IsInfinity(Low);
            HighOpen = highOpen || double.IsInfinity(High);
        }

        public double Low { get; }

        public bool LowOpen { get; }

        public double High { get; }

        public bool HighOpen { get; }

        public static Interval Unknown { get; } = new Interval(double.NegativeInfinity, true, double.PositiveInfinity, true);

        /// <summary>(0, +∞): what an epsilon or a trusted positive floor is known to be.</summary>
        public static Interval Positive { get; } = new Interval(0, true, double.PositiveInfinity, true);

        /// <summary>[0, +∞).</summary>
        public static Interval NonNegative { get; } = new Interval(0, false, double.PositiveInfinity, true);

        /// <summary>(−∞, 0].</summary>
        public static Interval NonPositive { get; } = new Interval(double.NegativeInfinity, true, 0, false);

        public static Interval Exactly(double value) => new Interval(value, false, value, false);

        public static Interval Closed(double low, double high) => new Interval(low, false, high, false);

        public bool IsUnknown => double.IsNegativeInfinity(Low) && double.IsPositiveInfinity(High);

        /// <summary>Every value &gt; 0.</summary>
        public bool IsPositive => Low > 0 || (Low == 0 && LowOpen);

        /// <summary>Every value ≥ 0.</summary>
        public bool IsNonNegative => Low >= 0;

        /// <summary>Every value &lt; 0.</summary>
        public bool IsNegative => High < 0 || (High == 0 && HighOpen);

        /// <summary>Every value ≤ 0.</summary>
        public bool IsNonPositive => High <= 0;

        public bool IsBoundedAbove => !double.IsPositiveInfinity(High);

        /// <summary>0 is not a possible value.</summary>
        public bool ExcludesZero => IsPositive || IsNegative;

        /// <summary>The smallest interval holding both (a value that is one or the other: <c>where</c>, a conditional).</summary>
        public Interval Join(Interval other)
        {
            var (low, lowOpen) = Low < other.Low ? (Low, LowOpen) : other.Low < Low ? (other.Low, other.LowOpen) : (Low, LowOpen && other.LowOpen);
            var (high, highOpen) = High > other.High ? (High, HighOpen) : other.High > High ? (other.High, other.HighOpen) : (High, HighOpen && other.HighOpen);
            return new Interval(low, lowOpen, high, highOpen);
        }

        /// <summary>The values in both (what a mask <c>x[x &gt; c]</c> keeps); <see cref="Unknown"/> if that is empty.</summary>
        public Interval Meet(Interval other)
        {
            var (low, lowOpen) = Low > other.Low ? (Low, LowOpen) : other.Low > Low ? (other.Low, other.LowOpen) : (Low, LowOpen || other.LowOpen);
            var (high, highOpen) = High < other.High ? (High, HighOpen) : other.High < High ? (other.High, other.HighOpen) : (High, HighOpen || other.HighOpen);
            return low > high || (low == high && (lowOpen || highOpen)) ? Unknown : new Interval(low, lowOpen, high, highOpen);
        }

        public static Interval operator -(Interval value) => new Interval(-value.High, value.HighOpen, -value.Low, value.LowOpen);

        public static Interval operator +(Interval a, Interval b) =>
            new Interval(a.Low + b.Low, a.LowOpen || b.LowOpen, a.High + b.High, a.HighOpen || b.HighOpen);

        public static Interval operator -(Interval a, Interval b) => a + -b;

        public static Interval operator *(Interval a, Interval b)
        {
            // A product is bilinear: its extremes are among the four products of bounds.
            var p1 = BoundProduct(a.Low, a.LowOpen, b.Low, b.LowOpen);
            var p2 = BoundProduct(a.Low, a.LowOpen, b.High, b.HighOpen);
            var p3 = BoundProduct(a.High, a.HighOpen, b.Low, b.LowOpen);
            var p4 = BoundProduct(a.High, a.HighOpen, b.High, b.HighOpen);
            var low = Math.Min(Math.Min(p1.Value, p2.Value), Math.Min(p3.Value, p4.Value));
            var high = Math.Max(Math.Max(p1.Value, p2.Value), Math.Max(p3.Value, p4.Value));
            return new Interval(low, OpenAt(low, p1, p2, p3, p4), high, OpenAt(high, p1, p2, p3, p4));
        }

        public static Interval operator /(Interval a, Interval b)
        {
            if (b.ExcludesZero)
            {
                return a * b.Reciprocal();
            }

            // A divisor that may be 0: only the sign survives (x / 0 is ±∞ or NaN — the division's
            // own rule reports that; here it matters only that ≤ 0 / ≥ 0 cannot be positive).
            if (b.IsNonNegative)
            {
                return a.IsNonNegative ? NonNegative : a.IsNonPositive ? NonPositive : Unknown;
            }

            if (b.IsNonPositive)
            {
                return a.IsNonNegative ? NonPositive : a.IsNonPositive ? NonNegative : Unknown;
            }

            return Unknown;
        }

        /// <summary>1 / x for an x that excludes 0.</summary>
        public Interval Reciprocal()
        {
            if (!ExcludesZero)
            {
                return Unknown;
            }

            // 1/x is decreasing on each side of 0: the bounds swap; 1/±∞ is an open 0, 1/±0 (open) is ±∞.
            return new Interval(Inverse(High, positiveSide: IsPositive), HighOpen, Inverse(Low, positiveSide: IsPositive), LowOpen);
        }

        /// <summary>|x|.</summary>
        public Interval Abs()
        {
            if (IsNonNegative)
            {
                return this;
            }

            if (IsNonPositive)
            {
                return -this;
            }

            var (high, highOpen) = -Low > High ? (-Low, LowOpen) : High > -Low ? (High, HighOpen) : (High, HighOpen && LowOpen);
            return new Interval(0, false, high, highOpen);
        }

        /// <summary>x² (also x * x of one value, <c>square</c>, <c>pow(2)</c>).</summary>
        public Interval Square()
        {
            var magnitude = Abs();
            return magnitude * magnitude;
        }

        /// <summary>The image under an increasing function (<c>exp</c>, <c>tanh</c>, <c>sqrt</c> on its domain…).</summary>
        public Interval Increasing(Func<double, double> f) => new Interval(f(Low), LowOpen, f(High), HighOpen);

        /// <summary>max(x, y) element-wise (<c>maximum</c>, <c>clamp_min</c>, <c>relu</c>).</summary>
        public static Interval Maximum(Interval a, Interval b)
        {
            // max(x, y) ≥ each: past a shared floor if either stays past it; at a shared ceiling if either reaches it.
            var (low, lowOpen) = a.Low > b.Low ? (a.Low, a.LowOpen) : b.Low > a.Low ? (b.Low, b.LowOpen) : (a.Low, a.LowOpen || b.LowOpen);
            var (high, highOpen) = a.High > b.High ? (a.High, a.HighOpen) : b.High > a.High ? (b.High, b.HighOpen) : (a.High, a.HighOpen && b.HighOpen);
            return new Interval(low, lowOpen, high, highOpen);
        }

        /// <summary>min(x, y) element-wise (<c>minimum</c>, <c>clamp_max</c>).</summary>
        public static Interval Minimum(Interval a, Interval b) => -Maximum(-a, -b);

        public bool Equals(Interval other) =>
            Low.Equals(other.Low) && High.Equals(other.High) && LowOpen == other.LowOpen && HighOpen == other.HighOpen;

        public override bool Equals(object? obj) => obj is Interval other && Equals(other);

        public override int GetHashCode() => (Low, High, LowOpen, HighOpen).GetHashCode();

        /// <summary>"[0, +∞)", "(−∞, 0]", "(0, 1]"…</summary>
        public override string ToString() =>
            (LowOpen ? "(" : "[") + Format(Low) + ", " + Format(High) + (HighOpen ? ")" : "]");

        private static string Format(double value) =>
            double.IsPositiveInfinity(value) ? "+inf" : double.IsNegativeInfinity(value) ? "-inf" : value.ToString("R", CultureInfo.InvariantCulture);

        private static double Inverse(double bound, bool positiveSide) =>
            bound == 0 ? (positiveSide ? double.PositiveInfinity : double.NegativeInfinity) : 1 / bound;

        private static (double Value, bool Open) BoundProduct(double x, bool xOpen, double y, bool yOpen)
        {
            // A closed 0 times anything is a 0 that is reached; 0 · ∞ here is the limit 0 of finite values.
            if ((x == 0 && !xOpen) || (y == 0 && !yOpen))
            {
                return (0, false);
            }

            if (x == 0 || y == 0)
            {
                return (0, true);
            }

            return (x * y, xOpen || yOpen);
        }

        private static bool OpenAt(double bound, params (double Value, bool Open)[] products)
        {
            foreach (var product in products)
            {
                if (product.Value == bound && !product.Open)
                {
                    return false;
                }
            }

            return true;
        }
    }
}

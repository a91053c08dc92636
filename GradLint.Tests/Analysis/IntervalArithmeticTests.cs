using GradLint.Analyzers.Model;
using Xunit;

namespace GradLint.Tests.Analysis
{
    /// <summary>The interval lattice's own arithmetic: bounds, open and closed ends, infinities, the sign rules a possible 0 leaves.</summary>
    public class IntervalArithmeticTests
    {
        private static readonly Interval Unknown = Interval.Unknown;

        [Fact]
        public void Sum_adds_bounds_and_keeps_an_end_open_when_either_is()
        {
            var sum = new Interval(0, true, 1, false) + Interval.Closed(2, 3);
            Assert.Equal("(2, 4]", sum.ToString());
            Assert.Equal("(-inf, 4]", (Unknown.Meet(Interval.NonPositive) + Interval.Closed(2, 4)).ToString());
        }

        [Fact]
        public void Difference_subtracts_the_opposite_bounds()
        {
            Assert.Equal("[-2, 1]", (Interval.Closed(1, 3) - Interval.Closed(2, 3)).ToString());
            Assert.Equal("[0, 1)", (Interval.Exactly(1) - new Interval(0, true, 1, false)).ToString());
        }

        [Fact]
        public void Product_takes_the_extremes_of_the_four_bound_products()
        {
            Assert.Equal("[-6, 4]", (Interval.Closed(-3, 2) * Interval.Closed(-1, 2)).ToString());
            Assert.Equal("[-15, 10]", (Interval.Exactly(0.5) * Interval.Closed(-30, 20)).ToString());
            // A closed 0 times an unbounded value is 0, not NaN: [0, 1] · [0, +∞) = [0, +∞).
            Assert.Equal("[0, +inf)", (Interval.Closed(0, 1) * Interval.NonNegative).ToString());
            Assert.Equal("(0, +inf)", (Interval.Positive * Interval.Positive).ToString());
            Assert.True((Unknown * Interval.Positive).IsUnknown);
        }

        [Fact]
        public void Quotient_by_a_value_away_from_zero_uses_the_reciprocal()
        {
            Assert.Equal("[0.125, 0.5]", (Interval.Closed(1, 2) / Interval.Closed(4, 8)).ToString());
            Assert.Equal("(0, +inf)", (Interval.Exactly(1) / Interval.Positive).ToString());
            Assert.Equal("[-0.5, -0.25]", Interval.Closed(-4, -2).Reciprocal().ToString());
        }

        [Fact]
        public void Quotient_by_a_value_that_may_be_zero_keeps_only_the_sign()
        {
            Assert.Equal("(-inf, 0]", (Interval.NonPositive / Interval.NonNegative).ToString());
            Assert.Equal("[0, +inf)", (Interval.Closed(1, 2) / Interval.NonNegative).ToString());
            Assert.True((Interval.Closed(-1, 1) / Interval.NonNegative).IsUnknown);
            Assert.True((Interval.Closed(1, 2) / Interval.Closed(-1, 1)).IsUnknown);
        }

        [Fact]
        public void Abs_and_square_fold_the_negative_side()
        {
            Assert.Equal("[0, 3]", Interval.Closed(-3, 2).Abs().ToString());
            Assert.Equal("[2, 3]", Interval.Closed(-3, -2).Abs().ToString());
            Assert.Equal("[0, 9]", Interval.Closed(-3, 2).Square().ToString());
            Assert.Equal("[0, +inf)", Unknown.Square().ToString());
        }

        [Fact]
        public void Maximum_and_minimum_bound_from_either_side()
        {
            Assert.Equal("[0.001, +inf)", Interval.Maximum(Unknown, Interval.Exactly(1e-3)).ToString());
            Assert.Equal("(-inf, 2]", Interval.Minimum(Unknown, Interval.Exactly(2)).ToString());
            // max(x ≥ 0, y > 0) > 0: sigmoid(x).clamp(eps, …) with eps only known to be positive.
            Assert.True(Interval.Maximum(Interval.Closed(0, 1), Interval.Positive).IsPositive);
            Assert.Equal("[1, 2]", Interval.Minimum(Interval.Maximum(Interval.Closed(-5, 5), Interval.Exactly(1)), Interval.Exactly(2)).ToString());
        }

        [Fact]
        public void Join_is_the_hull_and_meet_the_overlap()
        {
            Assert.Equal("[0, 4]", Interval.Closed(0, 1).Join(Interval.Closed(3, 4)).ToString());
            Assert.Equal("(0.5, 1]", Interval.Closed(0, 1).Meet(new Interval(0.5, true, double.PositiveInfinity, true)).ToString());
            Assert.True(Interval.Closed(0, 1).Meet(Interval.Closed(2, 3)).IsUnknown);   // empty: nothing claimed
        }

        [Fact]
        public void Sign_questions_respect_open_ends()
        {
            Assert.True(new Interval(0, true, 1, false).IsPositive);
            Assert.False(Interval.Closed(0, 1).IsPositive);
            Assert.True(Interval.Closed(0, 1).IsNonNegative);
            Assert.True(new Interval(-1, false, 0, true).IsNegative);
            Assert.True(Interval.Closed(-2, -1).ExcludesZero);
            Assert.False(Interval.NonNegative.IsBoundedAbove);
            Assert.True(Interval.NonPositive.IsBoundedAbove);
        }

        [Fact]
        public void NaN_bounds_mean_nothing_is_known_on_that_side()
        {
            var nonsense = new Interval(double.NaN, false, double.NaN, false);
            Assert.True(nonsense.IsUnknown);
            Assert.True((new Interval(double.NegativeInfinity, true, double.PositiveInfinity, true) + Interval.NonNegative).IsUnknown);
        }
    }
}

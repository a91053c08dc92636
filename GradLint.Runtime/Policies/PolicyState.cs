using System.IO;

namespace GradLint.Policies
{
    /// <summary>The running state one guard keeps for its clipping policy.</summary>
    internal abstract class PolicyState
    {
        /// <summary>True for per-unit clipping done on the device (AGC); false for a global norm limit.</summary>
        public virtual bool IsUnitWise => false;

        /// <summary>
        /// Records a finite total norm and returns the largest norm allowed for it
        /// (<see cref="double.PositiveInfinity"/>: no clipping). Never called with NaN or ±Inf.
        /// </summary>
        public abstract double ObserveAndLimit(double norm);

        public virtual void Save(BinaryWriter writer)
        {
        }

        public virtual void Load(BinaryReader reader)
        {
        }
    }

    internal sealed class NoClippingPolicy : ClippingPolicy
    {
        internal override PolicyState CreateState() => new State();

        private sealed class State : PolicyState
        {
            public override double ObserveAndLimit(double norm) => double.PositiveInfinity;
        }
    }

    internal sealed class FixedNormPolicy : ClippingPolicy
    {
        public FixedNormPolicy(double maxNorm) => MaxNorm = maxNorm;

        public double MaxNorm { get; }

        internal override PolicyState CreateState() => new State(MaxNorm);

        private sealed class State : PolicyState
        {
            private readonly double maxNorm;

            public State(double maxNorm) => this.maxNorm = maxNorm;

            public override double ObserveAndLimit(double norm) => maxNorm;
        }
    }
}

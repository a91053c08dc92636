using System;
using System.IO;
using GradLint.Engine;
using static TorchSharp.torch;

namespace GradLint.Policies
{
    /// <summary>What a policy did to one step's (finite) gradients.</summary>
    internal readonly record struct ClipOutcome(double Limit, double NormAfter, bool Clipped);

    /// <summary>
    /// The guard's last <see cref="DivergenceMonitor.RecentNorms"/> raw norms (their smallest and their median),
    /// passed to the policy only while the loss vouches for them: the loss is given and its level is within
    /// <see cref="DivergenceMonitor.HealthyLossRatio"/> of its best.
    /// </summary>
    internal readonly record struct VouchedNorms(double Min, double Median);

    /// <summary>
    /// The running state one guard keeps for its clipping policy. Every policy answers the same two
    /// questions: what to measure on the device along with the total norm (<see cref="Prepare"/>, read
    /// in the guard's one host read), and, once the norm is known to be finite, how to rescale
    /// (<see cref="Apply"/>). Nothing is changed before the finiteness check.
    /// </summary>
    internal abstract class PolicyState
    {
        /// <summary>0-dim device tensors to read together with the total norm; none by default.</summary>
        public virtual Tensor[] Prepare(GradientBatch batch) => Array.Empty<Tensor>();

        /// <summary>
        /// Rescales the gradients in place for a finite total norm and says what it did. <paramref name="vouched"/>:
        /// the recent raw norms when the loss vouches for them (null otherwise); only the default policy uses them.
        /// </summary>
        public abstract ClipOutcome Apply(GradientBatch batch, double norm, double[] prepared, VouchedNorms? vouched);

        public virtual void Save(BinaryWriter writer)
        {
        }

        public virtual void Load(BinaryReader reader)
        {
        }
    }

    /// <summary>Policies that limit the total norm: all gradients are scaled together, like clip_grad_norm_.</summary>
    internal abstract class GlobalNormState : PolicyState
    {
        /// <summary>As <c>clip_grad_norm_</c>: coefficient = limit / (norm + 1e-6).</summary>
        internal const double ClipEpsilon = 1e-6;

        /// <summary>
        /// Records a finite total norm and returns the largest norm allowed for it
        /// (<see cref="double.PositiveInfinity"/>: no clipping). Never called with NaN or ±Inf.
        /// </summary>
        public abstract double ObserveAndLimit(double norm);

        /// <summary>As <see cref="ObserveAndLimit(double)"/>, told the recent raw norms when the loss vouches for them.</summary>
        public virtual double ObserveAndLimit(double norm, VouchedNorms? vouched) => ObserveAndLimit(norm);

        public sealed override ClipOutcome Apply(GradientBatch batch, double norm, double[] prepared, VouchedNorms? vouched)
        {
            var limit = ObserveAndLimit(norm, vouched);
            if (!(norm > limit))
            {
                return new ClipOutcome(limit, norm, false);
            }

            var coefficient = limit / (norm + ClipEpsilon);
            batch.Scale(coefficient);
            return new ClipOutcome(limit, norm * coefficient, true);
        }
    }

    internal sealed class NoClippingPolicy : ClippingPolicy
    {
        internal override string Settings => "None";

        internal override PolicyState CreateState() => new State();

        private sealed class State : GlobalNormState
        {
            public override double ObserveAndLimit(double norm) => double.PositiveInfinity;
        }
    }

    internal sealed class FixedNormPolicy : ClippingPolicy
    {
        public FixedNormPolicy(double maxNorm) => MaxNorm = maxNorm;

        public double MaxNorm { get; }

        internal override string Settings => Invariant($"FixedNorm(maxNorm={MaxNorm:R})");

        internal override PolicyState CreateState() => new State(MaxNorm);

        private sealed class State : GlobalNormState
        {
            private readonly double maxNorm;

            public State(double maxNorm) => this.maxNorm = maxNorm;

            public override double ObserveAndLimit(double norm) => maxNorm;
        }
    }
}

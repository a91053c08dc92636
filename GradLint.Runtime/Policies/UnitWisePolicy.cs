using System.Linq;
using static TorchSharp.torch;

namespace GradLint.Policies
{
    /// <summary>AGC (NFNets): per-output-unit clipping relative to the weight norm, on the device.</summary>
    internal sealed class UnitWisePolicy : ClippingPolicy
    {
        public UnitWisePolicy(double lambda, double eps)
        {
            Lambda = lambda;
            Eps = eps;
        }

        public double Lambda { get; }
        public double Eps { get; }

        internal override PolicyState CreateState() => new State();

        /// <summary>
        /// Clips <paramref name="grad"/> in place and returns a bool tensor (on the device) that is
        /// true when any unit was clipped. Runs under no_grad; the caller's dispose scope owns temporaries.
        /// </summary>
        public Tensor ClipInPlace(Tensor weight, Tensor grad)
        {
            using var noGrad = no_grad();
            var weightNorm = UnitNorm(weight.detach()).clamp_min(Eps);
            var gradNorm = UnitNorm(grad);
            var maxNorm = weightNorm * Lambda;
            var trigger = gradNorm > maxNorm;
            var scale = where(trigger, maxNorm / gradNorm.clamp_min(1e-6), ones_like(gradNorm));
            grad.mul_(scale);
            return trigger.any();
        }

        // NFNets' unitwise_norm: a vector or scalar is one unit; otherwise one norm per slice along
        // dimension 0 (the output unit in TorchSharp's [out, in, ...] layout), kept broadcastable.
        private static Tensor UnitNorm(Tensor t)
        {
            if (t.dim() <= 1)
            {
                return linalg.vector_norm(t, 2, null, false);
            }

            var dims = Enumerable.Range(1, (int)t.dim() - 1).Select(d => (long)d).ToArray();
            return linalg.vector_norm(t, 2, dims, true);
        }

        private sealed class State : PolicyState
        {
            public override bool IsUnitWise => true;

            public override double ObserveAndLimit(double norm) => double.PositiveInfinity;
        }
    }
}

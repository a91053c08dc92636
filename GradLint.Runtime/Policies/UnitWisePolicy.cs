using System;
using System.Collections.Generic;
using System.Linq;
using GradLint.Engine;
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

        internal override string Settings => Invariant($"UnitWise(lambda={Lambda:R}, eps={Eps:R})");

        internal override PolicyState CreateState() => new State(this);

        // NFNets' unitwise_norm: a vector or scalar is one unit; otherwise one norm per slice along
        // dimension 0 (the output unit in TorchSharp's [out, in, ...] layout), kept broadcastable.
        private static Tensor UnitNorm(Tensor t, ScalarType accumulate)
        {
            if (t.dim() <= 1)
            {
                return GradientNorms.Of(t, accumulate);
            }

            var dims = Enumerable.Range(1, (int)t.dim() - 1).Select(d => (long)d).ToArray();
            return linalg.vector_norm(t.to(accumulate), 2, dims, true);
        }

        /// <summary>
        /// The scales are worked out on the device before the host read (from unit norms only, so the
        /// gradients stay untouched until the guard knows they are finite); the norm after clipping and
        /// "any unit clipped" are read with the total norm.
        /// </summary>
        private sealed class State : PolicyState
        {
            private readonly UnitWisePolicy policy;
            private readonly List<Tensor> scales = new List<Tensor>();

            public State(UnitWisePolicy policy) => this.policy = policy;

            public override Tensor[] Prepare(GradientBatch batch)
            {
                scales.Clear();
                var squaredAfter = new List<Tensor>();
                var anyClipped = new List<Tensor>();
                for (int i = 0; i < batch.Count; i++)
                {
                    var grad = batch.Grads[i];
                    var accumulate = grad.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
                    var weightNorm = UnitNorm(batch.Parameters[i].detach(), accumulate).clamp_min(policy.Eps);
                    var gradNorm = UnitNorm(grad.is_sparse ? grad.to_dense() : grad, accumulate);
                    var maxNorm = weightNorm * policy.Lambda;
                    var trigger = gradNorm > maxNorm;
                    var scale = where(trigger, maxNorm / gradNorm.clamp_min(1e-6), ones_like(gradNorm));
                    scales.Add(scale);
                    squaredAfter.Add((gradNorm * scale).square().sum().to(batch.Accumulate));
                    anyClipped.Add(trigger.any());
                }

                var after = GradientNorms.OnDevice(stack(squaredAfter.Select(t => GradientNorms.OnDevice(t, batch.Device))).sum().sqrt(), batch.Device);
                var any = stack(anyClipped.Select(t => GradientNorms.OnDevice(t, batch.Device))).any().to(batch.Accumulate);
                return new[] { after, any };
            }

            public override ClipOutcome Apply(GradientBatch batch, double norm, double[] prepared, VouchedNorms? vouched)
            {
                var clipped = prepared[1] != 0;
                if (clipped)
                {
                    for (int i = 0; i < batch.Count; i++)
                    {
                        var grad = batch.Grads[i];
                        var scale = scales[i].to(grad.dtype);
                        if (grad.is_sparse)
                        {
                            // A sparse gradient cannot take a per-row factor in place; it takes the
                            // smallest one (stays on the device).
                            grad.mul_(scale.min());
                        }
                        else
                        {
                            grad.mul_(scale);
                        }
                    }
                }

                scales.Clear();
                return new ClipOutcome(double.PositiveInfinity, clipped ? prepared[0] : norm, clipped);
            }
        }
    }
}

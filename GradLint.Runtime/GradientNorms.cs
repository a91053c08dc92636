using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GradLint
{
    /// <summary>Gradient norms computed on the gradients' own device, with no host synchronisation.</summary>
    public static class GradientNorms
    {
        /// <summary>
        /// The total norm of all parameter gradients taken together, as a 0-dim float32/float64
        /// tensor on the gradients' device — the number <c>torch.nn.utils.clip_grad_norm_</c>
        /// returns, without its host read. Parameters without a gradient are skipped; when none
        /// has one the result is 0 on the CPU. Any NaN or ±Inf in a gradient makes it non-finite.
        /// The caller owns the returned tensor.
        /// </summary>
        /// <param name="parameters">The parameters whose <c>grad</c> to measure.</param>
        /// <param name="normType">The p of the p-norm, &gt; 0; <see cref="double.PositiveInfinity"/> for the max-norm.</param>
        public static Tensor TotalNorm(IEnumerable<Parameter> parameters, double normType = 2.0)
        {
            if (parameters is null)
            {
                throw new ArgumentNullException(nameof(parameters), "Pass the parameters to measure, e.g. model.parameters().");
            }

            if (!(normType > 0))
            {
                throw new ArgumentOutOfRangeException(nameof(normType), normType, "normType must be > 0 (2 for the Euclidean norm, double.PositiveInfinity for the max-norm).");
            }

            using var scope = NewDisposeScope();
            var norms = new List<Tensor>();
            foreach (var parameter in parameters)
            {
                var grad = parameter.grad;
                if (grad is null)
                {
                    continue;
                }

                norms.Add(linalg.vector_norm(grad, normType));
            }

            if (norms.Count == 0)
            {
                return zeros(Array.Empty<long>()).MoveToOuterDisposeScope();
            }

            // Every per-parameter norm lives on its gradient's device; stacking needs one device.
            var device = norms[0].device;
            var stacked = stack(norms.Select(n => n.device == device ? n : n.to(device)));
            return linalg.vector_norm(stacked, normType).MoveToOuterDisposeScope();
        }
    }
}

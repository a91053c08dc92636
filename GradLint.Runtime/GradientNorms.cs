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
        // Half-precision gradients are upcast to float32 in slices of this many elements, so a norm
        // never overflows (fp16 tops out at 65,504) and never needs a full-size float32 copy.
        private const long UpcastChunk = 1 << 20;

        /// <summary>
        /// The total norm of all parameter gradients taken together, as a 0-dim tensor on the
        /// gradients' device — the number <c>torch.nn.utils.clip_grad_norm_</c> returns, without its
        /// host read. Accumulated in float32 (float64 when any gradient is float64), so fp16 and bf16
        /// gradients whose squares overflow their own type still give a finite norm. Sparse gradients
        /// (<c>nn.Embedding(sparse: true)</c>) count their stored values. Parameters without a gradient
        /// are skipped; when none has one the result is a float32 0 on the CPU. Any NaN or ±Inf in a
        /// gradient makes it non-finite. The caller owns the returned tensor.
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
            var grads = new List<Tensor>();
            foreach (var parameter in parameters)
            {
                var grad = parameter.grad;   // a new alias, owned by the scope
                if (grad is not null)
                {
                    grads.Add(grad);
                }
            }

            if (grads.Count == 0)
            {
                return zeros(Array.Empty<long>()).MoveToOuterDisposeScope();
            }

            using var noGrad = no_grad();
            return linalg.vector_norm(PerTensor(grads, normType), normType).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// One norm per tensor, stacked into a 1-D tensor on the first tensor's device, float32 (float64
        /// when any tensor is float64). Temporaries belong to the caller's dispose scope.
        /// </summary>
        internal static Tensor PerTensor(IReadOnlyList<Tensor> tensors, double normType = 2.0)
        {
            var accumulate = AccumulationType(tensors);
            var device = tensors[0].device;
            return stack(tensors.Select(t => OnDevice(Of(t, accumulate, normType), device)));
        }

        /// <summary>float64 when any tensor is float64, else float32.</summary>
        internal static ScalarType AccumulationType(IEnumerable<Tensor> tensors) =>
            tensors.Any(t => t.dtype == ScalarType.Float64) ? ScalarType.Float64 : ScalarType.Float32;

        /// <summary>The p-norm of one tensor (dense or sparse) as a 0-dim tensor of <paramref name="accumulate"/>.</summary>
        internal static Tensor Of(Tensor t, ScalarType accumulate, double normType = 2.0)
        {
            if (t.is_sparse)
            {
                // linalg.vector_norm has no sparse kernel. The values of an uncoalesced sparse tensor may
                // repeat an index; densifying sums them, as the gradient means.
                t = t.to_dense();
            }

            if (t.dtype == ScalarType.Float16 || t.dtype == ScalarType.BFloat16)
            {
                var flat = t.reshape(-1);
                if (flat.numel() <= UpcastChunk)
                {
                    return linalg.vector_norm(flat.to(accumulate), normType);
                }

                var parts = flat.split(UpcastChunk).Select(c => linalg.vector_norm(c.to(accumulate), normType)).ToArray();
                return linalg.vector_norm(stack(parts), normType);
            }

            var norm = linalg.vector_norm(t, normType);
            return norm.dtype == accumulate ? norm : norm.to(accumulate);
        }

        /// <summary>
        /// <paramref name="t"/> on <paramref name="device"/>. TorchSharp's <c>Device</c> has no value
        /// equality, so devices are compared by type and index.
        /// </summary>
        internal static Tensor OnDevice(Tensor t, Device device) =>
            SameDevice(t.device, device) ? t : t.to(device);

        internal static bool SameDevice(Device a, Device b) =>
            a.type == b.type && a.index == b.index;
    }
}

using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GradLint.Engine
{
    /// <summary>
    /// One step's gradients: the parameters that have one, their gradients (aliases owned by the
    /// caller's dispose scope) and their names, in the optimizer's order.
    /// </summary>
    internal sealed class GradientBatch
    {
        private GradientBatch(List<Parameter> parameters, List<Tensor> grads, List<string> names)
        {
            Parameters = parameters;
            Grads = grads;
            Names = names;
            Device = grads.Count > 0 ? grads[0].device : CPU;
            Accumulate = GradientNorms.AccumulationType(grads);
        }

        public IReadOnlyList<Parameter> Parameters { get; }
        public IReadOnlyList<Tensor> Grads { get; }
        public IReadOnlyList<string> Names { get; }
        public int Count => Grads.Count;

        /// <summary>Where norms are gathered: the first gradient's device.</summary>
        public Device Device { get; }

        /// <summary>float32, or float64 when any gradient is float64.</summary>
        public ScalarType Accumulate { get; }

        /// <summary>Collects the gradients of <paramref name="parameters"/>; call inside a dispose scope.</summary>
        public static GradientBatch Collect(IReadOnlyList<Parameter> parameters, IReadOnlyList<string> names)
        {
            var withGrad = new List<Parameter>();
            var grads = new List<Tensor>();
            var gradNames = new List<string>();
            for (int i = 0; i < parameters.Count; i++)
            {
                var grad = parameters[i].grad;   // a new alias, owned by the scope
                if (grad is not null)
                {
                    withGrad.Add(parameters[i]);
                    grads.Add(grad);
                    gradNames.Add(names[i]);
                }
            }

            return new GradientBatch(withGrad, grads, gradNames);
        }

        /// <summary>Multiplies every gradient by <paramref name="coefficient"/> in place.</summary>
        public void Scale(double coefficient)
        {
            using var noGrad = no_grad();
            foreach (var g in Grads)
            {
                g.mul_(coefficient);
            }
        }

        /// <summary>Sets every gradient to zero, so that a step the caller runs anyway changes nothing.</summary>
        public void Zero()
        {
            using var noGrad = no_grad();
            foreach (var g in Grads)
            {
                g.zero_();
            }
        }
    }
}

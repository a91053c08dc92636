using System.Collections.Generic;
using static TorchSharp.torch;

namespace GradLint.Engine
{
    /// <summary>Names the parameter or module to blame for a skipped or clipped step (an extra host read, abnormal steps only).</summary>
    internal static class CulpritFinder
    {
        /// <summary>A jump of the output-gradient norm across one module, in backward, that counts as that module amplifying it.</summary>
        internal const double AmplificationRatio = 10;

        /// <summary>The first non-finite entry's name, else the largest's. One host read.</summary>
        public static string Parameter(Tensor perParameterNorms, IReadOnlyList<string> names)
        {
            var norms = ReadNorms(perParameterNorms);
            for (int i = 0; i < norms.Length; i++)
            {
                if (!double.IsFinite(norms[i]))
                {
                    return names[i];
                }
            }

            int largest = 0;
            for (int i = 1; i < norms.Length; i++)
            {
                if (norms[i] > norms[largest]) largest = i;
            }

            return names[largest];
        }

        /// <summary>
        /// The culprit module of a clipped step, with layer probes: the module whose backward pass
        /// multiplied the gradient by <see cref="AmplificationRatio"/> or more (the largest such jump
        /// between neighbouring records), else the module that owns the parameter with the largest
        /// gradient. The second case is the common one for an outlier batch: huge activations make
        /// huge weight gradients while every output gradient stays ordinary, so "the largest output
        /// gradient" would name an innocent layer near the loss.
        /// </summary>
        public static string Module(GradientProbe probe, Tensor perParameterNorms, IReadOnlyList<string> names)
        {
            var layers = probe.LastBackward;
            string? amplifier = null;
            double largestJump = AmplificationRatio;
            for (int i = 0; i + 1 < layers.Count; i++)
            {
                double nearer = layers[i].Norm, further = layers[i + 1].Norm;
                if (nearer > 0 && double.IsFinite(further) && further / nearer >= largestJump)
                {
                    largestJump = further / nearer;
                    amplifier = layers[i].Name;
                }
            }

            return amplifier ?? ModuleOf(Parameter(perParameterNorms, names));
        }

        // "encoder.fc2.weight" -> "encoder.fc2"; a top-level parameter keeps its name.
        private static string ModuleOf(string parameterName) =>
            parameterName.LastIndexOf('.') is var dot and > 0 ? parameterName.Substring(0, dot) : parameterName;

        private static double[] ReadNorms(Tensor norms)
        {
            using var onHost = norms.to(ScalarType.Float64).cpu();   // host read
            return onHost.data<double>().ToArray();
        }
    }
}

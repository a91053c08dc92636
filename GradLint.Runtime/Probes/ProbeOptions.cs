using System;

namespace GradLint
{
    /// <summary>Settings of a <see cref="GradientProbe"/>.</summary>
    public sealed class ProbeOptions
    {
        private double? maxOutputGradNorm;

        /// <summary>
        /// Which submodules to probe, by name and module; null (default): every Tensor → Tensor module.
        /// Each probed output costs one more activation of memory while its graph is alive (TorchSharp's
        /// custom-function machinery keeps an <c>empty_like</c> of every output), so probing only, say,
        /// the modules that own parameters (<c>(name, m) =&gt; m.parameters(recurse: false).Any()</c>)
        /// roughly halves that cost in a network of layers and activations.
        /// </summary>
        public Func<string, TorchSharp.torch.nn.Module, bool>? Include { get; set; }
        private double explodingRatio = 70;
        private double vanishingRatio = 1e-3;

        /// <summary>
        /// Null (default): observe only. Otherwise an output gradient whose L2 norm exceeds this is
        /// rescaled to it on the device before it flows into earlier layers (non-finite entries
        /// become 0). Must be a finite number &gt; 0.
        /// </summary>
        public double? MaxOutputGradNorm
        {
            get => maxOutputGradNorm;
            set => maxOutputGradNorm = value is null || (value > 0 && !double.IsInfinity(value.Value))
                ? value
                : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxOutputGradNorm must be a finite number > 0, or null to observe only.");
        }

        /// <summary>
        /// <see cref="GradientHealth.Exploding"/> when the output-gradient norm furthest from the loss
        /// is more than this many times the one nearest to it. Default 70 (the threshold AUTOTRAINER
        /// uses for exploding gradients); must be &gt; 1.
        /// </summary>
        public double ExplodingRatio
        {
            get => explodingRatio;
            set => explodingRatio = value > 1 && !double.IsInfinity(value)
                ? value
                : throw new ArgumentOutOfRangeException(nameof(value), value, "ExplodingRatio must be a finite number > 1.");
        }

        /// <summary>
        /// <see cref="GradientHealth.Vanishing"/> when the norm furthest from the loss is less than this
        /// fraction of the one nearest to it. Default 1e-3; must be in (0, 1).
        /// </summary>
        public double VanishingRatio
        {
            get => vanishingRatio;
            set => vanishingRatio = value > 0 && value < 1
                ? value
                : throw new ArgumentOutOfRangeException(nameof(value), value, "VanishingRatio must be in (0, 1).");
        }
    }

    /// <summary>How gradients change across depth in the last backward pass.</summary>
    public enum GradientHealth
    {
        /// <summary>No backward pass has been observed yet.</summary>
        Unknown,

        /// <summary>The ratio of the furthest to the nearest output-gradient norm is within the thresholds.</summary>
        Healthy,

        /// <summary>Gradients grow towards the input beyond <see cref="ProbeOptions.ExplodingRatio"/>.</summary>
        Exploding,

        /// <summary>Gradients shrink towards the input below <see cref="ProbeOptions.VanishingRatio"/>.</summary>
        Vanishing,

        /// <summary>Some output gradient was NaN or ±Inf.</summary>
        NonFinite,
    }

    /// <summary>The gradient with respect to one module's output in one backward pass.</summary>
    /// <param name="Name">The module's path as in <c>named_modules()</c>.</param>
    /// <param name="Norm">L2 norm of the gradient w.r.t. that module's output (before any rescaling).</param>
    /// <param name="IsFinite">False when the gradient held NaN or ±Inf.</param>
    /// <param name="Rescaled">True when <see cref="ProbeOptions.MaxOutputGradNorm"/> rescaled it.</param>
    /// <param name="Call">0 for the module's first call in the forward pass, 1 for a second call of a reused module, ….</param>
    public sealed record LayerGradient(string Name, double Norm, bool IsFinite, bool Rescaled, int Call);
}

using System.Collections.Generic;
using static TorchSharp.torch;

namespace GradLint.Probes
{
    /// <summary>
    /// Identity in the forward pass; in the backward pass it sees the gradient w.r.t. the wrapped
    /// module output, records its norm (as a device tensor — no host sync) and, when asked, rescales it
    /// before it flows on into earlier layers. TorchSharp has no backward hooks (issues #1483, #1059);
    /// a custom autograd function inserted by a forward hook is how to get one.
    /// </summary>
    internal sealed class ProbeFunction : autograd.SingleTensorFunction<ProbeFunction>
    {
        private const string SlotKey = "gradlint.slot";

        public override string Name => "GradLintProbe";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data(SlotKey, vars[1]);
            return ((Tensor)vars[0]).alias();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
        {
            var slot = (ProbeSlot)ctx.get_data(SlotKey);
            return new List<Tensor> { slot.Probe.OnBackward(slot, grad), null! };
        }
    }

    /// <summary>Which module call a probe function belongs to.</summary>
    internal sealed class ProbeSlot
    {
        public ProbeSlot(GradientProbe probe, string name, int call, long generation)
        {
            Probe = probe;
            Name = name;
            Call = call;
            Generation = generation;
        }

        public GradientProbe Probe { get; }
        public string Name { get; }
        public int Call { get; }
        public long Generation { get; }
    }
}

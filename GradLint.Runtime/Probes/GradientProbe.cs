using System;
using System.Collections.Generic;
using System.Linq;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using GradLint.Probes;
using TorchSharp;
using static TorchSharp.torch;

namespace GradLint
{
    /// <summary>
    /// Hooks a model's backward pass at every submodule: the gradient with respect to each module's
    /// output is measured (and optionally rescaled) on the device as it flows back, so you can see
    /// where gradients explode, vanish or turn NaN. Norms stay on the device during backward and are
    /// read once, lazily, when a report is asked for. Only modules called through <c>call(x)</c> with a
    /// Tensor → Tensor signature can be observed; <see cref="Unobserved"/> lists the rest.
    /// <see cref="Dispose"/> removes every hook.
    /// </summary>
    public sealed class GradientProbe : IDisposable
    {
        private static readonly ConditionalWeakTable<nn.Module, GradientProbe> Attached = new ConditionalWeakTable<nn.Module, GradientProbe>();
        private static readonly ConcurrentDictionary<Type, PropertyInfo?> InPlaceProperty = new ConcurrentDictionary<Type, PropertyInfo?>();

        private readonly nn.Module model;
        private readonly ProbeOptions options;
        private readonly List<Action> removeHooks = new List<Action>();
        private readonly List<string> moduleNames = new List<string>();
        private readonly Dictionary<string, int> callsThisForward = new Dictionary<string, int>();
        private readonly List<Record> records = new List<Record>();

        // The tensors this probe handed out in forward passes (weakly held): an in-place module about to
        // modify one of them gets a copy instead, since autograd forbids in-place changes of a view made
        // inside a custom Function.
        private readonly ConditionalWeakTable<Tensor, object> probeOutputs = new ConditionalWeakTable<Tensor, object>();

        // Gradients handed back to autograd by OnBackward, with the thread that handed them back. Autograd
        // copies a returned gradient before that thread runs another node, so each is released at the next
        // OnBackward on the same thread (else at the next forward pass or Dispose) — never left to the
        // finalizer, which on a backward thread with no dispose scope (CUDA) would pin the memory.
        private readonly List<(Tensor Gradient, int Thread)> returned = new List<(Tensor, int)>();
        private readonly object gate = new object();
        private long generation;
        private long recordsGeneration = -1;
        private bool lastWasBackward;
        private IReadOnlyList<LayerGradient>? snapshot;
        private bool disposed;

        private GradientProbe(nn.Module model, ProbeOptions options)
        {
            this.model = model;
            this.options = options;
            foreach (var (name, module) in model.named_modules())
            {
                moduleNames.Add(name);
                if (module is nn.Module<Tensor, Tensor> typed)
                {
                    var moduleName = name;
                    if (InPlaceFlag(typed) is PropertyInfo inPlace)
                    {
                        var pre = typed.register_forward_pre_hook((m, input) => CopyIfInPlaceOnProbeOutput(m, inPlace, input));
                        removeHooks.Add(pre.remove);
                    }

                    if (options.Include?.Invoke(name, module) ?? true)
                    {
                        var hook = typed.register_forward_hook((_, _, output) => OnForward(moduleName, output));
                        removeHooks.Add(hook.remove);
                    }
                }
            }
        }

        /// <summary>Attaches a probe to every submodule of <paramref name="model"/>.</summary>
        /// <exception cref="InvalidOperationException">A probe is already attached to this model.</exception>
        public static GradientProbe Attach(nn.Module model, ProbeOptions? options = null)
        {
            if (model is null)
            {
                throw new ArgumentNullException(nameof(model), "Pass the model whose submodules to probe.");
            }

            lock (Attached)
            {
                if (Attached.TryGetValue(model, out _))
                {
                    throw new InvalidOperationException("A GradientProbe is already attached to this model; dispose it before attaching another.");
                }

                var probe = new GradientProbe(model, options ?? new ProbeOptions());
                Attached.Add(model, probe);
                return probe;
            }
        }

        /// <summary>The output gradients of the last backward pass, in backward order (nearest the loss first).</summary>
        public IReadOnlyList<LayerGradient> LastBackward
        {
            get
            {
                lock (gate)
                {
                    return snapshot ??= Read();
                }
            }
        }

        /// <summary>
        /// The module whose backward produced the first non-finite gradient of the last backward pass:
        /// the module recorded just before the first non-finite output gradient (in a chain, the layer
        /// whose input gradient it is), or that module itself when the loss's gradient was already
        /// non-finite. Null when every gradient was finite.
        /// </summary>
        public string? FirstNonFinite
        {
            get
            {
                var layers = LastBackward;
                for (int i = 0; i < layers.Count; i++)
                {
                    if (!layers[i].IsFinite)
                    {
                        return i == 0 ? layers[0].Name : layers[i - 1].Name;
                    }
                }

                return null;
            }
        }

        /// <summary>The module with the largest output-gradient norm in the last backward pass, or null.</summary>
        public string? Largest => LastBackward.Count == 0 ? null : LastBackward.OrderByDescending(l => l.Norm).First().Name;

        /// <summary>
        /// Norm of the output gradient furthest from the loss divided by the one nearest to it, in the last
        /// backward pass (NaN when there were fewer than two records).
        /// </summary>
        public double DepthRatio
        {
            get
            {
                var layers = LastBackward;
                return layers.Count < 2 ? double.NaN : layers[layers.Count - 1].Norm / layers[0].Norm;
            }
        }

        /// <summary>Exploding, vanishing or healthy across depth (thresholds in <see cref="ProbeOptions"/>).</summary>
        public GradientHealth Health
        {
            get
            {
                var layers = LastBackward;
                if (layers.Count == 0) return GradientHealth.Unknown;
                if (layers.Any(l => !l.IsFinite)) return GradientHealth.NonFinite;
                var ratio = DepthRatio;
                if (ratio > options.ExplodingRatio) return GradientHealth.Exploding;
                if (ratio < options.VanishingRatio) return GradientHealth.Vanishing;
                return GradientHealth.Healthy;
            }
        }

        /// <summary>
        /// Submodules that produced no record in the last backward pass: not Tensor → Tensor modules,
        /// modules run through <c>forward(x)</c> instead of <c>call(x)</c> (hooks only run through call),
        /// and modules the pass did not use.
        /// </summary>
        public IReadOnlyList<string> Unobserved
        {
            get
            {
                var seen = new HashSet<string>(LastBackward.Select(l => l.Name));
                return moduleNames.Where(n => !seen.Contains(n)).ToList();
            }
        }

        // Modules such as ReLU(inplace: true) and Dropout(inplace: true) carry a public bool `inplace`.
        private static PropertyInfo? InPlaceFlag(nn.Module module) =>
            InPlaceProperty.GetOrAdd(module.GetType(), type =>
            {
                var property = type.GetProperty("inplace", BindingFlags.Public | BindingFlags.Instance);
                return property is { PropertyType: var t, CanRead: true } && t == typeof(bool) ? property : null;
            });

        private Tensor CopyIfInPlaceOnProbeOutput(nn.Module module, PropertyInfo inPlace, Tensor input)
        {
            if (disposed || !(bool)inPlace.GetValue(module)! || !probeOutputs.TryGetValue(input, out _))
            {
                return input;
            }

            return input.clone();   // one copy, only where an in-place module meets a probe output
        }

        private Tensor OnForward(string name, Tensor output)
        {
            if (disposed || !output.requires_grad)
            {
                return output;
            }

            long current;
            int call;
            lock (gate)
            {
                if (lastWasBackward)
                {
                    generation++;
                    lastWasBackward = false;
                    callsThisForward.Clear();
                    ReleaseReturned(null);   // the previous backward pass is over
                }

                current = generation;
                callsThisForward.TryGetValue(name, out call);
                callsThisForward[name] = call + 1;
            }

            var probed = ProbeFunction.apply(output, new ProbeSlot(this, name, call, current));
            probeOutputs.AddOrUpdate(probed, name);
            return probed;
        }

        internal Tensor OnBackward(ProbeSlot slot, Tensor grad)
        {
            if (disposed)
            {
                return grad;   // a graph built before Dispose(): pass through, record and rescale nothing
            }

            ReleaseReturned(Environment.CurrentManagedThreadId);

            // Tensors kept across the step are detached from the caller's dispose scope and owned here.
            Tensor norm, rescaled;
            Tensor result = grad;
            using (var scope = NewDisposeScope())
            {
                var n = linalg.vector_norm(grad, 2, null, false).to(ScalarType.Float32);
                if (options.MaxOutputGradNorm is double max)
                {
                    // Non-finite entries become 0 and the rest is scaled by the norm of the finite
                    // entries: one NaN must not turn every entry into NaN (its norm is NaN).
                    var finite = isfinite(grad);
                    var clean = where(finite, grad, zeros_like(grad));
                    var cleanNorm = linalg.vector_norm(clean.to(ScalarType.Float32), 2, null, false);
                    var scale = (max / (cleanNorm + 1e-6)).clamp_max(1.0).to(grad.dtype);
                    result = (clean * scale).DetachFromDisposeScope();
                    rescaled = ((cleanNorm > max) | finite.logical_not().any()).to(ScalarType.Float32).DetachFromDisposeScope();
                }
                else
                {
                    rescaled = zeros(Array.Empty<long>(), device: n.device).DetachFromDisposeScope();
                }

                norm = n.DetachFromDisposeScope();
            }

            lock (gate)
            {
                if (slot.Generation != recordsGeneration)
                {
                    ClearRecords();
                    recordsGeneration = slot.Generation;
                }

                records.Add(new Record(slot.Name, slot.Call, norm, rescaled));
                snapshot = null;
                lastWasBackward = true;
                returned.Add((result, Environment.CurrentManagedThreadId));
            }

            if (!ReferenceEquals(result, grad))
            {
                grad.Dispose();   // TorchSharp's wrapper of the incoming gradient; we hand back another
            }

            return result;
        }

        private void ReleaseReturned(int? thread)
        {
            lock (gate)
            {
                for (int i = returned.Count - 1; i >= 0; i--)
                {
                    if (thread is null || returned[i].Thread == thread)
                    {
                        returned[i].Gradient.Dispose();
                        returned.RemoveAt(i);
                    }
                }
            }
        }

        // One host read for the whole backward pass: norms and rescale flags stacked together.
        private IReadOnlyList<LayerGradient> Read()
        {
            if (records.Count == 0)
            {
                return Array.Empty<LayerGradient>();
            }

            float[] values;
            using (var scope = NewDisposeScope())
            {
                var device = records[0].Norm.device;
                var norms = stack(records.Select(r => r.Norm.to(device)));
                var flags = stack(records.Select(r => r.Rescaled.to(device)));
                values = stack(new[] { norms, flags }).cpu().data<float>().ToArray();   // host read (1 per report)
            }

            var n = records.Count;
            return records.Select((r, i) => new LayerGradient(r.Name, values[i], float.IsFinite(values[i]), values[n + i] != 0, r.Call)).ToList();
        }

        private void ClearRecords()
        {
            foreach (var r in records)
            {
                r.Norm.Dispose();
                r.Rescaled.Dispose();
            }

            records.Clear();
            snapshot = null;
        }

        /// <summary>Removes every hook and releases the recorded norms; the model then behaves and costs exactly as before.</summary>
        public void Dispose()
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            foreach (var remove in removeHooks)
            {
                remove();
            }

            removeHooks.Clear();
            lock (gate)
            {
                ClearRecords();
            }

            ReleaseReturned(null);
            lock (Attached)
            {
                Attached.Remove(model);
            }
        }

        private sealed class Record
        {
            public Record(string name, int call, Tensor norm, Tensor rescaled)
            {
                Name = name;
                Call = call;
                Norm = norm;
                Rescaled = rescaled;
            }

            public string Name { get; }
            public int Call { get; }
            public Tensor Norm { get; }
            public Tensor Rescaled { get; }
        }
    }
}

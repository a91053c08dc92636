using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GradLint.Policies;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GradLint
{
    /// <summary>
    /// A drop-in replacement for a TorchSharp optimizer that guards every <see cref="step"/>: it
    /// measures the total gradient norm on the gradients' own device (one host read per step),
    /// skips steps whose gradients hold NaN/±Inf (zeroing them, leaving the optimizer's state as it
    /// was), clips by its <see cref="ClippingPolicy"/>, and reports what it did. <c>zero_grad</c>,
    /// <c>parameters</c> and <c>ParamGroups</c> forward to <see cref="Inner"/>, so LR schedulers work
    /// on it as on the inner optimizer. Create it with
    /// <see cref="GradientGuardExtensions.WithGradientGuard"/>. Disposing it disposes the inner optimizer.
    /// </summary>
    public sealed class GuardedOptimizer : optim.Optimizer, optim.IMomentum, optim.IBetas
    {
        private const int StateFormatVersion = 1;
        private const double ClipEpsilon = 1e-6;   // as clip_grad_norm_: coef = limit / (norm + 1e-6)

        private readonly GuardOptions options;
        private readonly PolicyState policy;
        private readonly Dictionary<IntPtr, string> parameterNames = new Dictionary<IntPtr, string>();
        private readonly HashSet<string> culpritsInSkipRun = new HashSet<string>();
        private long steps, clippedSteps, skippedSteps, nonFiniteSteps;
        private int consecutiveSkips;
        private GuardStepReport? lastReport;
        private bool disposed;
        private readonly GradientProbe? probe;

        internal GuardedOptimizer(optim.Optimizer inner, GuardOptions options, nn.Module? model)
            : base(IntPtr.Zero)
        {
            Inner = inner;
            this.options = options;
            policy = options.Clipping.CreateState();
            if (model is not null)
            {
                foreach (var (name, parameter) in model.named_parameters())
                {
                    parameterNames[parameter.Handle] = name;
                }

                if (options.ProbeLayers)
                {
                    probe = GradientProbe.Attach(model);
                }
            }
        }

        /// <summary>The layer probe this guard attached (<see cref="GuardOptions.ProbeLayers"/>), or null.</summary>
        public GradientProbe? Probe => probe;

        /// <summary>The optimizer that performs the updates.</summary>
        public optim.Optimizer Inner { get; }

        /// <summary>What the last <see cref="step"/> did; null before the first.</summary>
        public GuardStepReport? LastReport => lastReport;

        /// <summary>Totals so far.</summary>
        public GuardStatistics Statistics => new GuardStatistics(steps, clippedSteps, skippedSteps, nonFiniteSteps);

        /// <summary>
        /// Raised during <see cref="step"/> whenever the guard clips or skips, with that step's report
        /// (its <see cref="GuardStepReport.ToString"/> is one log line). Handlers run before the inner step.
        /// </summary>
        public event EventHandler<GuardStepReport>? Intervention;

        /// <inheritdoc />
        public override IEnumerable<optim.ILearningRateController> ParamGroups => Inner.ParamGroups;

        /// <inheritdoc />
        public override IEnumerable<Parameter> parameters() => Inner.parameters();

        /// <inheritdoc />
        public override void zero_grad() => Inner.zero_grad();

        /// <inheritdoc />
        public override void add_param_group(ParamGroup param_group) => Inner.add_param_group(param_group);

        /// <summary>Forwards to the inner optimizer's momentum (SGD, RMSprop, …), for LR schedulers that cycle it.</summary>
        public double Momentum
        {
            get => Inner is optim.IMomentum m ? m.Momentum : throw NoSuch("momentum", "IMomentum");
            set
            {
                if (Inner is optim.IMomentum m) m.Momentum = value;
                else throw NoSuch("momentum", "IMomentum");
            }
        }

        /// <summary>Forwards to the inner optimizer's betas (Adam, AdamW, …), for LR schedulers that cycle them.</summary>
        public (double, double) Betas
        {
            get => Inner is optim.IBetas b ? b.Betas : throw NoSuch("betas", "IBetas");
            set
            {
                if (Inner is optim.IBetas b) b.Betas = value;
                else throw NoSuch("betas", "IBetas");
            }
        }

        private NotSupportedException NoSuch(string what, string iface) =>
            new NotSupportedException($"The inner optimizer ({Inner.GetType().Name}) has no {what} ({iface}); choose a scheduler setting that does not cycle it.");

        /// <summary>
        /// Guards the gradients, then runs the inner optimizer's step unless they were non-finite.
        /// With a closure (LBFGS), every evaluation of the closure is guarded: its gradients are
        /// clipped, or zeroed when non-finite (the optimizer then sees no descent direction and stops).
        /// Returns what the inner step returns, or null for a skipped step.
        /// </summary>
        public override Tensor step(Func<Tensor>? closure = null)
        {
            ThrowIfDisposed();
            if (closure is null)
            {
                var report = Guard();
                return report.StepSkipped ? null! : Inner.step();
            }

            return Inner.step(() =>
            {
                var loss = closure();
                Guard();
                return loss;
            });
        }

        private GuardStepReport Guard()
        {
            steps++;
            using var scope = NewDisposeScope();
            var grads = new List<Tensor>();
            var withGrad = new List<Parameter>();
            var names = new List<string>();
            int index = 0;
            foreach (var parameter in Inner.parameters())
            {
                var grad = parameter.grad;   // a new alias, owned by the scope
                if (grad is not null)
                {
                    grads.Add(grad);
                    withGrad.Add(parameter);
                    names.Add(parameterNames.TryGetValue(parameter.Handle, out var name) ? name : $"parameters[{index}]");
                }

                index++;
            }

            if (grads.Count == 0)
            {
                return Publish(new GuardStepReport(steps, 0, 0, double.PositiveInfinity, GuardIntervention.None, null));
            }

            double normBefore, normAfter, limit = double.PositiveInfinity;
            bool clipped;
            Tensor perParameter;
            using (no_grad())
            {
                perParameter = PerParameterNorms(grads);
                if (policy.IsUnitWise)
                {
                    // AGC runs on the device; before, after and "clipped any" come back in one read.
                    var agc = (UnitWisePolicy)options.Clipping;
                    var anyClipped = stack(withGrad.Zip(grads, (p, g) => agc.ClipInPlace(p, g))).any();
                    var after = linalg.vector_norm(PerParameterNorms(grads), 2, null, false);
                    var packed = stack(new[] { linalg.vector_norm(perParameter, 2, null, false), after, anyClipped.to(ScalarType.Float32) }).cpu();
                    var values = packed.data<float>().ToArray();   // host read (1 of 1)
                    normBefore = values[0];
                    normAfter = values[1];
                    clipped = values[2] != 0 && double.IsFinite(normBefore);
                }
                else
                {
                    normBefore = linalg.vector_norm(perParameter, 2, null, false).item<float>();   // host read (1 of 1)
                    normAfter = normBefore;
                    clipped = false;
                    if (double.IsFinite(normBefore))
                    {
                        limit = policy.ObserveAndLimit(normBefore);
                        if (normBefore > limit)
                        {
                            var coefficient = limit / (normBefore + ClipEpsilon);
                            foreach (var g in grads)
                            {
                                g.mul_(coefficient);
                            }

                            normAfter = normBefore * coefficient;
                            clipped = true;
                        }
                    }
                }
            }

            if (!double.IsFinite(normBefore))
            {
                return NonFinite(normBefore, perParameter, names, grads);
            }

            consecutiveSkips = 0;
            culpritsInSkipRun.Clear();
            if (!clipped)
            {
                return Publish(new GuardStepReport(steps, normBefore, normAfter, limit, GuardIntervention.None, null));
            }

            clippedSteps++;
            var kept = perParameter.detach().DetachFromDisposeScope();
            var activeProbe = probe;
            return Publish(new GuardStepReport(
                steps, normBefore, normAfter, limit, GuardIntervention.Clipped, null,
                activeProbe is null ? () => FindCulprit(kept, names) : () => ProbeCulprit(activeProbe, kept, names),
                kept.Dispose));
        }

        private GuardStepReport NonFinite(double normBefore, Tensor perParameter, List<string> names, List<Tensor> grads)
        {
            nonFiniteSteps++;
            // Extra host read, only on this abnormal path. With layer probes: the module whose
            // backward first produced a non-finite gradient; else the first non-finite parameter.
            var culprit = probe?.FirstNonFinite ?? FindCulprit(perParameter, names);
            if (options.OnNonFinite == NonFiniteAction.Throw)
            {
                throw new GradientExplosionException(
                    $"Step {steps}: the gradient of '{culprit}' is not finite (total norm {normBefore}). Nothing was changed; lower the learning rate, guard the loss (log/exp/sqrt/division), or use NonFiniteAction.SkipStep.",
                    steps,
                    new[] { culprit! });
            }

            using (no_grad())
            {
                foreach (var g in grads)
                {
                    g.zero_();
                }
            }

            skippedSteps++;
            consecutiveSkips++;
            culpritsInSkipRun.Add(culprit!);
            var report = Publish(new GuardStepReport(steps, normBefore, 0, double.NaN, GuardIntervention.Skipped, culprit));
            if (consecutiveSkips >= options.MaxConsecutiveSkips)
            {
                var culprits = culpritsInSkipRun.ToList();
                throw new GradientExplosionException(
                    $"Step {steps}: {consecutiveSkips} steps in a row had non-finite gradients (in {string.Join(", ", culprits)}); training is not recovering. Lower the learning rate or fix the loss; MaxConsecutiveSkips is {options.MaxConsecutiveSkips}.",
                    steps,
                    culprits);
            }

            return report;
        }

        private GuardStepReport Publish(GuardStepReport report)
        {
            lastReport?.Release();
            lastReport = report;
            if (report.Intervention != GuardIntervention.None)
            {
                Intervention?.Invoke(this, report);
            }

            return report;
        }

        // One float32 norm per gradient, stacked on the first gradient's device.
        private static Tensor PerParameterNorms(List<Tensor> grads)
        {
            var device = grads[0].device;
            return stack(grads.Select(g =>
            {
                var n = linalg.vector_norm(g, 2, null, false).to(ScalarType.Float32);
                return n.device == device ? n : n.to(device);
            }));
        }

        /// <summary>The first non-finite entry's name, else the largest's. One host read.</summary>
        /// <summary>A jump of the output-gradient norm across one module, in backward, that counts as that module amplifying it.</summary>
        internal const double AmplificationRatio = 10;

        /// <summary>
        /// The culprit module of a clipped step, with layer probes: the module whose backward pass
        /// multiplied the gradient by <see cref="AmplificationRatio"/> or more (the largest such jump
        /// between neighbouring records), else the module that owns the parameter with the largest
        /// gradient. The second case is the common one for an outlier batch: huge activations make
        /// huge weight gradients while every output gradient stays ordinary, so "the largest output
        /// gradient" would name an innocent layer near the loss.
        /// </summary>
        internal static string ProbeCulprit(GradientProbe probe, Tensor perParameterNorms, IReadOnlyList<string> names)
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

            return amplifier ?? ModuleOf(FindCulprit(perParameterNorms, names));
        }

        // "encoder.fc2.weight" -> "encoder.fc2"; a top-level parameter keeps its name.
        private static string ModuleOf(string parameterName) =>
            parameterName.LastIndexOf('.') is var dot and > 0 ? parameterName.Substring(0, dot) : parameterName;

        internal static string FindCulprit(Tensor perParameterNorms, IReadOnlyList<string> names)
        {
            var norms = perParameterNorms.cpu().data<float>().ToArray();
            for (int i = 0; i < norms.Length; i++)
            {
                if (!float.IsFinite(norms[i]))
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

        // ---- State ---------------------------------------------------------------------------

        /// <summary>
        /// The inner optimizer's state (when it is a managed optimizer, as all built-ins but LBFGS are)
        /// and the guard's own: statistics, step count, the policy's running averages or history.
        /// </summary>
        public GuardedStateDictionary state_dict()
        {
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer))
            {
                SaveGuardState(writer);
            }

            return new GuardedStateDictionary((Inner as OptimizerHelper)?.state_dict(), buffer.ToArray());
        }

        /// <summary>Restores what <see cref="state_dict"/> returned (same model, policy and optimizer type).</summary>
        public void load_state_dict(GuardedStateDictionary stateDictionary)
        {
            if (stateDictionary is null)
            {
                throw new ArgumentNullException(nameof(stateDictionary), "Pass what state_dict() returned.");
            }

            if (stateDictionary.Inner is not null)
            {
                var helper = Inner as OptimizerHelper
                    ?? throw new ArgumentException($"The state holds optimizer state, but the inner optimizer ({Inner.GetType().Name}) cannot load it.", nameof(stateDictionary));
                helper.load_state_dict(stateDictionary.Inner);
            }

            using var reader = new BinaryReader(new MemoryStream(stateDictionary.Guard));
            LoadGuardState(reader);
        }

        /// <summary>Writes the inner optimizer's state (as <c>OptimizerHelper.save_state_dict</c>) followed by the guard's.</summary>
        public void save_state_dict(BinaryWriter writer)
        {
            if (writer is null) throw new ArgumentNullException(nameof(writer), "Pass a writer over the checkpoint stream.");
            writer.Write(Inner is OptimizerHelper);
            (Inner as OptimizerHelper)?.save_state_dict(writer);
            SaveGuardState(writer);
        }

        /// <summary>Reads what <see cref="save_state_dict(BinaryWriter)"/> wrote.</summary>
        public void load_state_dict(BinaryReader reader)
        {
            if (reader is null) throw new ArgumentNullException(nameof(reader), "Pass a reader over the checkpoint stream.");
            if (reader.ReadBoolean())
            {
                var helper = Inner as OptimizerHelper
                    ?? throw new InvalidDataException($"The checkpoint holds optimizer state, but the inner optimizer ({Inner.GetType().Name}) cannot load it.");
                helper.load_state_dict(reader);
            }

            LoadGuardState(reader);
        }

        private void SaveGuardState(BinaryWriter writer)
        {
            writer.Write(StateFormatVersion);
            writer.Write(options.Clipping.GetType().Name);
            writer.Write(steps);
            writer.Write(clippedSteps);
            writer.Write(skippedSteps);
            writer.Write(nonFiniteSteps);
            writer.Write(consecutiveSkips);
            policy.Save(writer);
        }

        private void LoadGuardState(BinaryReader reader)
        {
            var version = reader.ReadInt32();
            if (version != StateFormatVersion)
            {
                throw new InvalidDataException($"Unknown guard state version {version}; this GradLint reads version {StateFormatVersion}.");
            }

            var policyName = reader.ReadString();
            if (policyName != options.Clipping.GetType().Name)
            {
                throw new InvalidDataException($"The saved guard used {policyName}, this one uses {options.Clipping.GetType().Name}; load it into a guard with the same clipping policy.");
            }

            steps = reader.ReadInt64();
            clippedSteps = reader.ReadInt64();
            skippedSteps = reader.ReadInt64();
            nonFiniteSteps = reader.ReadInt64();
            consecutiveSkips = reader.ReadInt32();
            policy.Load(reader);
        }

        private void ThrowIfDisposed()
        {
            if (disposed) throw new ObjectDisposedException(nameof(GuardedOptimizer));
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (!disposed && disposing)
            {
                lastReport?.Release();
                probe?.Dispose();
                Inner.Dispose();
            }

            disposed = true;
            base.Dispose(disposing);
        }
    }

    /// <summary>What <see cref="GuardedOptimizer.state_dict"/> returns: the inner optimizer's state and the guard's.</summary>
    public sealed class GuardedStateDictionary
    {
        internal GuardedStateDictionary(optim.Optimizer.StateDictionary? inner, byte[] guard)
        {
            Inner = inner;
            Guard = guard;
        }

        /// <summary>The inner optimizer's state; null when it is not a managed optimizer (LBFGS).</summary>
        public optim.Optimizer.StateDictionary? Inner { get; }

        /// <summary>The guard's own state, serialised.</summary>
        public byte[] Guard { get; }
    }

    /// <summary>Wraps a TorchSharp optimizer in a <see cref="GuardedOptimizer"/>.</summary>
    public static class GradientGuardExtensions
    {
        /// <summary>
        /// Guards every step of <paramref name="optimizer"/>: skip on NaN/Inf, clip by policy, report.
        /// Use the returned optimizer exactly as before (zero_grad, backward, step).
        /// </summary>
        /// <param name="optimizer">The optimizer to guard; the guard takes ownership (disposes it).</param>
        /// <param name="options">Policy and behaviour; default: <see cref="ClippingPolicy.ZScore"/>, skip non-finite steps.</param>
        /// <param name="model">Optional: supplies parameter names for reports (<c>named_parameters()</c>).</param>
        public static GuardedOptimizer WithGradientGuard(this optim.Optimizer optimizer, GuardOptions? options = null, nn.Module? model = null)
        {
            if (optimizer is null)
            {
                throw new ArgumentNullException(nameof(optimizer), "Pass the optimizer to guard, e.g. torch.optim.Adam(model.parameters()).WithGradientGuard().");
            }

            if (optimizer is GuardedOptimizer)
            {
                throw new InvalidOperationException("This optimizer is already guarded; wrap the inner optimizer once and change the GuardOptions instead.");
            }

            if (options?.ProbeLayers == true && model is null)
            {
                throw new ArgumentException("GuardOptions.ProbeLayers needs the model: pass it as WithGradientGuard(options, model).", nameof(model));
            }

            return new GuardedOptimizer(optimizer, options ?? new GuardOptions(), model);
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using GradLint.Engine;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GradLint
{
    /// <summary>
    /// A drop-in replacement for a TorchSharp optimizer that guards every <see cref="step(Func{Tensor})"/>:
    /// it measures the total gradient norm on the gradients' own device (one host read per step),
    /// skips steps whose gradients hold NaN/±Inf (zeroing them, leaving the optimizer's state as it
    /// was), clips by its <see cref="ClippingPolicy"/>, repairs divergences from a known-good snapshot
    /// with a learning-rate back-off, and reports what it did. <c>zero_grad</c>, <c>parameters</c> and
    /// <c>ParamGroups</c> forward to <see cref="Inner"/>, so LR schedulers work on it as on the inner
    /// optimizer; it implements <c>IMomentum</c> / <c>IBetas</c> exactly when the inner optimizer does.
    /// Create it with <see cref="GradientGuardExtensions.WithGradientGuard"/>. Disposing it disposes the inner optimizer.
    /// </summary>
    public class GuardedOptimizer : optim.Optimizer
    {
        private readonly GuardEngine engine;
        private bool disposed;

        private protected GuardedOptimizer(optim.Optimizer inner, GuardOptions options, nn.Module? model)
            : base(IntPtr.Zero)
        {
            Inner = inner;
            var probe = options.ProbeLayers && model is not null ? GradientProbe.Attach(model) : null;
            engine = new GuardEngine(inner, options, model, probe);
            engine.Published += OnPublished;
        }

        /// <summary>The layer probe this guard attached (<see cref="GuardOptions.ProbeLayers"/>), or null.</summary>
        public GradientProbe? Probe => engine.Probe;

        /// <summary>The optimizer that performs the updates.</summary>
        public optim.Optimizer Inner { get; }

        /// <summary>What the last <see cref="step(Func{Tensor})"/> did; null before the first.</summary>
        public GuardStepReport? LastReport => engine.LastReport;

        /// <summary>Totals so far.</summary>
        public GuardStatistics Statistics => engine.Statistics;

        /// <summary>
        /// The guard's multiplier on the learning rate (1 until a repair backs it off). It is applied
        /// only while the inner step runs, on top of the rate the scheduler set: <c>ParamGroups</c> show the
        /// scheduled rate, the inner optimizer steps with scheduled × this.
        /// </summary>
        public double LearningRateScale => engine.LearningRateScale;

        /// <summary>The current loss scale (<see cref="GuardOptions.LossScaling"/>); NaN when loss scaling is off.</summary>
        public double LossScale => engine.LossScale;

        /// <summary>
        /// The loss multiplied by the current loss scale, to call <c>backward()</c> on — like PyTorch's
        /// <c>GradScaler.scale(loss)</c>. Returns <paramref name="loss"/> itself when loss scaling is off.
        /// Compute the loss in float32 (e.g. <c>mse_loss(output.to(float32), target)</c>): a float16 loss
        /// times 65,536 overflows. Pass the unscaled loss to <c>step(loss)</c>.
        /// </summary>
        public Tensor ScaleLoss(Tensor loss)
        {
            ThrowIfDisposed();
            if (loss is null) throw new ArgumentNullException(nameof(loss), "Pass this step's loss tensor.");
            return engine.ScaleLoss(loss);
        }

        /// <summary>The step whose snapshot a repair would restore (null with repair off or before the first step).</summary>
        public long? SnapshotStep => engine.SnapshotStep;

        /// <summary>Bytes held by the repair snapshot (weights and buffers where configured, optimizer state on the host).</summary>
        public long SnapshotBytes => engine.SnapshotBytes;

        /// <summary>
        /// Raised during a step whenever the guard clips, skips or repairs, with that step's report (its
        /// <see cref="GuardStepReport.ToString"/> is one log line and reads nothing from the device).
        /// Handlers run before the inner step.
        /// </summary>
        public event EventHandler<GuardStepReport>? Intervention;

        /// <summary>Raised on every step with its report (for sinks such as <see cref="GuardTensorBoard"/>); no extra device read.</summary>
        public event EventHandler<GuardStepReport>? Stepped;

        /// <inheritdoc />
        public override IEnumerable<optim.ILearningRateController> ParamGroups => Inner.ParamGroups;

        /// <inheritdoc />
        public override IEnumerable<Parameter> parameters() => Inner.parameters();

        /// <inheritdoc />
        public override void zero_grad() => Inner.zero_grad();

        /// <inheritdoc />
        public override void add_param_group(ParamGroup param_group) => Inner.add_param_group(param_group);

        /// <summary>
        /// Guards the gradients, then runs the inner optimizer's step unless the guard skipped it.
        /// With a closure, a managed optimizer's closure is run here first (its loss is judged for
        /// spikes), then guarded, then the inner step runs without it; LBFGS, which re-evaluates the
        /// closure, gets a wrapped closure: its first evaluation is the guarded step, later ones are
        /// clipped to the same limit or zeroed when non-finite. Returns the closure's loss, or what the
        /// inner step returns; null when the step was skipped and there was no closure.
        /// </summary>
        public override Tensor? step(Func<Tensor>? closure = null)
        {
            ThrowIfDisposed();
            if (closure is null)
            {
                return engine.Guard(null) == StepDecision.Run ? InnerStep(null) : null;
            }

            if (Inner is OptimizerHelper)
            {
                Tensor loss;
                using (enable_grad())
                {
                    loss = closure();
                }

                if (engine.Guard(loss) == StepDecision.Run)
                {
                    InnerStep(null);
                }

                return loss;
            }

            return StepWithReevaluatingClosure(closure);
        }

        /// <summary>
        /// Like <c>step()</c>, and the loss of this step is judged too: a non-finite loss or a spike far
        /// above its recent values skips the step, and a second spike within 10 steps is repaired. The
        /// loss is read in the same host read as the gradient norm. Returns what the inner step returns,
        /// or null when the step was skipped.
        /// </summary>
        /// <param name="loss">This step's loss (the tensor <c>backward()</c> was called on).</param>
        public Tensor? step(Tensor loss)
        {
            ThrowIfDisposed();
            if (loss is null)
            {
                throw new ArgumentNullException(nameof(loss), "Pass the loss tensor of this step, or call step() without it.");
            }

            return engine.Guard(loss) == StepDecision.Run ? InnerStep(null) : null;
        }

        /// <summary>
        /// The culprit of the last step: for a skipped or repaired step its report's; for a clipped step
        /// the parameter with the largest gradient (with layer probes: the module that amplified the
        /// gradient, else the module owning that parameter) — one extra device read. Null when the last
        /// step needed no intervention.
        /// </summary>
        public string? FindCulprit()
        {
            ThrowIfDisposed();
            return engine.FindCulprit();
        }

        private Tensor? InnerStep(Func<Tensor>? closure)
        {
            using var rate = engine.ApplyLearningRate();
            return Inner.step(closure!);
        }

        // LBFGS calls the closure from inside its native step: nothing may be thrown across that
        // boundary (it aborts the process), so a guard exception is kept and rethrown afterwards.
        private Tensor? StepWithReevaluatingClosure(Func<Tensor> closure)
        {
            ExceptionDispatchInfo? deferred = null;
            var evaluations = 0;
            var result = InnerStep(() =>
            {
                var loss = closure();
                try
                {
                    if (deferred is not null)
                    {
                        ZeroGradients();
                    }
                    else if (evaluations++ == 0)
                    {
                        engine.Guard(loss);   // a skip or repair zeroes the gradients: LBFGS then stops
                    }
                    else
                    {
                        engine.GuardEvaluation();
                    }
                }
                catch (Exception e)
                {
                    deferred = ExceptionDispatchInfo.Capture(e);
                    ZeroGradients();
                }

                return loss;
            });

            deferred?.Throw();
            return result;
        }

        private void ZeroGradients()
        {
            using var noGrad = no_grad();
            foreach (var p in Inner.parameters())
            {
                using var g = p.grad;
                g?.zero_();
            }
        }

        private void OnPublished(GuardStepReport report)
        {
            if (report.Intervention != GuardIntervention.None)
            {
                Intervention?.Invoke(this, report);
            }

            Stepped?.Invoke(this, report);
        }

        // ---- State ---------------------------------------------------------------------------

        /// <summary>
        /// A copy of the inner optimizer's state (when it is a managed optimizer, as all built-ins but
        /// LBFGS are) and of the guard's own: statistics, the policy's statistics and settings, the
        /// divergence monitor and the learning-rate back-off. Both halves are taken at this moment.
        /// </summary>
        public GuardedStateDictionary state_dict()
        {
            ThrowIfDisposed();
            return new GuardedStateDictionary(Inner is OptimizerHelper helper ? StateBytes.Write(writer => helper.save_state_dict(writer)) : null, StateBytes.Write(engine.Save));
        }

        /// <summary>Restores what <see cref="state_dict"/> returned (same model, policy and optimizer type).</summary>
        public void load_state_dict(GuardedStateDictionary stateDictionary)
        {
            ThrowIfDisposed();
            if (stateDictionary is null)
            {
                throw new ArgumentNullException(nameof(stateDictionary), "Pass what state_dict() returned.");
            }

            if (stateDictionary.Inner is not null)
            {
                var helper = Inner as OptimizerHelper
                    ?? throw new ArgumentException($"The state holds optimizer state, but the inner optimizer ({Inner.GetType().Name}) cannot load it.", nameof(stateDictionary));
                StateBytes.Read(stateDictionary.Inner, innerReader => OptimizerStateLoader.Load(helper, innerReader));
            }

            StateBytes.Read(stateDictionary.Guard, engine.Load);
        }

        /// <summary>Writes the inner optimizer's state (as <c>OptimizerHelper.save_state_dict</c>) followed by the guard's.</summary>
        public void save_state_dict(BinaryWriter writer)
        {
            ThrowIfDisposed();
            if (writer is null) throw new ArgumentNullException(nameof(writer), "Pass a writer over the checkpoint stream.");
            writer.Write(Inner is OptimizerHelper);
            (Inner as OptimizerHelper)?.save_state_dict(writer);
            engine.Save(writer);
        }

        /// <summary>Reads what <see cref="save_state_dict(BinaryWriter)"/> wrote.</summary>
        public void load_state_dict(BinaryReader reader)
        {
            ThrowIfDisposed();
            if (reader is null) throw new ArgumentNullException(nameof(reader), "Pass a reader over the checkpoint stream.");
            if (reader.ReadBoolean())
            {
                var helper = Inner as OptimizerHelper
                    ?? throw new InvalidDataException($"The checkpoint holds optimizer state, but the inner optimizer ({Inner.GetType().Name}) cannot load it.");
                OptimizerStateLoader.Load(helper, reader);
            }

            engine.Load(reader);
        }

        private protected void ThrowIfDisposed()
        {
            if (disposed) throw new ObjectDisposedException(nameof(GuardedOptimizer));
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (!disposed && disposing)
            {
                engine.Dispose();
                engine.Probe?.Dispose();
                Inner.Dispose();
            }

            disposed = true;
            base.Dispose(disposing);
        }

        internal static GuardedOptimizer Create(optim.Optimizer inner, GuardOptions options, nn.Module? model) =>
            (inner is optim.IMomentum, inner is optim.IBetas) switch
            {
                (true, true) => new WithMomentumAndBetas(inner, options, model),
                (true, false) => new WithMomentum(inner, options, model),
                (false, true) => new WithBetas(inner, options, model),
                _ => new GuardedOptimizer(inner, options, model),
            };

        // A scheduler decides what to cycle by testing `is IMomentum` / `is IBetas`, so the guard has
        // exactly the inner optimizer's interfaces.
        private sealed class WithMomentum : GuardedOptimizer, optim.IMomentum
        {
            public WithMomentum(optim.Optimizer inner, GuardOptions options, nn.Module? model) : base(inner, options, model) { }

            public double Momentum
            {
                get => ((optim.IMomentum)Inner).Momentum;
                set => ((optim.IMomentum)Inner).Momentum = value;
            }
        }

        private sealed class WithBetas : GuardedOptimizer, optim.IBetas
        {
            public WithBetas(optim.Optimizer inner, GuardOptions options, nn.Module? model) : base(inner, options, model) { }

            public (double, double) Betas
            {
                get => ((optim.IBetas)Inner).Betas;
                set => ((optim.IBetas)Inner).Betas = value;
            }
        }

        private sealed class WithMomentumAndBetas : GuardedOptimizer, optim.IMomentum, optim.IBetas
        {
            public WithMomentumAndBetas(optim.Optimizer inner, GuardOptions options, nn.Module? model) : base(inner, options, model) { }

            public double Momentum
            {
                get => ((optim.IMomentum)Inner).Momentum;
                set => ((optim.IMomentum)Inner).Momentum = value;
            }

            public (double, double) Betas
            {
                get => ((optim.IBetas)Inner).Betas;
                set => ((optim.IBetas)Inner).Betas = value;
            }
        }
    }

    /// <summary>What <see cref="GuardedOptimizer.state_dict"/> returns: copies of the inner optimizer's state and the guard's.</summary>
    public sealed class GuardedStateDictionary
    {
        internal GuardedStateDictionary(byte[]? inner, byte[] guard)
        {
            Inner = inner;
            Guard = guard;
        }

        /// <summary>The inner optimizer's state as TorchSharp's <c>save_state_dict</c> writes it; null when it is not a managed optimizer (LBFGS).</summary>
        public byte[]? Inner { get; }

        /// <summary>The guard's own state, serialised.</summary>
        public byte[] Guard { get; }
    }

    /// <summary>Wraps a TorchSharp optimizer in a <see cref="GuardedOptimizer"/>.</summary>
    public static class GradientGuardExtensions
    {
        /// <summary>
        /// Guards every step of <paramref name="optimizer"/>: skip on NaN/Inf, clip by policy, repair
        /// divergences, report. Use the returned optimizer exactly as before (zero_grad, backward, step).
        /// </summary>
        /// <param name="optimizer">The optimizer to guard; the guard takes ownership (disposes it).</param>
        /// <param name="options">Policy and behaviour (copied); default: <see cref="ClippingPolicy.Adaptive"/>, skip non-finite steps, repair on.</param>
        /// <param name="model">Optional: names parameters in reports (<c>named_parameters()</c>) and lets a repair restore the model's buffers (BatchNorm statistics).</param>
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

            if (options?.LossScaling is not null && optimizer is not OptimizerHelper)
            {
                throw new ArgumentException($"Loss scaling needs an optimizer that steps once per gradient; {optimizer.GetType().Name} re-evaluates its closure (LBFGS) and would see scaled losses in its line search. Use float32 for LBFGS, or a first-order optimizer with loss scaling.", nameof(options));
            }

            if (options?.ProbeLayers == true && model is null)
            {
                throw new ArgumentException("GuardOptions.ProbeLayers needs the model: pass it as WithGradientGuard(options, model).", nameof(model));
            }

            return GuardedOptimizer.Create(optimizer, (options ?? new GuardOptions()).Copy(), model);
        }
    }
}

using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace GradLint.Demo
{
    /// <summary>How a run protects itself.</summary>
    public enum Protection
    {
        /// <summary>Plain TorchSharp: zero_grad, backward, step.</summary>
        Unprotected,

        /// <summary>TorchSharp's <c>nn.utils.clip_grad_norm_(parameters, 1.0)</c> before every step.</summary>
        ClipGradNorm,

        /// <summary><c>optimizer.WithGradientGuard(new GuardOptions { ProbeLayers = true }, model)</c>: the default policy (Adaptive, with repair) and layer probes.</summary>
        GradLintGuard,
    }

    /// <summary>What one step did.</summary>
    public enum StepOutcome
    {
        Plain,
        Clipped,
        Skipped,
        Repaired,
    }

    /// <summary>The record of one training run: per-step series and the summary the table shows.</summary>
    public sealed record RunResult(
        Protection Protection,
        double[] Loss,
        double[] GradNorm,
        StepOutcome[] Outcomes,
        double HeldOutLoss,
        int WorstStep,
        double WorstNorm,
        string Culprit,
        TimeSpan Elapsed,
        string? StoppedBecause,
        IReadOnlyList<LayerGradient> WorstStepLayers,
        IReadOnlyList<string> Repairs)
    {
        public string Name => TrainingRunner.Name(Protection);

        public double BestLoss => Loss.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min();

        public int NonFiniteSteps => Loss.Count(l => !double.IsFinite(l));

        public int ClippedSteps => Outcomes.Count(o => o == StepOutcome.Clipped);

        public int SkippedSteps => Outcomes.Count(o => o == StepOutcome.Skipped);

        public int RepairedSteps => Outcomes.Count(o => o == StepOutcome.Repaired);

        /// <summary>The first step whose loss was not finite (1-based), or null.</summary>
        public int? FirstNonFiniteStep => Array.FindIndex(Loss, l => !double.IsFinite(l)) is var i and >= 0 ? i + 1 : null;
    }

    /// <summary>Trains the task's model one way, recording loss, gradient norm and interventions per step.</summary>
    public static class TrainingRunner
    {
        public const double ClipMaxNorm = 1.0;

        /// <param name="learningRate">The SGD learning rate; the task's own by default.</param>
        public static RunResult Run(TrainingTask task, Protection protection, int steps, Action<string>? progress = null, double learningRate = TrainingTask.LearningRate)
        {
            ArgumentNullException.ThrowIfNull(task);
            if (steps < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 1.");
            }

            var model = task.CreateModel();
            var sgd = optim.SGD(model.parameters(), learningRate, momentum: TrainingTask.Momentum);
            var guard = protection == Protection.GradLintGuard ? sgd.WithGradientGuard(new GuardOptions { ProbeLayers = true }, model) : null;
            var repairs = new List<string>();
            if (guard is not null)
            {
                guard.Intervention += (_, report) =>
                {
                    if (report.Repaired) repairs.Add(report.ToString());
                };
            }


            var loss = new double[steps];
            var norms = new double[steps];
            var outcomes = new StepOutcome[steps];
            int worstStep = 0;
            double worstNorm = double.NegativeInfinity;
            string culprit = "-";
            IReadOnlyList<LayerGradient> worstLayers = Array.Empty<LayerGradient>();
            string? stopped = null;
            var every = Math.Max(1, steps / 5);
            var watch = Stopwatch.StartNew();
            int step = 0;
            try
            {
                for (step = 1; step <= steps; step++)
                {
                    using var scope = NewDisposeScope();
                    var (inputs, targets) = task.NextBatch();
                    if (guard is not null) guard.zero_grad(); else sgd.zero_grad();
                    var batchLoss = nn.functional.mse_loss(model.call(inputs), targets);
                    batchLoss.backward();

                    double norm;
                    if (protection == Protection.ClipGradNorm)
                    {
                        norm = nn.utils.clip_grad_norm_(model.parameters(), ClipMaxNorm);   // returns the norm before clipping
                        outcomes[step - 1] = norm > ClipMaxNorm ? StepOutcome.Clipped : StepOutcome.Plain;
                    }
                    else if (protection == Protection.Unprotected)
                    {
                        using var total = GradientNorms.TotalNorm(model.parameters());
                        norm = total.item<float>();   // host read: the plot's gradient-norm series
                    }
                    else
                    {
                        norm = double.NaN;   // the guard measures it in step()
                    }

                    if (guard is not null)
                    {
                        guard.step(batchLoss);   // the loss lets the guard see spikes and a slow divergence
                    }
                    else
                    {
                        sgd.step();
                    }

                    if (guard?.LastReport is { } report)
                    {
                        norm = report.NormBefore;
                        outcomes[step - 1] = report.Repaired ? StepOutcome.Repaired : report.StepSkipped ? StepOutcome.Skipped : report.Clipped ? StepOutcome.Clipped : StepOutcome.Plain;
                    }

                    loss[step - 1] = batchLoss.item<float>();   // host read: the plot's loss series
                    norms[step - 1] = norm;

                    // The worst step: the largest gradient norm, a non-finite one counting as the largest.
                    var severity = double.IsFinite(norm) ? norm : double.PositiveInfinity;
                    if (severity > worstNorm)
                    {
                        worstNorm = severity;
                        worstStep = step;
                        culprit = guard?.FindCulprit() ?? LargestLayerGradient(model);   // the guard: one extra device read for a clip
                        worstLayers = guard?.Probe?.LastBackward ?? worstLayers;   // one host read, on a new worst step only
                    }

                    if (step % every == 0 || step == steps)
                    {
                        progress?.Invoke($"  [{Name(protection),-24}] step {step,5}/{steps}  loss {loss[step - 1],11:G4}  grad-norm {norm,11:G4}");
                    }
                }
            }
            catch (GradientGuardException e)
            {
                // The guard gives up after MaxRepairs repairs in a row: report it, keep the run's record.
                stopped = e.Message;
                for (int rest = step - 1; rest < steps; rest++)
                {
                    loss[rest] = double.NaN;
                    norms[rest] = double.NaN;
                    outcomes[rest] = StepOutcome.Skipped;
                }
            }

            watch.Stop();
            double heldOut;
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var (inputs, targets) = task.HeldOut();
                heldOut = nn.functional.mse_loss(model.call(inputs), targets).item<float>();
            }

            (guard ?? (optim.Optimizer)sgd).Dispose();   // the guard disposes its inner optimizer and its probe
            model.Dispose();
            return new RunResult(protection, loss, norms, outcomes, heldOut, worstStep, worstNorm, culprit, watch.Elapsed, stopped, worstLayers, repairs);
        }

        public static string Name(Protection protection) => protection switch
        {
            Protection.Unprotected => "unprotected",
            Protection.ClipGradNorm => "clip_grad_norm_(1.0)",
            _ => "GradLint guard + probes",
        };

        // Unprotected and clip runs have no probe: name the layer whose parameters hold the largest
        // (or first non-finite) gradient. Host reads, only on a new worst step.
        private static string LargestLayerGradient(nn.Module<Tensor, Tensor> model)
        {
            string name = "-";
            double largest = double.NegativeInfinity;
            foreach (var (parameterName, parameter) in model.named_parameters())
            {
                if (parameter.grad is not { } grad) continue;
                using var norm = grad.norm();
                double value = norm.item<float>();
                double severity = double.IsFinite(value) ? value : double.PositiveInfinity;
                if (severity > largest)
                {
                    largest = severity;
                    name = parameterName.Split('.')[0];
                }
            }

            return name;
        }
    }
}

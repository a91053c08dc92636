using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace GradLint.Stability
{
    /// <summary>How one run protects itself.</summary>
    /// <param name="RateDivisor">Train at the task's learning rate divided by this (the tuned-rate reference run).</param>
    /// <param name="NudgeStep">A control, not a protection: at this step the gradients are multiplied by
    /// <see cref="NudgeFactor"/> (0.1% smaller) — how far a change that small moves the task's held-out loss.</param>
    public sealed record Protection(string Name, double? ClipMaxNorm = null, GuardOptions? Guard = null, bool PassLoss = false, double RateDivisor = 1, int NudgeStep = 0)
    {
        public bool IsGuardDefault => Name.StartsWith("guard default", StringComparison.Ordinal);

        public static IReadOnlyList<Protection> All { get; } = new[]
        {
            new Protection("unprotected"),
            new Protection(Nudged, NudgeStep: 50),
            new Protection("clip 0.5", ClipMaxNorm: 0.5),
            new Protection("clip 1", ClipMaxNorm: 1.0),
            new Protection("clip 5", ClipMaxNorm: 5.0),
            Policy("None", ClippingPolicy.None),
            Policy("FixedNorm(1)", ClippingPolicy.FixedNorm(1.0)),
            Policy("ZClip", ClippingPolicy.ZClip()),
            Policy("ZScore", ClippingPolicy.ZScore()),
            Policy("Percentile", ClippingPolicy.Percentile()),
            Policy("UnitWise", ClippingPolicy.UnitWise()),
            Policy("Adaptive", ClippingPolicy.Adaptive()),
            new Protection("guard default, step()", Guard: new GuardOptions()),
            new Protection("guard default, step(loss)", Guard: new GuardOptions(), PassLoss: true),
        };

        /// <summary>The noise control: plain training with one step's gradients 0.1% smaller.</summary>
        public const string Nudged = "unprotected, nudged";

        public const double NudgeFactor = 0.999;

        // Each policy alone (skip on NaN/Inf, no repair), to see what the policy itself does.
        private static Protection Policy(string name, ClippingPolicy policy) =>
            new Protection(name, Guard: new GuardOptions { Clipping = policy, Repair = new RepairOptions { Enabled = false }, MaxConsecutiveSkips = int.MaxValue });
    }

    /// <summary>One run's outcome.</summary>
    public sealed record RunResult(string Scenario, int Seed, string Protection, double HeldOut, int NonFiniteSteps, long Clipped, long Skipped, long Repairs, double Milliseconds, string? Failure, double[] Loss, double[] Norms)
    {
        public bool Finite => double.IsFinite(HeldOut) && Failure is null;
    }

    public static class Runner
    {
        /// <summary>Where to print every guard intervention (--trace), or null.</summary>
        public static TextWriter? Trace { get; set; }

        public static RunResult Run(Scenario scenario, StabilityTask task, Protection protection)
        {
            manual_seed(task.Seed);   // the same initial weights for every protection
            using var model = task.CreateModel();
            var optimizer = task.CreateOptimizer(model);
            if (protection.RateDivisor != 1)
            {
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate /= protection.RateDivisor;
                    group.InitialLearningRate /= protection.RateDivisor;   // a scheduler's base rate
                }
            }

            var guard = protection.Guard is null ? null : optimizer.WithGradientGuard(protection.Guard, model);
            var stepper = guard ?? optimizer;
            var scheduler = task.CreateScheduler(stepper);
            if (guard is not null && Trace is not null)
            {
                guard.Intervention += (_, report) => Trace.WriteLine($"    [{scenario.Name} seed {task.Seed} {protection.Name}] {report}");
            }

            var losses = new double[task.Steps];
            var norms = new double[task.Steps];
            int nonFinite = 0;
            long clipped = 0;
            string? failure = null;
            var watch = Stopwatch.StartNew();
            for (int step = 1; step <= task.Steps; step++)
            {
                using var scope = NewDisposeScope();
                var (input, target) = task.Batch(step);
                stepper.zero_grad();
                var loss = task.Loss(model, input, target);
                loss.backward();
                if (step == protection.NudgeStep)   // the noise control: gradients 0.1% smaller, once
                {
                    using (no_grad())
                    {
                        foreach (var parameter in model.parameters())
                        {
                            parameter.grad?.mul_(Protection.NudgeFactor);
                        }
                    }
                }

                try
                {
                    if (protection.ClipMaxNorm is double maxNorm)
                    {
                        norms[step - 1] = nn.utils.clip_grad_norm_(model.parameters(), maxNorm);
                        if (norms[step - 1] > maxNorm) clipped++;
                        optimizer.step();
                    }
                    else if (guard is not null && protection.PassLoss)
                    {
                        guard.step(loss);
                    }
                    else
                    {
                        stepper.step();
                    }

                    scheduler?.step();

                    if (guard?.LastReport is { } report) norms[step - 1] = report.NormBefore;
                }
                catch (GradientGuardException e)
                {
                    failure = e.GetType().Name;
                    break;
                }

                losses[step - 1] = loss.to(ScalarType.Float64).item<double>();   // host read: the suite's loss series
                if (!double.IsFinite(losses[step - 1])) nonFinite++;
            }

            watch.Stop();
            double heldOut;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var (input, target) = task.HeldOut;
                heldOut = task.EvaluationLoss(model, input, target).to(ScalarType.Float64).item<double>();
            }

            if (Trace is not null)
            {
                // The training-loss curve, one point per tenth of the run (median of its steps), and the held-out figure.
                var tenth = Math.Max(1, task.Steps / 10);
                var curve = Enumerable.Range(0, (task.Steps + tenth - 1) / tenth)
                    .Select(i => losses.Skip(i * tenth).Take(tenth).OrderBy(v => v).ElementAt(Math.Min(tenth, task.Steps - i * tenth) / 2))
                    .Select(v => v.ToString("G3", System.Globalization.CultureInfo.InvariantCulture));
                Trace.WriteLine($"    [{scenario.Name} seed {task.Seed} {protection.Name}] loss by tenths: {string.Join(" ", curve)}; held-out {heldOut:G4}");
            }

            var stats = guard?.Statistics;
            var result = new RunResult(scenario.Name, task.Seed, protection.Name, heldOut, nonFinite,
                stats?.ClippedSteps ?? clipped, stats?.SkippedSteps ?? 0, stats?.Repairs ?? 0, watch.Elapsed.TotalMilliseconds, failure, losses, norms);
            (guard ?? optimizer).Dispose();
            return result;
        }
    }
}

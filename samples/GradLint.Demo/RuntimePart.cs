using System.Globalization;
using TorchSharp;

namespace GradLint.Demo
{
    /// <summary>Part 2: the same model, data and seed, trained unprotected, with clip_grad_norm_, and with GradLint's guard.</summary>
    public static class RuntimePart
    {
        public static IReadOnlyList<RunResult> Run(DemoOptions options, TextWriter output)
        {
            output.WriteLine($"Task: a 16-128-128-128-1 ReLU MLP, SGD lr {TrainingTask.LearningRate} momentum {TrainingTask.Momentum}, batches of {TrainingTask.BatchSize};");
            output.WriteLine($"sensor glitches: {TrainingTask.GlitchProbability:P1} of samples read {TrainingTask.GlitchScale}x too large. {options.Steps} steps per run, seed {options.Seed}, CPU.");
            output.WriteLine();

            // Timings: LibTorch on one thread (threads only add noise on a model this small) and
            // after a short warm-up of each variant, so that no run pays for JIT or first allocations.
            torch.set_num_threads(1);
            foreach (var protection in Enum.GetValues<Protection>())
            {
                using var warmUp = new TrainingTask(options.Seed);
                TrainingRunner.Run(warmUp, protection, steps: 20);
            }

            var runs = new List<RunResult>();
            foreach (var protection in Enum.GetValues<Protection>())
            {
                using var task = new TrainingTask(options.Seed);   // same batches, same initial weights
                runs.Add(TrainingRunner.Run(task, protection, options.Steps, output.WriteLine));
            }

            output.WriteLine();
            output.Write(Table(runs));
            foreach (var run in runs.Where(r => r.StoppedBecause is not null))
            {
                output.WriteLine($"  {run.Name} stopped: {run.StoppedBecause}");
            }

            output.WriteLine();
            output.WriteLine("  worst step: the largest gradient norm before clipping (Inf: the first non-finite one). culprit: the module");
            output.WriteLine("  owning the largest (or first non-finite) parameter gradient there; for the guard, its own report's Culprit.");
            output.WriteLine("  time: wall time relative to the unprotected run (after a warm-up, LibTorch on one thread).");
            foreach (var run in runs.Where(r => r.WorstStepLayers.Count > 0))
            {
                output.WriteLine();
                output.WriteLine($"  Layer probes of the {run.Name} run at its worst step ({run.WorstStep}), output-gradient norm per module, loss side first:");
                output.WriteLine("  " + string.Join("  ", run.WorstStepLayers.Select(l => $"{l.Name} {Number(l.Norm)}{(l.IsFinite ? "" : " (non-finite)")}")));
            }

            return runs;
        }

        /// <summary>
        /// Part 2b: the same task with a learning rate ten times too high. Clipping bounds each step but
        /// cannot make the rate right; the guard detects the divergence, restores its last known-good
        /// snapshot and backs the rate off.
        /// </summary>
        public static IReadOnlyList<RunResult> RunTooHighLearningRate(DemoOptions options, TextWriter output)
        {
            var rate = TrainingTask.LearningRate * TooHighFactor;
            output.WriteLine($"The same task with SGD lr {rate} ({TooHighFactor}x too high), {options.Steps} steps per run:");
            var runs = new List<RunResult>();
            foreach (var protection in Enum.GetValues<Protection>())
            {
                using var task = new TrainingTask(options.Seed);
                runs.Add(TrainingRunner.Run(task, protection, options.Steps, learningRate: rate));
            }

            output.WriteLine();
            output.Write(Table(runs));
            var guard = runs.Single(r => r.Protection == Protection.GradLintGuard);
            output.WriteLine();
            output.WriteLine(guard.Repairs.Count == 0 ? "  The guard did not need to repair." : "  The guard's repairs (restore the last known-good snapshot, cut the learning rate to a quarter, let it climb back half-way):");
            foreach (var line in guard.Repairs)
            {
                output.WriteLine("    " + line);
            }

            foreach (var run in runs.Where(r => r.StoppedBecause is not null))
            {
                output.WriteLine($"  {run.Name} stopped: {run.StoppedBecause}");
            }

            return runs;
        }

        public const int TooHighFactor = 10;

        public static string Table(IReadOnlyList<RunResult> runs)
        {
            var baseline = runs[0].Elapsed.TotalSeconds;
            return ConsoleTable.Format(
                new[] { "run", "final loss (held-out)", "best loss", "non-finite steps", "clipped", "skipped", "repaired", "worst step (grad norm)", "culprit", "ms/step", "time" },
                runs.Select(r => new[]
                {
                    r.Name,
                    Number(r.HeldOutLoss),
                    Number(r.BestLoss),
                    r.NonFiniteSteps.ToString(CultureInfo.InvariantCulture),
                    r.Protection == Protection.Unprotected ? "-" : r.ClippedSteps.ToString(CultureInfo.InvariantCulture),
                    r.Protection == Protection.GradLintGuard ? r.SkippedSteps.ToString(CultureInfo.InvariantCulture) : "-",
                    r.Protection == Protection.GradLintGuard ? r.RepairedSteps.ToString(CultureInfo.InvariantCulture) : "-",
                    $"{r.WorstStep} ({Number(r.WorstNorm)})",
                    r.Culprit,
                    (r.Elapsed.TotalMilliseconds / r.Loss.Length).ToString("F2", CultureInfo.InvariantCulture),
                    (r.Elapsed.TotalSeconds / baseline).ToString("F2", CultureInfo.InvariantCulture) + "x",
                }));
        }

        private static string Number(double value) =>
            double.IsNaN(value) ? "NaN"
            : double.IsInfinity(value) ? "Inf"
            : value.ToString(Math.Abs(value) >= 1e4 || Math.Abs(value) < 1e-3 ? "0.00E+0" : Math.Abs(value) >= 10 ? "0.0" : "0.0000", CultureInfo.InvariantCulture);
    }
}

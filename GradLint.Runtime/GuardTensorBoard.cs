using System;
using System.Linq;
using TorchSharp.Modules;

namespace GradLint
{
    /// <summary>
    /// Writes a guard's per-step figures to TensorBoard through TorchSharp's own
    /// <c>torch.utils.tensorboard.SummaryWriter</c>, as the article GradLint grew from logs its training curves.
    /// </summary>
    public static class GuardTensorBoard
    {
        /// <summary>
        /// From now on, every <paramref name="every"/>-th step writes under <paramref name="prefix"/>:
        /// <c>norm_before</c>, <c>norm_after</c>, <c>limit</c> (when finite), <c>clipped</c>, <c>skipped</c>,
        /// <c>repaired</c> (0 or 1), <c>lr</c> (the rate the inner step used: the first group's scheduled
        /// rate × the back-off scale), <c>lr_scale</c> and <c>loss</c> (when given to <c>step(loss)</c>);
        /// steps where the guard intervened are always written. With layer probes, an intervention step
        /// also writes each module's output-gradient norm under <c>{prefix}/layers/{module}</c> — read from
        /// the device only then, so healthy steps cost no extra host read (the figures come from the
        /// step's report). Dispose the result to stop.
        /// </summary>
        /// <param name="guard">The guarded optimizer to follow.</param>
        /// <param name="writer">e.g. <c>torch.utils.tensorboard.SummaryWriter("runs/exp1")</c>.</param>
        /// <param name="prefix">Tag prefix; default "gradlint".</param>
        /// <param name="every">Write healthy steps every this many steps; ≥ 1, default 1.</param>
        public static IDisposable LogToTensorBoard(this GuardedOptimizer guard, SummaryWriter writer, string prefix = "gradlint", int every = 1)
        {
            if (guard is null) throw new ArgumentNullException(nameof(guard), "Pass the guarded optimizer to follow.");
            if (writer is null) throw new ArgumentNullException(nameof(writer), "Pass a writer, e.g. torch.utils.tensorboard.SummaryWriter(\"runs/exp1\").");
            if (string.IsNullOrWhiteSpace(prefix)) throw new ArgumentException("prefix must name the tag group, e.g. \"gradlint\".", nameof(prefix));
            if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "every must be at least 1 (write every n-th healthy step).");

            void OnStep(object? sender, GuardStepReport report)
            {
                var intervened = report.Intervention != GuardIntervention.None;
                if (!intervened && report.Step % every != 0)
                {
                    return;
                }

                var step = (int)Math.Min(report.Step, int.MaxValue);
                void Scalar(string name, double value) => writer.add_scalar($"{prefix}/{name}", (float)value, step);

                Scalar("norm_before", report.NormBefore);
                Scalar("norm_after", report.NormAfter);
                if (double.IsFinite(report.Limit))
                {
                    Scalar("limit", report.Limit);
                }

                Scalar("clipped", report.Clipped ? 1 : 0);
                Scalar("skipped", report.Intervention == GuardIntervention.Skipped ? 1 : 0);
                Scalar("repaired", report.Repaired ? 1 : 0);
                var scheduled = guard.ParamGroups.FirstOrDefault()?.LearningRate ?? double.NaN;
                Scalar("lr", scheduled * report.LearningRateScale);
                Scalar("lr_scale", report.LearningRateScale);
                if (!double.IsNaN(report.Loss))
                {
                    Scalar("loss", report.Loss);
                }

                if (intervened && guard.Probe is { } probe)
                {
                    foreach (var layer in probe.LastBackward)   // one host read, intervention steps only
                    {
                        var name = layer.Call == 0 ? layer.Name : $"{layer.Name}#{layer.Call}";
                        Scalar($"layers/{name}", layer.Norm);
                    }
                }
            }

            guard.Stepped += OnStep;
            return new Subscription(() => guard.Stepped -= OnStep);
        }

        private sealed class Subscription : IDisposable
        {
            private Action? unsubscribe;

            public Subscription(Action unsubscribe) => this.unsubscribe = unsubscribe;

            public void Dispose()
            {
                unsubscribe?.Invoke();
                unsubscribe = null;
            }
        }
    }
}

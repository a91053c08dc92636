using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GradLint.Policies;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GradLint.Engine
{
    /// <summary>What the adapter does with the inner optimizer after the guard looked at a step.</summary>
    internal enum StepDecision
    {
        /// <summary>Run the inner step (the gradients may have been rescaled).</summary>
        Run,

        /// <summary>Do not run it: the gradients were zeroed (and for a repair the snapshot is back).</summary>
        Skip,
    }

    /// <summary>
    /// The guard's algorithm, independent of how the optimizer is driven: per step it measures the
    /// total norm on the gradients' device (one host read, together with the loss and whatever the
    /// policy prepared), skips non-finite steps and loss spikes, clips by policy, watches for a
    /// divergence and repairs it from the last known-good snapshot, and publishes a report.
    /// </summary>
    internal sealed class GuardEngine : IDisposable
    {
        private readonly GuardOptions options;
        private readonly optim.Optimizer inner;
        private readonly nn.Module? model;
        private readonly PolicyState policy;
        private readonly DivergenceMonitor monitor;
        private readonly LearningRateBackoff backoff = new LearningRateBackoff();
        private readonly LossScaler? scaler;
        private double stepLossScale = double.NaN;   // the scale this step's loss was multiplied by
        private readonly List<(IntPtr Handle, string Name)> modelParameters = new List<(IntPtr, string)>();
        private readonly HashSet<string> culpritsInSkipRun = new HashSet<string>();
        private List<string>? names;
        private TrainingSnapshot? snapshot;
        private Tensor? lastPerParameterNorms;   // kept after a clipped step, for FindCulprit
        private IReadOnlyList<string>? lastNames;
        private readonly Queue<bool> recentClips = new Queue<bool>();
        private int recentClipCount;
        private bool lossGiven, lossHintGiven;   // transient, as the hint is: not saved with the guard's state
        private long steps, clippedSteps, skippedSteps, nonFiniteSteps, lossSpikes, repairs, overflows;
        private int consecutiveSkips, cleanSteps, repairsInRow;
        private JudgedRepair? lastRunawayRepair;   // judged on the next finite step (transient: not saved)
        private JudgedRepair? lastLossRepair;      // judged once the loss level is known again (transient: not saved)

        public GuardEngine(optim.Optimizer inner, GuardOptions options, nn.Module? model, GradientProbe? probe)
        {
            this.inner = inner;
            this.options = options;
            this.model = model;
            Probe = probe;
            policy = options.Clipping.CreateState();
            monitor = new DivergenceMonitor(options.Repair);
            scaler = options.LossScaling is null ? null : new LossScaler(options.LossScaling);
            if (model is not null)
            {
                foreach (var (name, parameter) in model.named_parameters())
                {
                    modelParameters.Add((parameter.Handle, name));
                }
            }
        }

        public GradientProbe? Probe { get; }

        public GuardStepReport? LastReport { get; private set; }

        public GuardStatistics Statistics => new GuardStatistics(steps, clippedSteps, skippedSteps, nonFiniteSteps, lossSpikes, repairs, overflows);

        /// <summary>The current loss scale (NaN when loss scaling is off).</summary>
        public double LossScale => scaler?.Scale ?? double.NaN;

        /// <summary>The loss multiplied by the current scale (the loss itself when loss scaling is off).</summary>
        public Tensor ScaleLoss(Tensor loss) => scaler is null ? loss : loss * scaler.Scale;

        public double LearningRateScale => backoff.Scale;

        /// <summary>The step of the snapshot a repair would restore; null before the first step or with repair off.</summary>
        public long? SnapshotStep => snapshot?.Step;

        /// <summary>Bytes the current repair snapshot holds (0 when none).</summary>
        public long SnapshotBytes => snapshot?.Bytes ?? 0;

        /// <summary>Raised with every step's report (the adapter turns it into events).</summary>
        public event Action<GuardStepReport>? Published;

        /// <summary>Multiplies the learning rate by the back-off scale until disposed.</summary>
        public IDisposable ApplyLearningRate() => backoff.Apply(inner);

        /// <summary>
        /// Guards one step's gradients. <paramref name="loss"/> (optional) is read in the same host
        /// read as the norm and judged for spikes. Throws only the guard's own exceptions.
        /// </summary>
        public StepDecision Guard(Tensor? loss)
        {
            steps++;
            lossGiven |= loss is not null;
            stepLossScale = scaler?.Scale ?? double.NaN;
            ReleaseLastCulpritState();
            var parameters = Parameters();
            if (options.Repair.Enabled && snapshot is null)
            {
                TakeSnapshot(parameters);   // the weights before the first update are known-good
            }

            using var scope = NewDisposeScope();
            var batch = GradientBatch.Collect(parameters, names!);
            if (batch.Count == 0)
            {
                Publish(Report(double.NaN, 0, double.PositiveInfinity, GuardIntervention.None, SkipReason.None, null, double.NaN));
                return StepDecision.Run;
            }

            if (scaler is not null)
            {
                // Unscale first, on the device: every later step (norms, policies, the optimizer) sees the
                // true gradients, and Inf/NaN stay non-finite through the multiplication.
                batch.Scale(1 / scaler.Scale);
            }

            Tensor perParameter;
            double[] values;
            using (no_grad())
            {
                perParameter = GradientNorms.PerTensor(batch.Grads);
                var reads = new List<Tensor> { linalg.vector_norm(perParameter, 2, null, false) };
                if (loss is not null)
                {
                    reads.Add(GradientNorms.OnDevice(loss.detach().to(batch.Accumulate).mean(), batch.Device));
                }

                reads.AddRange(policy.Prepare(batch));
                using var onHost = stack(reads.Select(r => r.to(batch.Accumulate))).to(ScalarType.Float64).cpu();
                values = onHost.data<double>().ToArray();   // host read (1 of 1 per step)
            }

            var normBefore = values[0];
            var lossValue = loss is null ? double.NaN : values[1];
            var prepared = values.Skip(loss is null ? 1 : 2).ToArray();

            if (!double.IsFinite(normBefore))
            {
                if (scaler is not null && scaler.CanBackOff && (loss is null || double.IsFinite(lossValue)))
                {
                    return Overflow(batch, normBefore, lossValue);
                }

                return NonFinite(batch, perParameter, normBefore, lossValue, SkipReason.NonFiniteGradient);
            }

            scaler?.GoodStep();

            if (loss is not null)
            {
                if (!double.IsFinite(lossValue))
                {
                    return NonFinite(batch, perParameter, normBefore, lossValue, SkipReason.NonFiniteLoss);
                }

                if (monitor.IsLossSpike(lossValue))
                {
                    return LossSpike(batch, perParameter, normBefore, lossValue);
                }
            }

            JudgeLastRunawayRepair(normBefore);
            monitor.Finite(normBefore);
            if (loss is not null)
            {
                monitor.Loss(lossValue);
                JudgeLastLossRepair();
            }

            consecutiveSkips = 0;
            culpritsInSkipRun.Clear();
            if (options.Repair.Enabled && monitor.NormsRanAway)
            {
                var level = monitor.LevelNorm;
                var undo = UndoPoint();
                var decision = Repair(batch, normBefore, lossValue, CulpritOf(perParameter, batch), "gradient norms ran away");
                lastRunawayRepair = undo is { } u ? new JudgedRepair(level, u.Backoff, u.RepairsInRow) : null;
                return decision;
            }

            if (options.Repair.Enabled && monitor.LossRose)
            {
                var undo = UndoPoint();
                var decision = Repair(batch, normBefore, lossValue, null, $"the loss rose to {options.Repair.LossRiseRatio}x its best level ({monitor.BestLossLevel:G4})");
                lastLossRepair = undo is { } u ? new JudgedRepair(monitor.BestLossLevel, u.Backoff, u.RepairsInRow) : null;   // the best level of the restored snapshot's time
                return decision;
            }

            // Only this step's loss vouches: a caller that stops passing it must not be vouched for by old losses.
            var outcome = policy.Apply(batch, normBefore, prepared, loss is null ? null : monitor.VouchedRecentNorms);
            SuggestPassingTheLoss(outcome.Clipped);
            if (options.Repair.Enabled)
            {
                AfterFiniteStep(parameters);
            }

            if (!outcome.Clipped)
            {
                Publish(Report(normBefore, outcome.NormAfter, outcome.Limit, GuardIntervention.None, SkipReason.None, null, lossValue));
                return StepDecision.Run;
            }

            clippedSteps++;
            lastPerParameterNorms = perParameter.detach().DetachFromDisposeScope();
            lastNames = batch.Names;
            Publish(Report(normBefore, outcome.NormAfter, outcome.Limit, GuardIntervention.Clipped, SkipReason.None, null, lossValue));
            return StepDecision.Run;
        }

        /// <summary>
        /// A further closure evaluation inside one LBFGS step: zero non-finite gradients (LBFGS then
        /// sees no descent direction and stops) and clip to the limit of the step's first evaluation.
        /// No statistics are updated; one host read.
        /// </summary>
        public void GuardEvaluation()
        {
            var limit = LastReport?.Limit ?? double.PositiveInfinity;
            using var scope = NewDisposeScope();
            var batch = GradientBatch.Collect(Parameters(), names!);
            if (batch.Count == 0)
            {
                return;
            }

            double norm;
            using (no_grad())
            {
                norm = linalg.vector_norm(GradientNorms.PerTensor(batch.Grads), 2, null, false).to(ScalarType.Float64).item<double>();   // host read
            }

            if (!double.IsFinite(norm))
            {
                batch.Zero();
            }
            else if (norm > limit)
            {
                batch.Scale(limit / (norm + GlobalNormState.ClipEpsilon));
            }
        }

        /// <summary>The culprit of the last step: its report's for a skip or repair; for a clip one extra host read.</summary>
        public string? FindCulprit()
        {
            if (LastReport is null || LastReport.Intervention == GuardIntervention.None)
            {
                return null;
            }

            if (LastReport.Culprit is not null || lastPerParameterNorms is null)
            {
                return LastReport.Culprit;
            }

            return Probe is null
                ? CulpritFinder.Parameter(lastPerParameterNorms, lastNames!)
                : CulpritFinder.Module(Probe, lastPerParameterNorms, lastNames!);
        }

        private StepDecision NonFinite(GradientBatch batch, Tensor perParameter, double normBefore, double lossValue, SkipReason reason)
        {
            // Extra host read, only on this abnormal path.
            var culprit = reason == SkipReason.NonFiniteGradient ? CulpritOf(perParameter, batch) : null;
            if (reason == SkipReason.NonFiniteGradient)
            {
                nonFiniteSteps++;
                if (options.OnNonFinite == NonFiniteAction.Throw)
                {
                    var message = $"Step {steps}: the gradient of '{culprit}' is not finite (total norm {normBefore}). Nothing was changed; lower the learning rate, guard the loss (log/exp/sqrt/division), or use NonFiniteAction.SkipStep.";
                    Log(LogLevel.Error, "GradLint guard step {Step}: non-finite gradient in {Culprit}; throwing", steps, culprit);
                    throw new NonFiniteGradientException(message, steps, culprit);
                }
            }

            batch.Zero();
            monitor.NonFinite();
            cleanSteps = 0;
            consecutiveSkips++;
            if (culprit is not null)
            {
                culpritsInSkipRun.Add(culprit);
            }

            if (options.Repair.Enabled && monitor.NonFiniteStreak >= options.Repair.NonFiniteStreak)
            {
                return Repair(batch, normBefore, lossValue, culprit, $"{monitor.NonFiniteStreak} non-finite steps in a row");
            }

            skippedSteps++;
            var report = Publish(Report(normBefore, 0, double.NaN, GuardIntervention.Skipped, reason, culprit, lossValue));
            if (!options.Repair.Enabled && consecutiveSkips >= options.MaxConsecutiveSkips)
            {
                var culprits = culpritsInSkipRun.ToList();
                var message = $"Step {steps}: {consecutiveSkips} steps in a row were not finite (in {(culprits.Count == 0 ? "the loss" : string.Join(", ", culprits))}); training is not recovering and repair is off. Lower the learning rate, fix the loss, or turn repair on (GuardOptions.Repair.Enabled); MaxConsecutiveSkips is {options.MaxConsecutiveSkips}.";
                Log(LogLevel.Error, "GradLint guard step {Step}: {Skips} non-finite steps in a row; giving up", steps, consecutiveSkips);
                throw new TrainingDivergedException(message, steps, culprits);
            }

            return StepDecision.Skip;
        }

        private StepDecision Overflow(GradientBatch batch, double normBefore, double lossValue)
        {
            // The scaler's business, not a divergence: no culprit search, no streak.
            batch.Zero();
            scaler!.Overflow();
            overflows++;
            skippedSteps++;
            Publish(Report(normBefore, 0, double.NaN, GuardIntervention.Skipped, SkipReason.LossScaleOverflow, null, lossValue));
            return StepDecision.Skip;
        }

        private StepDecision LossSpike(GradientBatch batch, Tensor perParameter, double normBefore, double lossValue)
        {
            lossSpikes++;
            batch.Zero();
            cleanSteps = 0;
            if (options.Repair.Enabled && monitor.RepeatedSpike())
            {
                return Repair(batch, normBefore, lossValue, null, $"the loss spiked on {DivergenceMonitor.SpikesInARow} steps in a row (now {lossValue:G4})");
            }

            skippedSteps++;
            Publish(Report(normBefore, 0, double.NaN, GuardIntervention.Skipped, SkipReason.LossSpike, null, lossValue));
            return StepDecision.Skip;
        }

        private StepDecision Repair(GradientBatch batch, double normBefore, double lossValue, string? culprit, string why)
        {
            lastLossRepair = null;   // a new repair voids the judgement of the last one
            batch.Zero();
            skippedSteps++;
            repairs++;
            repairsInRow++;
            if (repairsInRow > options.Repair.MaxRepairs)
            {
                var message = $"Step {steps}: training diverged again ({why}) after {options.Repair.MaxRepairs} repairs in a row: each restored the snapshot of step {snapshot!.Step} and multiplied the learning rate by {options.Repair.BackoffFactor:G3} (now ×{backoff.Scale:G3} of the scheduled rate), and none reached a new healthy stretch of {options.Repair.SnapshotInterval} steps. Lower the learning rate further, fix the loss or the data, or raise RepairOptions.MaxRepairs.";
                Log(LogLevel.Error, "GradLint guard step {Step}: divergence ({Reason}) after {Repairs} repairs in a row; giving up", steps, why, options.Repair.MaxRepairs);
                throw new TrainingDivergedException(message, steps, culprit is null ? Array.Empty<string>() : new[] { culprit });
            }

            var parameters = Parameters();
            var policyState = snapshot!.Restore(parameters, model, inner);
            StateBytes.Read(policyState, policy.Load);

            backoff.BackOff(options.Repair.BackoffFactor, options.Repair.RecoverySteps);
            monitor.Repaired();
            cleanSteps = 0;
            consecutiveSkips = 0;
            culpritsInSkipRun.Clear();
            Publish(Report(normBefore, 0, double.NaN, GuardIntervention.Repaired, SkipReason.Divergence, culprit, lossValue, snapshot.Step), why);
            return StepDecision.Skip;
        }

        /// <summary>
        /// A repair whose cause is judged on the restored weights: the level it is judged against (the norm
        /// level of a runaway, the best loss level of the restored snapshot's time) and what to put back if the
        /// weights were not the cause.
        /// </summary>
        private sealed record JudgedRepair(double Reference, byte[] Backoff, int RepairsInRow);

        /// <summary>
        /// What a repair about to be made would undo, or null: only a run with no back-off in force gets the
        /// benefit of the doubt — after a repair, a snapshot may already sit on the way up of the next divergence.
        /// </summary>
        private (byte[] Backoff, int RepairsInRow)? UndoPoint() => backoff.Scale < 1 ? null : (backoff.Memento(), repairsInRow);

        /// <summary>
        /// A loss-trend repair restores weights whose loss level was near its best. Once the loss level is
        /// known again (<see cref="DivergenceMonitor.TrendLosses"/> losses on those weights, trained at the
        /// backed-off rate), it tells the cause: still <see cref="RepairOptions.LossRiseRatio"/> times that best
        /// level or more means the objective or the data changed, not the weights — a KL weight or penalty
        /// annealed upwards, a curriculum's harder stage, a GAN's other player getting better. Then the back-off
        /// is undone, the count of repairs in a row restored and the best loss level restarts from here;
        /// without this, such a run is repaired again and again until <see cref="RepairOptions.MaxRepairs"/> throws.
        /// </summary>
        private void JudgeLastLossRepair()
        {
            var repair = lastLossRepair;
            var level = monitor.LossLevel;
            if (repair is null || double.IsNaN(level))
            {
                return;
            }

            lastLossRepair = null;
            if (!(level >= options.Repair.LossRiseRatio * repair.Reference))
            {
                return;
            }

            monitor.RestartLossTrend();
            UndoRepair(repair.Backoff, repair.RepairsInRow);
            Log(LogLevel.Information, "GradLint guard step {Step}: the restored weights of step {SnapshotStep} give a loss level of {LossLevel}, {LossRatio}x the best level they had: the objective or the data changed, not the weights. The best loss level restarts here and the learning-rate back-off is undone (scale {LearningRateScale})",
                steps, snapshot?.Step ?? 0, level, level / repair.Reference, backoff.Scale);
        }

        /// <summary>
        /// The first finite step after a runaway repair runs on the restored snapshot's weights, known-good
        /// weights from before the runaway. If even they give a norm <see cref="RepairOptions.RunawayRatio"/>
        /// times the level the runaway was judged against, the weights were not what ran away: the data or
        /// the objective changed (an RL agent's first rewards, a curriculum's next stage). The norm level
        /// restarts from here and the back-off is undone, instead of keeping a backed-off rate — or, when the
        /// snapshot remembers the old level, repairing again and again until <see cref="RepairOptions.MaxRepairs"/>
        /// throws. The restored weights stay: the steps since the snapshot are lost, at most one snapshot interval.
        /// Judged only when no back-off was in force before the repair: in a run that already diverged once,
        /// a snapshot may have been taken on the way up of the next divergence (in the stability suite, tanh
        /// at 30× seed 7: restored weights of a snapshot 6 steps old gave 77× the level), and there high norms
        /// from restored weights say nothing about the data.
        /// </summary>
        private void JudgeLastRunawayRepair(double norm)
        {
            var repair = lastRunawayRepair;
            lastRunawayRepair = null;
            if (repair is null || !(norm >= options.Repair.RunawayRatio * repair.Reference))
            {
                return;
            }

            monitor.RestartLevel();
            UndoRepair(repair.Backoff, repair.RepairsInRow);
            Log(LogLevel.Information, "GradLint guard step {Step}: the restored weights of step {SnapshotStep} give a gradient norm of {Norm}, {Ratio}x the level they had: the data changed, not the weights. The norm level restarts here and the learning-rate back-off is undone (scale {LearningRateScale})",
                steps, snapshot?.Step ?? 0, norm, norm / repair.Reference, backoff.Scale);
        }

        /// <summary>A repair the restored weights showed was not theirs to make: its back-off and its place in the count of repairs in a row go; the restored weights stay.</summary>
        private void UndoRepair(byte[] backoffMemento, int repairsInRowBefore)
        {
            backoff.Undo(backoffMemento);
            repairsInRow = repairsInRowBefore;
        }

        // A snapshot is due after SnapshotInterval clean steps (no skip, spike or repair among them) and
        // is taken at the first one that is healthy: norms near their level, the loss near its best.
        // A noisy run need not be healthy on every step to get a snapshot; a developing divergence never is.
        private void AfterFiniteStep(IReadOnlyList<Parameter> parameters)
        {
            cleanSteps++;
            if (!monitor.Healthy)
            {
                return;
            }

            var level = monitor.LossLevel;
            if (backoff.Recover(level, options.Repair.RecoveryLossTolerance))
            {
                Log(LogLevel.Information, "GradLint guard step {Step}: the loss level rose to {LossLevel} ({LossRatio}x its best since the repair) as the learning rate climbed back; the rate scale goes back to {LearningRateScale} and stays there",
                    steps, level, level / backoff.BestLevelSinceBackoff, backoff.Scale);
            }
            if (cleanSteps >= options.Repair.SnapshotInterval)
            {
                TakeSnapshot(parameters);
            }
        }

        private void TakeSnapshot(IReadOnlyList<Parameter> parameters)
        {
            snapshot?.Dispose();
            snapshot = TrainingSnapshot.Take(steps, parameters, model, inner, SavePolicy(), options.Repair.Location);
            monitor.Snapshot();
            cleanSteps = 0;
            repairsInRow = 0;
        }

        private byte[] SavePolicy() => StateBytes.Write(policy.Save);

        private string CulpritOf(Tensor perParameter, GradientBatch batch) =>
            Probe?.FirstNonFinite ?? CulpritFinder.Parameter(perParameter, batch.Names);

        /// <summary>
        /// The optimizer's parameters and their names. Names come from the model by handle; where the
        /// handles differ (LBFGS's native <c>parameters()</c> returns new handles on every call) they are
        /// matched by position when the counts agree, else <c>parameters[i]</c>.
        /// </summary>
        private IReadOnlyList<Parameter> Parameters()
        {
            var parameters = inner.parameters().ToList();
            if (names is null || names.Count != parameters.Count)
            {
                var byHandle = modelParameters.GroupBy(p => p.Handle).ToDictionary(g => g.Key, g => g.First().Name);
                names = parameters.Select((p, i) =>
                    byHandle.TryGetValue(p.Handle, out var name) ? name
                    : parameters.Count == modelParameters.Count ? modelParameters[i].Name
                    : $"parameters[{i}]").ToList();
            }

            return parameters;
        }

        private GuardStepReport Report(double normBefore, double normAfter, double limit, GuardIntervention intervention, SkipReason reason, string? culprit, double loss, long? restoredStep = null) =>
            new GuardStepReport(steps, normBefore, normAfter, limit, intervention, reason, culprit, loss, backoff.Scale, restoredStep, stepLossScale);

        private GuardStepReport Publish(GuardStepReport report, string? why = null)
        {
            LastReport = report;
            switch (report.Intervention)
            {
                case GuardIntervention.Clipped:
                    Log(LogLevel.Debug, "GradLint guard step {Step}: gradient norm {NormBefore} clipped to {NormAfter} (limit {Limit})", report.Step, report.NormBefore, report.NormAfter, report.Limit);
                    break;
                case GuardIntervention.Skipped:
                    Log(LogLevel.Warning, "GradLint guard step {Step}: step skipped ({SkipReason}), gradient norm {NormBefore}, loss {Loss}, culprit {Culprit}", report.Step, report.SkipReason, report.NormBefore, report.Loss, report.Culprit);
                    break;
                case GuardIntervention.Repaired:
                    Log(LogLevel.Warning, "GradLint guard step {Step}: divergence ({Reason}); restored step {RestoredStep}, learning rate scale {LearningRateScale}, culprit {Culprit}", report.Step, why, report.RestoredStep, report.LearningRateScale, report.Culprit);
                    break;
            }

            Published?.Invoke(report);
            return report;
        }

        /// <summary>Steps the hint to pass the loss looks back over, and how many of them must have been clipped.</summary>
        internal const int HintWindow = 40, HintClipped = 20;

        /// <summary>
        /// Without the loss, sustained clipping is ambiguous: a network learning its scale (norms rising
        /// while the loss falls) and a slow divergence (norms rising with the loss) give the same norms,
        /// and the guard can only keep clipping (benchmarks/README.md: the RNN at a high rate, ~1e7 with
        /// <c>step()</c>, finite and close to the best clip with <c>step(loss)</c>). Say so once, where the
        /// user sees it, when half of the last <see cref="HintWindow"/> steps were clipped and no loss was
        /// ever given. Host-side counting only.
        /// </summary>
        private void SuggestPassingTheLoss(bool clipped)
        {
            if (lossGiven || lossHintGiven)
            {
                return;
            }

            recentClips.Enqueue(clipped);
            recentClipCount += clipped ? 1 : 0;
            if (recentClips.Count > HintWindow && recentClips.Dequeue())
            {
                recentClipCount--;
            }

            if (recentClipCount >= HintClipped)
            {
                lossHintGiven = true;
                Log(LogLevel.Warning, "GradLint guard step {Step}: {Clipped} of the last {Window} steps were clipped and no loss is given, so the guard cannot tell a network learning its scale from a slow divergence. Pass the loss (guard.step(loss)) to turn on the loss checks: spikes, a rising trend, a listening recovery",
                    steps, recentClipCount, HintWindow);
            }
        }

        private void Log(LogLevel level, string template, params object?[] args)
        {
            var logger = options.Logger;
            if (logger is not null && logger.IsEnabled(level))
            {
#pragma warning disable CA2254 // the templates are constants of this class
                logger.Log(level, template, args);
#pragma warning restore CA2254
            }
        }

        private void ReleaseLastCulpritState()
        {
            lastPerParameterNorms?.Dispose();
            lastPerParameterNorms = null;
            lastNames = null;
        }

        // ---- State ------------------------------------------------------------------------------

        private const int StateFormatVersion = 4;

        /// <summary>
        /// The guard's own state: counters, the policy's statistics (with its settings, checked on load),
        /// the divergence monitor and the learning-rate back-off. The repair snapshot is not saved: a
        /// loaded guard takes a fresh one at its next step.
        /// </summary>
        public void Save(BinaryWriter writer)
        {
            writer.Write(StateFormatVersion);
            writer.Write(options.Clipping.Settings);
            writer.Write(steps);
            writer.Write(clippedSteps);
            writer.Write(skippedSteps);
            writer.Write(nonFiniteSteps);
            writer.Write(lossSpikes);
            writer.Write(repairs);
            writer.Write(overflows);
            writer.Write(consecutiveSkips);
            writer.Write(cleanSteps);
            policy.Save(writer);
            monitor.Save(writer);
            backoff.Save(writer);
            writer.Write(scaler is not null);
            scaler?.Save(writer);
        }

        public void Load(BinaryReader reader)
        {
            var version = reader.ReadInt32();
            if (version != StateFormatVersion)
            {
                throw new InvalidDataException($"Unknown guard state version {version}; this GradLint reads version {StateFormatVersion}.");
            }

            var settings = reader.ReadString();
            if (settings != options.Clipping.Settings)
            {
                throw new InvalidDataException($"The saved guard used {settings}, this one uses {options.Clipping.Settings}; load it into a guard with the same clipping policy and settings.");
            }

            steps = reader.ReadInt64();
            clippedSteps = reader.ReadInt64();
            skippedSteps = reader.ReadInt64();
            nonFiniteSteps = reader.ReadInt64();
            lossSpikes = reader.ReadInt64();
            repairs = reader.ReadInt64();
            overflows = reader.ReadInt64();
            consecutiveSkips = reader.ReadInt32();
            cleanSteps = reader.ReadInt32();
            policy.Load(reader);
            monitor.Load(reader);
            backoff.Load(reader);
            var savedScaler = reader.ReadBoolean();
            if (savedScaler != (scaler is not null))
            {
                throw new InvalidDataException(savedScaler
                    ? "The saved guard used loss scaling and this one does not; set GuardOptions.LossScaling to load it."
                    : "The saved guard did not use loss scaling and this one does; load it into a guard without GuardOptions.LossScaling.");
            }

            scaler?.Load(reader);
            snapshot?.Dispose();
            snapshot = null;
            repairsInRow = 0;
            lastRunawayRepair = null;
            lastLossRepair = null;
            LastReport = null;
            ReleaseLastCulpritState();
        }

        public void Dispose()
        {
            ReleaseLastCulpritState();
            snapshot?.Dispose();
            snapshot = null;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using GradLint.Engine;
using Microsoft.Extensions.Logging;
using GradLint.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static GradLint.Tests.Runtime.GuardTestModels;
using static TorchSharp.torch;

namespace GradLint.Tests.Runtime
{
    /// <summary>Divergence detection and repair: snapshot restore, learning-rate back-off, loss spikes, give-up.</summary>
    [Collection(TensorCountCollection.Name)]
    public class GuardRepairTests
    {
        private static List<Tensor> AdamState(optim.Optimizer adam) =>
            ((OptimizerHelper)adam).state_dict().State.Cast<Adam.State>()
                .SelectMany(s => new[] { s.exp_avg.clone().DetachFromDisposeScope(), s.exp_avg_sq.clone().DetachFromDisposeScope(), tensor((double)s.step) })
                .ToList();

        private static void AssertBitIdentical(IReadOnlyList<Tensor> expected, IReadOnlyList<Tensor> actual)
        {
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i].to(ScalarType.Float64).eq(actual[i].to(ScalarType.Float64)).all().item<bool>(), $"tensor {i} differs from the snapshot");
            }
        }

        [Fact]
        public void A_non_finite_streak_restores_weights_and_Adam_state_bit_identical_to_the_snapshot_and_backs_the_learning_rate_off_by_the_default_factor()
        {
            var (x, y) = Data();
            var model = Mlp();
            var options = new GuardOptions { Repair = new RepairOptions { SnapshotInterval = 4, NonFiniteStreak = 2 } };
            using var guard = optim.Adam(model.parameters(), 0.01).WithGradientGuard(options, model);

            // What the weights and moments were before each step: the snapshot is taken inside a step, before its update.
            var before = new Dictionary<long, (List<Tensor> Weights, List<Tensor> Adam)>();
            for (int step = 1; step <= 11; step++)
            {
                Backward(model, guard, x, y);
                before[step] = (Snapshot(model.parameters()), AdamState(guard.Inner));
                guard.step();
            }

            var snapshotStep = guard.SnapshotStep!.Value;
            Assert.True(snapshotStep > 1, $"a healthy run of 4 steps takes a new snapshot (last at {snapshotStep})");

            Backward(model, guard, x, y); PoisonFirstGradient(model); guard.step();
            Assert.Equal(GuardIntervention.Skipped, guard.LastReport!.Intervention);
            Backward(model, guard, x, y); PoisonFirstGradient(model); guard.step();

            var report = guard.LastReport!;
            Assert.True(report.Repaired);
            Assert.Equal(SkipReason.Divergence, report.SkipReason);
            Assert.Equal(snapshotStep, report.RestoredStep);
            Assert.Equal("fc1.weight", report.Culprit);
            AssertBitIdentical(before[snapshotStep].Weights, Snapshot(model.parameters()));
            AssertBitIdentical(before[snapshotStep].Adam, AdamState(guard.Inner));
            Assert.Equal(0.25, guard.LearningRateScale);   // RepairOptions.BackoffFactor's default
            Assert.Equal(0.25, report.LearningRateScale);
            Assert.Equal(0.01, guard.ParamGroups.First().LearningRate);   // the scheduled rate is untouched
            Assert.Equal(1, guard.Statistics.Repairs);
            Assert.Contains("restored step", report.ToString());
        }

        [Fact]
        public void The_backed_off_rate_is_used_by_the_inner_step_on_top_of_a_schedulers_rate_and_recovers_only_half_way()
        {
            var p = new Parameter(zeros(2));
            var options = new GuardOptions { Clipping = ClippingPolicy.None, Repair = new RepairOptions { NonFiniteStreak = 1, RecoverySteps = 4, BackoffFactor = 0.5 } };
            using var guard = optim.SGD(new[] { p }, 1.0).WithGradientGuard(options);
            var scheduler = optim.lr_scheduler.StepLR(guard, 1, 0.5);   // halves the scheduled rate every step

            SetGrad(p, 1f, 1f); guard.step(); scheduler.step();           // rate 1 → 0.5; w = -1
            SetGrad(p, float.NaN, 1f); guard.step(); scheduler.step();    // repair: w back to 0 (snapshot of step 1), scale 0.5
            Assert.True(guard.LastReport!.Repaired);
            Assert.Equal(new[] { 0f, 0f }, p.data<float>().ToArray());
            Assert.Equal(0.25, guard.ParamGroups.First().LearningRate, 12);   // the scheduler's value, not undone and not scaled

            SetGrad(p, 1f, 1f); guard.step();
            // The inner step used 0.25 (scheduled) × the back-off scale, which has begun to recover:
            // 0.5 × (√0.5 / 0.5)^(1/4) after one healthy step of four.
            var scale = guard.LastReport!.LearningRateScale;
            Assert.Equal(0.5 * Math.Pow(Math.Sqrt(0.5) / 0.5, 0.25), scale, 9);
            Assert.Equal(-0.25 * scale, p.data<float>()[0], 6);
            Assert.Equal(0.25, guard.ParamGroups.First().LearningRate, 12);

            for (int i = 0; i < 10; i++) { SetGrad(p, 0f, 0f); guard.step(); }
            Assert.Equal(Math.Sqrt(0.5), guard.LearningRateScale, 9);   // geometric midpoint of 0.5 and the rate that diverged (1)
        }

        [Fact]
        public void After_MaxRepairs_in_a_row_the_guard_throws_saying_what_it_tried()
        {
            var (x, y) = Data();
            var model = Mlp();
            var options = new GuardOptions { Repair = new RepairOptions { NonFiniteStreak = 1, MaxRepairs = 2, BackoffFactor = 0.5 } };
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(options, model);
            Backward(model, guard, x, y); guard.step();
            for (int i = 0; i < 2; i++)
            {
                Backward(model, guard, x, y); PoisonFirstGradient(model); guard.step();
                Assert.True(guard.LastReport!.Repaired);
            }

            Backward(model, guard, x, y); PoisonFirstGradient(model);
            var ex = Assert.Throws<TrainingDivergedException>(() => guard.step());
            Assert.Contains("2 repairs in a row", ex.Message);
            Assert.Contains("learning rate", ex.Message);
            Assert.Equal(new[] { "fc1.weight" }, ex.Culprits);
            Assert.Equal(0.25, guard.LearningRateScale, 12);
        }

        [Fact]
        public void A_loss_jump_like_ORIGINs_7000_to_1000000_is_skipped_and_a_sustained_one_is_repaired()
        {
            var (x, y) = Data();
            var model = Mlp();
            // A learning rate that keeps the (scaled) loss near 7,000: the test is about the loss's statistics.
            using var guard = optim.SGD(model.parameters(), 1e-8).WithGradientGuard(model: model);
            var random = new Random(1);

            Tensor Loss(double scale)
            {
                guard.zero_grad();
                // A loss around 7,000 that varies from batch to batch, as in the article.
                var loss = nn.functional.mse_loss(model.call(x), y) * (7000 / 0.3) * (0.9 + 0.2 * random.NextDouble()) * scale;
                loss.backward();
                return loss;
            }

            for (int i = 0; i < 30; i++)
            {
                using var scope = NewDisposeScope();
                guard.step(Loss(1));
                Assert.False(guard.LastReport!.StepSkipped, $"ordinary step {i + 1} was skipped: {guard.LastReport}");
            }

            var weights = Snapshot(model.parameters());
            using (NewDisposeScope()) guard.step(Loss(140));   // 7,000 → ~1,000,000
            Assert.Equal(SkipReason.LossSpike, guard.LastReport!.SkipReason);
            Assert.True(guard.LastReport.Loss > 5e5);
            AssertBitIdentical(weights, Snapshot(model.parameters()));

            using (NewDisposeScope()) guard.step(Loss(1));
            Assert.False(guard.LastReport!.StepSkipped);

            using (NewDisposeScope()) guard.step(Loss(140));
            using (NewDisposeScope()) guard.step(Loss(140));
            Assert.Equal(SkipReason.LossSpike, guard.LastReport!.SkipReason);
            using (NewDisposeScope()) guard.step(Loss(140));
            Assert.True(guard.LastReport!.Repaired);
            Assert.Equal(4, guard.Statistics.LossSpikes);
            Assert.Equal(1, guard.Statistics.Repairs);
        }

        [Fact]
        public void A_loss_that_creeps_to_LossRiseRatio_times_its_best_level_is_repaired_and_the_best_level_rolls_back_with_the_snapshot()
        {
            var p = new Parameter(zeros(1));
            var options = new GuardOptions { Clipping = ClippingPolicy.None, Repair = new RepairOptions { SnapshotInterval = 1000 } };
            using var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(options);
            var repairs = new List<long>();
            void Step(double loss)
            {
                SetGrad(p, 0.1f);
                guard.step(tensor(loss));
                if (guard.LastReport!.Repaired) repairs.Add(guard.LastReport.Step);
            }

            for (int i = 0; i < 40; i++) Step(1.0 - 0.02 * i);                 // learns: 1.0 → 0.22
            for (int i = 0; i < 60 && repairs.Count == 0; i++) Step(0.22 * Math.Pow(1.04, i));   // creeps up 4% a step, never a spike
            Assert.Single(repairs);
            Assert.Equal(SkipReason.Divergence, guard.LastReport!.SkipReason);
            Assert.Equal(1, guard.LastReport.RestoredStep);
            Assert.Equal(0, guard.Statistics.LossSpikes);

            // Back at step 1's weights the loss is step 1's again (1.0): not "3x worse than the best",
            // because the best level went back to what it was when the snapshot was taken.
            for (int i = 0; i < 40; i++) Step(1.0);
            Assert.Single(repairs);
        }

        /// <summary>
        /// Drives a guard (no clipping, repair on, a snapshot every 10 healthy steps) with losses from
        /// <paramref name="loss"/>(step, weightsRestored): the second argument is true once a repair has restored
        /// the snapshot, so a test can say what the restored weights give.
        /// </summary>
        private static (GuardedOptimizer Guard, List<long> Repairs, ListLogger Logger) RunLosses(Func<int, bool, double> loss, int steps)
        {
            var logger = new ListLogger();
            var p = new Parameter(zeros(1));
            var options = new GuardOptions { Clipping = ClippingPolicy.None, Logger = logger, Repair = new RepairOptions { SnapshotInterval = 10 } };
            var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(options);
            var repairs = new List<long>();
            for (int step = 1; step <= steps; step++)
            {
                SetGrad(p, 0.1f);
                guard.step(tensor(loss(step, repairs.Count > 0)));
                if (guard.LastReport!.Repaired) repairs.Add(guard.LastReport.Step);
            }

            return (guard, repairs, logger);
        }

        [Fact]
        public void When_the_restored_weights_give_the_same_higher_loss_the_objective_changed_and_the_back_off_is_undone()
        {
            // A KL weight annealed upwards from step 60: the loss level climbs 1 → 4 (5 % of the start a step, no
            // spike) whatever the weights. The trend repair restores a snapshot; its weights give the same loss, so
            // once 20 losses say so the guard undoes the back-off and restarts the best level — without that
            // judgement it repairs again and again.
            var (guard, repairs, logger) = RunLosses((step, _) => Annealed(step), steps: 250);
            using (guard)
            {
                Assert.Single(repairs);
                Assert.Equal(1.0, guard.LearningRateScale, 12);
                var entry = Assert.Single(logger.Entries, e => e.Message.Contains("the objective or the data changed"));
                Assert.Equal(LogLevel.Information, entry.Level);
                Assert.True(Convert.ToDouble(entry.Fields["LossRatio"]) >= 3, $"ratio {entry.Fields["LossRatio"]}");
            }
        }

        /// <summary>A loss whose objective changes from step 60: 1, then 5 % more a step up to 4.</summary>
        private static double Annealed(int step) => Math.Min(4.0, 1.0 + 0.05 * Math.Max(0, step - 60));

        [Fact]
        public void When_the_restored_weights_bring_the_loss_back_to_its_level_the_loss_repair_stands()
        {
            // A slow divergence: the loss climbs from step 60, but the restored weights give the old level again.
            var (guard, repairs, logger) = RunLosses((step, restored) => restored || step < 60 ? 1.0 : 1.0 + 0.05 * (step - 60), steps: 200);
            using (guard)
            {
                Assert.Single(repairs);
                Assert.True(guard.LearningRateScale < 1, $"scale {guard.LearningRateScale}");
                Assert.DoesNotContain(logger.Entries, e => e.Message.Contains("the objective or the data changed"));
            }
        }

        [Fact]
        public void A_run_that_already_backed_off_gets_no_benefit_of_the_doubt_and_the_loss_repair_stands()
        {
            // The same change of objective, after an earlier repair (a non-finite step at step 5) left the rate
            // backed off: a snapshot may then sit on the way up of a divergence, so the loss repair is not undone.
            var logger = new ListLogger();
            var p = new Parameter(zeros(1));
            var options = new GuardOptions { Clipping = ClippingPolicy.None, Logger = logger, Repair = new RepairOptions { SnapshotInterval = 10, NonFiniteStreak = 1, RecoverySteps = 10_000 } };
            using var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(options);
            var lossRepairs = 0;
            for (int step = 1; step <= 200 && lossRepairs == 0; step++)
            {
                SetGrad(p, step == 5 ? float.NaN : 0.1f);
                guard.step(tensor(Annealed(step)));
                if (step > 5 && guard.LastReport!.Repaired) lossRepairs++;
            }

            for (int step = 0; step < 40; step++) { SetGrad(p, 0.1f); guard.step(tensor(4.0)); }   // the restored weights give the annealed loss as well

            Assert.Equal(1, lossRepairs);
            Assert.True(guard.LearningRateScale < 0.25, $"learning-rate scale {guard.LearningRateScale}");   // two back-offs in force
            Assert.DoesNotContain(logger.Entries, e => e.Message.Contains("the objective or the data changed"));
        }

        /// <summary>Drives a guard (no clipping, repair on) with one parameter whose gradient norm at each step is <paramref name="norm"/>(step).</summary>
        private static GuardStatistics RunNorms(Func<int, float> norm, int steps = 80, List<GuardStepReport>? repairs = null)
        {
            var p = new Parameter(zeros(1));
            using var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.None });
            for (int step = 1; step <= steps; step++)
            {
                SetGrad(p, norm(step));
                guard.step();
                if (guard.LastReport!.Intervention == GuardIntervention.Repaired) repairs?.Add(guard.LastReport);
            }

            return guard.Statistics;
        }

        [Fact]
        public void Gradient_norms_that_run_away_from_their_level_are_repaired_but_slow_natural_growth_is_not()
        {
            Assert.Equal(0, RunNorms(step => (float)Math.Pow(1.05, step)).Repairs);                    // ×49 over 80 steps: a network learning its scale
            Assert.True(RunNorms(step => step < 40 ? 1f : (float)Math.Pow(1.6, step - 40)).Repairs >= 1);   // ×1.6 a step from step 40
        }

        [Fact]
        public void A_runaway_inside_the_first_steps_is_repaired_because_the_level_starts_at_the_first_norm()
        {
            // A learning rate far too high shows in the first handful of steps (an LSTM at 60x: norm 3 at
            // steps 1-3, 1,000 at step 4): the level is the norms before the recent five from the first one
            // on, so the runaway test works from step 6 instead of waiting for a long history.
            var repairs = new List<GuardStepReport>();
            RunNorms(step => step <= 2 ? 1f : 100f, steps: 12, repairs);
            Assert.NotEmpty(repairs);
            Assert.True(repairs[0].Step <= 8, $"first repair at step {repairs[0].Step}");

            // A single early outlier is one of the recent five, not their median.
            Assert.Equal(0, RunNorms(step => step == 3 ? 100f : 1f, steps: 40).Repairs);
        }

        [Fact]
        public void When_the_restored_weights_still_give_runaway_norms_the_data_changed_and_the_back_off_is_undone()
        {
            // An RL agent whose first rewards arrive at step 30: from then on every gradient is 100x the
            // level, whatever the weights. The runaway repair restores the snapshot (of step 21, which
            // remembers the level of 1); its weights give the same high norm, so the guard undoes the
            // back-off and restarts the level from the new norms — without that, it repairs again and again
            // and MaxRepairs throws.
            var logger = new ListLogger();
            var p = new Parameter(zeros(1));
            var options = new GuardOptions { Clipping = ClippingPolicy.None, Logger = logger, Repair = new RepairOptions { SnapshotInterval = 10 } };
            using var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(options);
            for (int step = 1; step <= 150; step++)
            {
                SetGrad(p, step < 30 ? 1f : 100f);
                guard.step();
            }

            Assert.Equal(1, guard.Statistics.Repairs);
            Assert.Equal(1.0, guard.LearningRateScale, 12);
            var entry = Assert.Single(logger.Entries, e => e.Message.Contains("the data changed, not the weights"));
            Assert.Equal(LogLevel.Information, entry.Level);
            Assert.Equal(100.0, Convert.ToDouble(entry.Fields["Ratio"]), 6);
        }

        [Fact]
        public void A_run_that_already_backed_off_gets_no_benefit_of_the_doubt_and_the_runaway_repair_stands()
        {
            // The same change of regime, after an earlier repair (a non-finite step at step 5) left the rate
            // backed off: the runaway repair is not undone, whatever the restored weights give.
            var p = new Parameter(zeros(1));
            var options = new GuardOptions { Clipping = ClippingPolicy.None, Repair = new RepairOptions { SnapshotInterval = 10, NonFiniteStreak = 1, BackoffFactor = 0.5 } };
            using var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(options);
            double scaleAfterFirstRunawayRepair = double.NaN;
            for (int step = 1; step <= 60 && double.IsNaN(scaleAfterFirstRunawayRepair); step++)
            {
                SetGrad(p, step == 5 ? float.NaN : step < 30 ? 1f : 100f);
                guard.step();
                if (step > 30 && guard.LastReport!.Intervention == GuardIntervention.Repaired)
                {
                    SetGrad(p, 100f);
                    guard.step();   // the step on the restored weights, where the first guard undid the back-off
                    scaleAfterFirstRunawayRepair = guard.LearningRateScale;
                }
            }

            Assert.Equal(2, guard.Statistics.Repairs);
            Assert.True(scaleAfterFirstRunawayRepair < 0.5, $"learning-rate scale {scaleAfterFirstRunawayRepair}");
        }

        [Fact]
        public void When_the_restored_weights_bring_the_norms_back_to_their_level_the_back_off_stays()
        {
            // loss = 1.5 p², SGD at lr 1: each step multiplies p by -2, so the gradient norm doubles every
            // step — the weights are what ran away. After the repair the snapshot's weights give a norm at
            // the level again, and the backed-off rate (p × 0.25 a step) converges.
            var p = new Parameter(ones(1));
            using var guard = optim.SGD(new[] { p }, 1.0).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.None });
            for (int step = 1; step <= 40; step++)
            {
                guard.zero_grad();
                using var scope = NewDisposeScope();
                (1.5 * p * p).sum().backward();
                guard.step();
            }

            Assert.True(guard.Statistics.Repairs >= 1);
            Assert.True(guard.LearningRateScale < 1, $"learning-rate scale {guard.LearningRateScale}");
            Assert.True(Math.Abs(p.item<float>()) < 1e-3, $"p = {p.item<float>()}");
        }

        [Fact]
        public void After_a_repair_the_rate_climbs_back_only_while_the_loss_does_not_get_worse()
        {
            // Losses after the repair: level 1.0, then 1.4 (40% above the best since the repair), then 0.9.
            static (List<double> Scales, double Final) Run(double tolerance)
            {
                var p = new Parameter(zeros(1));
                var options = new GuardOptions
                {
                    Clipping = ClippingPolicy.None,
                    Repair = new RepairOptions { NonFiniteStreak = 1, RecoverySteps = 50, SnapshotInterval = 1000, RecoveryLossTolerance = tolerance, BackoffFactor = 0.5 },
                };
                using var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(options);
                for (int i = 0; i < 5; i++) { SetGrad(p, 0.1f); guard.step(tensor(1.0)); }
                SetGrad(p, float.NaN); guard.step(tensor(1.0));
                Assert.True(guard.LastReport!.Repaired);
                var scales = new List<double>();
                foreach (var loss in Enumerable.Repeat(1.0, 30).Concat(Enumerable.Repeat(1.4, 30)).Concat(Enumerable.Repeat(0.9, 40)))
                {
                    SetGrad(p, 0.1f);
                    guard.step(tensor(loss));
                    Assert.False(guard.LastReport!.Repaired);
                    scales.Add(guard.LearningRateScale);
                }

                return (scales, guard.LearningRateScale);
            }

            var (listening, final) = Run(1.25);
            Assert.True(final < Math.Sqrt(0.5) - 1e-3 && final > 0.5, $"scale {final}");
            Assert.Contains(final, listening.Take(30));                       // the rate of the best level (the first phase)…
            Assert.All(listening.Skip(60), scale => Assert.Equal(final, scale));   // … kept, even as the loss improves again
            Assert.True(listening.Skip(30).Take(30).Max() > final);              // it had climbed higher before the loss said so

            var (_, regardless) = Run(double.PositiveInfinity);
            Assert.Equal(Math.Sqrt(0.5), regardless, 9);                       // without listening: the geometric midpoint
        }

        [Fact]
        public void The_listening_climb_round_trips_through_save_and_load()
        {
            var original = new LearningRateBackoff();
            original.BackOff(0.5, 10);
            foreach (var level in new[] { double.NaN, 1.0, 0.8, 0.9 }) original.Recover(level, 1.25);
            using var stream = new System.IO.MemoryStream();
            using (var writer = new System.IO.BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) original.Save(writer);
            stream.Position = 0;
            var copy = new LearningRateBackoff();
            using (var reader = new System.IO.BinaryReader(stream)) copy.Load(reader);

            // The best level since the repair (0.8) and the rate it was reached at travel with the state.
            original.Recover(1.01, 1.25);
            copy.Recover(1.01, 1.25);
            Assert.Equal(original.Scale, copy.Scale);
            Assert.True(copy.Scale < Math.Sqrt(0.5));
            var frozen = copy.Scale;
            copy.Recover(0.5, 1.25);
            Assert.Equal(frozen, copy.Scale);
        }

        [Fact]
        public void RecoveryLossTolerance_rejects_values_that_are_not_above_one()
        {
            var repair = new RepairOptions();
            Assert.Equal(1.25, repair.RecoveryLossTolerance);
            foreach (var bad in new[] { 1.0, 0.5, 0, -2, double.NaN })
            {
                var ex = Assert.Throws<ArgumentOutOfRangeException>(() => repair.RecoveryLossTolerance = bad);
                Assert.Contains("RecoveryLossTolerance must be > 1", ex.Message);
            }

            repair.RecoveryLossTolerance = double.PositiveInfinity;
            Assert.Equal(double.PositiveInfinity, repair.RecoveryLossTolerance);
        }

        [Fact]
        public void Repair_state_round_trips_through_state_dict()
        {
            var (x, y) = Data();
            var model = Mlp();
            var options = new GuardOptions { Repair = new RepairOptions { NonFiniteStreak = 1, BackoffFactor = 0.5 } };
            using var guard = optim.Adam(model.parameters(), 0.01).WithGradientGuard(options, model);
            for (int i = 0; i < 5; i++) { Backward(model, guard, x, y); guard.step(); }
            Backward(model, guard, x, y); PoisonFirstGradient(model); guard.step();
            Assert.Equal(0.5, guard.LearningRateScale);

            var saved = guard.state_dict();
            using var restored = optim.Adam(model.parameters(), 0.01).WithGradientGuard(options, model);
            restored.load_state_dict(saved);
            Assert.Equal(guard.Statistics, restored.Statistics);
            Assert.Equal(0.5, restored.LearningRateScale);
        }
    }
}

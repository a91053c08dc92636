using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GradLint.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static GradLint.Tests.Runtime.GuardTestModels;
using static TorchSharp.torch;

namespace GradLint.Tests.Runtime
{
    [Collection(TensorCountCollection.Name)]
    public class GuardedOptimizerTests
    {
        // ---- Equivalence with TorchSharp's clip_grad_norm_ ------------------------------------

        [Theory]
        [InlineData(0.05)]
        [InlineData(1e6)]
        public void FixedNorm_leaves_the_same_gradients_and_weights_as_clip_grad_norm_(double maxNorm)
        {
            var (x, y) = Data();
            var reference = Mlp();
            var guarded = Mlp();
            using var referenceOptimizer = optim.SGD(reference.parameters(), 0.1);
            using var guard = optim.SGD(guarded.parameters(), 0.1).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(maxNorm) }, guarded);

            for (int step = 0; step < 5; step++)
            {
                Backward(reference, referenceOptimizer, x, y, scale: 10);
                var referenceNorm = nn.utils.clip_grad_norm_(reference.parameters(), maxNorm);
                referenceOptimizer.step();

                Backward(guarded, guard, x, y, scale: 10);
                guard.step();

                Assert.Equal(referenceNorm, guard.LastReport!.NormBefore, referenceNorm * 1e-6);
                Assert.Equal(maxNorm < referenceNorm, guard.LastReport.Clipped);
                AssertClose(Snapshot(reference.parameters(), grads: true), Snapshot(guarded.parameters(), grads: true), 1e-6);
                AssertClose(Snapshot(reference.parameters()), Snapshot(guarded.parameters()), 1e-6);
            }
        }

        private static void AssertClose(List<Tensor> expected, List<Tensor> actual, double relative)
        {
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                var e = expected[i].data<float>().ToArray();
                var a = actual[i].data<float>().ToArray();
                for (int j = 0; j < e.Length; j++)
                {
                    Assert.True(Math.Abs(e[j] - a[j]) <= relative * Math.Max(1e-3, Math.Abs(e[j])), $"tensor {i}[{j}]: expected {e[j]}, got {a[j]}");
                }
            }
        }

        // ---- Adaptive thresholds against independent references ------------------------------

        private static readonly double[] NormsWithSpikes = BuildNorms();

        private static double[] BuildNorms()
        {
            var random = new Random(3);
            var norms = new double[120];
            for (int i = 0; i < norms.Length; i++)
            {
                norms[i] = 1.0 + 0.2 * random.NextDouble() + 0.002 * i;
            }

            norms[40] = 25; norms[41] = 9; norms[70] = 400; norms[95] = 3;
            norms[55] = double.NaN; norms[80] = double.PositiveInfinity;
            return norms;
        }

        [Fact]
        public void ZClip_limits_equal_an_independent_reference_of_the_paper_and_ignore_non_finite_norms()
        {
            const double alpha = 0.9, z = 2.5;
            const int warmup = 10;
            var reports = DriveNorms(ClippingPolicy.ZClip(alpha, z, warmup), NormsWithSpikes);

            // Reference: ZClip as written in the paper, with non-finite norms left out entirely.
            var buffer = new List<double>();
            double mean = 0, variance = 0;
            for (int i = 0; i < NormsWithSpikes.Length; i++)
            {
                var g = (double)(float)NormsWithSpikes[i];
                if (!double.IsFinite(g))
                {
                    Assert.True(reports[i].StepSkipped);
                    continue;
                }

                double expectedLimit = double.PositiveInfinity;
                if (buffer.Count < warmup)
                {
                    buffer.Add(g);
                    if (buffer.Count == warmup)
                    {
                        mean = buffer.Average();
                        variance = buffer.Select(v => (v - mean) * (v - mean)).Average();
                    }
                }
                else
                {
                    var std = Math.Sqrt(variance);
                    var zScore = (g - mean) / (std + 1e-6);
                    var clippedTo = g;
                    if (zScore > z)
                    {
                        expectedLimit = mean + z / zScore * z * std;
                        clippedTo = expectedLimit;
                    }

                    mean = alpha * mean + (1 - alpha) * clippedTo;
                    variance = alpha * variance + (1 - alpha) * Math.Pow(clippedTo - mean, 2);
                }

                Assert.Equal(expectedLimit, reports[i].Limit, 9);
                Assert.Equal(g > expectedLimit, reports[i].Clipped);
            }

            // The spikes are clipped, and a NaN did not switch clipping off afterwards.
            Assert.True(reports[40].Clipped && reports[70].Clipped);
            Assert.True(reports[70].NormAfter < 3, $"the 400 spike after the NaN was clipped to {reports[70].NormAfter}");
        }

        [Fact]
        public void Percentile_limits_equal_numpy_percentile_of_the_finite_history()
        {
            const double percentile = 25;
            const int history = 30;
            var reports = DriveNorms(ClippingPolicy.Percentile(percentile, history), NormsWithSpikes);

            var seen = new List<double>();
            for (int i = 0; i < NormsWithSpikes.Length; i++)
            {
                var g = (double)(float)NormsWithSpikes[i];
                if (!double.IsFinite(g))
                {
                    Assert.True(reports[i].StepSkipped);
                    continue;
                }

                seen.Add(g);
                var window = seen.Skip(Math.Max(0, seen.Count - history)).OrderBy(v => v).ToArray();
                var rank = percentile / 100 * (window.Length - 1);
                var lo = (int)Math.Floor(rank);
                var hi = Math.Min(lo + 1, window.Length - 1);
                var expected = window[lo] + (window[hi] - window[lo]) * (rank - lo);
                Assert.Equal(expected, reports[i].Limit, 9);
            }
        }

        [Fact]
        public void UnitWise_matches_a_hand_computed_AGC_example()
        {
            var weight = new Parameter(tensor(new float[] { 3, 4, 0, 0.0001f }).reshape(2, 2));
            var bias = new Parameter(tensor(new float[] { 1, 0 }));
            using var guard = optim.SGD(new[] { weight, bias }, 0.0).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.UnitWise(lambda: 0.1, eps: 1e-3) });
            SetGrad(weight, 6, 8, 0.3f, 0.4f);
            SetGrad(bias, 0.03f, 0.04f);
            guard.step();

            // Row 0: ‖W‖=5 → limit 0.5, ‖G‖=10 → ×0.05. Row 1: ‖W‖=1e-4 < eps → limit 1e-4, ‖G‖=0.5 → ×2e-4.
            // Bias: ‖W‖=1 → limit 0.1, ‖G‖=0.05 → unchanged.
            using var g = weight.grad!;
            using var b = bias.grad!;
            var expected = new[] { 0.3f, 0.4f, 6e-5f, 8e-5f };
            var actual = g.data<float>().ToArray();
            for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 1e-6f);
            Assert.Equal(new[] { 0.03f, 0.04f }, b.data<float>().ToArray());
            Assert.True(guard.LastReport!.Clipped);
            Assert.Equal(Math.Sqrt(100 + 0.25 + 0.0025), guard.LastReport.NormBefore, 4);
            Assert.Equal(Math.Sqrt(0.25 + 1e-8 + 0.0025), guard.LastReport.NormAfter, 4);
        }

        // ---- Non-finite gradients -----------------------------------------------------------

        [Theory]
        [InlineData(float.NaN)]
        [InlineData(float.PositiveInfinity)]
        public void Skips_the_step_keeps_Adam_moments_and_weights_then_training_converges(float poison)
        {
            var (x, y) = Data();
            var model = Mlp();
            using var guard = optim.Adam(model.parameters(), 0.01).WithGradientGuard(model: model);
            for (int i = 0; i < 5; i++) { Backward(model, guard, x, y); guard.step(); }

            var adam = (OptimizerHelper)guard.Inner;
            var moments = adam.state_dict().State.Cast<Adam.State>().Select(s => (s.step, s.exp_avg.clone().DetachFromDisposeScope(), s.exp_avg_sq.clone().DetachFromDisposeScope())).ToList();
            var weights = Snapshot(model.parameters());

            var first = Backward(model, guard, x, y);
            using (var g = model.parameters().ToList()[2].grad!) { g[0, 3].fill_(poison); }   // fc2.weight
            guard.step();

            var report = guard.LastReport!;
            Assert.True(report.StepSkipped);
            Assert.Equal("fc2.weight", report.Culprit);
            Assert.Equal(0, report.NormAfter);
            AssertClose(weights, Snapshot(model.parameters()), 0);
            var after = adam.state_dict().State.Cast<Adam.State>().ToList();
            for (int i = 0; i < after.Count; i++)
            {
                Assert.Equal(moments[i].Item1, after[i].step);
                Assert.True(moments[i].Item2.eq(after[i].exp_avg).all().item<bool>());
                Assert.True(moments[i].Item3.eq(after[i].exp_avg_sq).all().item<bool>());
            }

            Assert.All(model.parameters(), p => { using var g = p.grad!; Assert.Equal(0, g.abs().sum().item<float>()); });

            float last = first;
            for (int i = 0; i < 150; i++) { last = Backward(model, guard, x, y); guard.step(); }
            Assert.True(last < first * 0.5f, $"loss {first} -> {last}");
            Assert.All(model.parameters(), p => Assert.True(isfinite(p).all().item<bool>()));
            Assert.Equal(new GuardStatistics(156, guard.Statistics.ClippedSteps, 1, 1), guard.Statistics);
        }

        [Fact]
        public void Throw_action_throws_naming_the_culprit_and_changes_nothing()
        {
            var (x, y) = Data();
            var model = Mlp();
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions { OnNonFinite = NonFiniteAction.Throw }, model);
            Backward(model, guard, x, y);
            using (var g = model.parameters().First().grad!) { g[1, 1].fill_(float.NaN); }
            var weights = Snapshot(model.parameters());

            var ex = Assert.Throws<NonFiniteGradientException>(() => guard.step());
            Assert.Equal("fc1.weight", ex.Culprit);
            Assert.Contains("fc1.weight", ex.Message);
            AssertClose(weights, Snapshot(model.parameters()), 0);
        }

        [Fact]
        public void With_repair_off_too_many_consecutive_skips_throw_naming_the_culprits()
        {
            var (x, y) = Data();
            var model = Mlp();
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions { MaxConsecutiveSkips = 3, Repair = new RepairOptions { Enabled = false } }, model);
            for (int i = 0; i < 2; i++)
            {
                Backward(model, guard, x, y);
                using (var g = model.parameters().Last().grad!) { g.fill_(float.NaN); }
                guard.step();
            }

            Backward(model, guard, x, y);
            using (var g = model.parameters().Last().grad!) { g.fill_(float.NaN); }
            var ex = Assert.Throws<TrainingDivergedException>(() => guard.step());
            Assert.Equal(new[] { "fc2.bias" }, ex.Culprits);
            Assert.Contains("3 steps in a row", ex.Message);
        }

        [Fact]
        public void Handles_frozen_parameters_and_parameter_groups()
        {
            var (x, y) = Data();
            var model = Mlp();
            var parameters = model.named_parameters().ToList();
            parameters[0].parameter.requires_grad = false;   // fc1.weight frozen: no grad
            var frozenBefore = parameters[0].parameter.detach().clone();
            var groups = new[]
            {
                new Adam.ParamGroup(parameters.Take(2).Select(p => p.parameter), lr: 0.01),
                new Adam.ParamGroup(parameters.Skip(2).Select(p => p.parameter), lr: 0.001),
            };
            using var guard = optim.Adam(groups).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(1e-3) }, model);
            Assert.Equal(2, guard.ParamGroups.Count());

            Backward(model, guard, x, y);
            guard.step();

            Assert.True(guard.LastReport!.Clipped);
            var culprit = guard.FindCulprit();
            Assert.NotNull(culprit);
            Assert.NotEqual("fc1.weight", culprit);   // frozen: it has no gradient to blame
            Assert.True(frozenBefore.eq(parameters[0].parameter).all().item<bool>());
            Assert.Equal(new[] { 0.01, 0.001 }, guard.ParamGroups.Select(g => g.LearningRate));
        }

        // ---- Drop-in: schedulers, state, events ---------------------------------------------

        [Fact]
        public void Learning_rate_schedulers_drive_the_inner_optimizer_as_they_drive_an_unguarded_one()
        {
            static List<(double Lr, double Momentum)> Run(bool guarded, Func<optim.Optimizer, optim.lr_scheduler.LRScheduler> scheduler, Func<IEnumerable<Parameter>, optim.Optimizer> create)
            {
                var model = Mlp();
                optim.Optimizer optimizer = create(model.parameters());
                if (guarded) optimizer = optimizer.WithGradientGuard();
                var inner = optimizer is GuardedOptimizer g ? g.Inner : optimizer;
                var s = scheduler(optimizer);
                var seen = new List<(double, double)>();
                for (int i = 0; i < 12; i++)
                {
                    s.step();
                    var momentum = inner is optim.IMomentum m ? ((optim.IMomentum)inner.ParamGroups.First()).Momentum : ((optim.IBetas)inner.ParamGroups.First()).Betas.Item1;
                    seen.Add((inner.ParamGroups.First().LearningRate, momentum));
                }

                return seen;
            }

            Func<IEnumerable<Parameter>, optim.Optimizer> sgd = p => optim.SGD(p, 0.1, momentum: 0.9);
            Func<IEnumerable<Parameter>, optim.Optimizer> adam = p => optim.Adam(p, 0.1);
            Func<optim.Optimizer, optim.lr_scheduler.LRScheduler> stepLr = o => optim.lr_scheduler.StepLR(o, 3, 0.5);
            Func<optim.Optimizer, optim.lr_scheduler.LRScheduler> cyclic = o => optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up: 4, cycle_momentum: true);
            Func<optim.Optimizer, optim.lr_scheduler.LRScheduler> oneCycle = o => optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps: 20, cycle_momentum: true);

            Assert.Equal(Run(false, stepLr, adam), Run(true, stepLr, adam));
            Assert.Equal(Run(false, cyclic, sgd), Run(true, cyclic, sgd));
            Assert.Equal(Run(false, oneCycle, sgd), Run(true, oneCycle, sgd));
            Assert.Equal(Run(false, oneCycle, adam), Run(true, oneCycle, adam));
            Assert.True(Run(true, cyclic, sgd).Select(v => v.Momentum).Distinct().Count() > 3);   // momentum really cycles
        }

        [Fact]
        public void State_dict_round_trips_the_inner_optimizer_and_the_guards_statistics()
        {
            var (x, y) = Data();
            var options = new GuardOptions { Clipping = ClippingPolicy.ZScore(warmupSteps: 5) };
            var original = Mlp();
            using var guard = optim.Adam(original.parameters(), 0.01).WithGradientGuard(options, original);
            for (int i = 0; i < 30; i++) { Backward(original, guard, x, y, scale: i == 20 ? 1e4 : 1); guard.step(); }
            Assert.True(guard.Statistics.ClippedSteps >= 1);

            using var checkpoint = new MemoryStream();
            using (var writer = new BinaryWriter(checkpoint, System.Text.Encoding.UTF8, leaveOpen: true)) guard.save_state_dict(writer);
            var inMemory = guard.state_dict();

            foreach (var restoreFromStream in new[] { true, false })
            {
                var copy = Mlp();
                using (no_grad()) { foreach (var (a, b) in copy.parameters().Zip(original.parameters())) a.copy_(b); }
                var restored = optim.Adam(copy.parameters(), 0.01).WithGradientGuard(options, copy);
                if (restoreFromStream)
                {
                    checkpoint.Position = 0;
                    using var reader = new BinaryReader(checkpoint, System.Text.Encoding.UTF8, leaveOpen: true);
                    restored.load_state_dict(reader);
                }
                else
                {
                    restored.load_state_dict(inMemory);
                }

                Assert.Equal(guard.Statistics, restored.Statistics);
                var twin = Mlp();
                using (no_grad()) { foreach (var (a, b) in twin.parameters().Zip(original.parameters())) a.copy_(b); }
                var reference = optim.Adam(twin.parameters(), 0.01).WithGradientGuard(options, twin);
                reference.load_state_dict(inMemory);
                for (int i = 0; i < 5; i++)
                {
                    Backward(copy, restored, x, y, scale: i == 2 ? 1e4 : 1); restored.step();
                    Backward(twin, reference, x, y, scale: i == 2 ? 1e4 : 1); reference.step();
                    Assert.Equal(reference.LastReport!.Limit, restored.LastReport!.Limit);
                }

                AssertClose(Snapshot(twin.parameters()), Snapshot(copy.parameters()), 0);
                restored.Dispose();
                reference.Dispose();
            }
        }

        [Fact]
        public void Raises_an_event_with_a_loggable_report_on_each_intervention()
        {
            var (x, y) = Data();
            var model = Mlp();
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(1e-3) }, model);
            var lines = new List<string>();
            guard.Intervention += (sender, report) => lines.Add(report.ToString());
            Backward(model, guard, x, y);
            guard.step();
            Backward(model, guard, x, y);
            using (var g = model.parameters().First().grad!) { g[0, 0].fill_(float.PositiveInfinity); }
            guard.step();

            Assert.Equal(2, lines.Count);
            Assert.StartsWith("step 1: gradient norm", lines[0]);
            Assert.Contains("clipped to 0.001", lines[0]);
            Assert.Contains("non-finite gradient", lines[1]);
            Assert.Contains("fc1.weight", lines[1]);
        }

        // ---- Memory -------------------------------------------------------------------------

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void No_tensor_leaks_over_1000_guarded_steps(bool callerScope)
        {
            var (x, y) = Data(rows: 16);
            var model = Mlp(width: 4);
            using var guard = optim.Adam(model.parameters(), 0.01).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(1e-4) }, model);

            void Steps(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    // The test's own forward/backward always lives in a scope; the guard's step runs
                    // inside it (callerScope) or outside any scope.
                    using (var scope = NewDisposeScope())
                    {
                        guard.zero_grad();
                        nn.functional.mse_loss(model.call(x), y).backward();
                        if (callerScope) guard.step();
                    }

                    if (!callerScope) guard.step();
                }

                // Kept across steps, and the same after 10 steps as after 1,000: the last clipped
                // step's per-parameter norms (for FindCulprit) and the repair snapshot.
            }

            Steps(10);
            var after10 = TensorCountCollection.LiveTensors();
            Steps(990);
            Assert.Equal(after10, TensorCountCollection.LiveTensors());
            Assert.Equal(1000, guard.Statistics.ClippedSteps);   // every step took the clipped path
        }

        [Fact]
        public void No_tensor_leaks_over_many_steps_with_loss_scaling_probes_and_repairs()
        {
            var (x, y) = Data(rows: 16);
            var model = Mlp(width: 4);
            var options = new GuardOptions
            {
                Clipping = ClippingPolicy.None,
                ProbeLayers = true,
                LossScaling = new LossScalingOptions(),
                Repair = new RepairOptions { NonFiniteStreak = 2, SnapshotInterval = 20 },
            };
            using var guard = optim.Adam(model.parameters(), 0.01).WithGradientGuard(options, model);
            int step = 0;

            void Steps(int count)
            {
                for (int i = 0; i < count; i++, step++)
                {
                    using var scope = NewDisposeScope();
                    guard.zero_grad();
                    var loss = nn.functional.mse_loss(model.call(x), y);
                    guard.ScaleLoss(loss).backward();
                    // Two non-finite losses in a row every 40 steps: a repair restores the snapshot.
                    guard.step(step % 40 is 38 or 39 ? tensor(float.NaN) : loss);
                }
            }

            Steps(40);
            var after40 = TensorCountCollection.LiveTensors();
            Steps(400);
            Assert.Equal(after40, TensorCountCollection.LiveTensors());
            Assert.Equal(11, guard.Statistics.Repairs);
        }

        // ---- Bad input ----------------------------------------------------------------------

        [Fact]
        public void Bad_arguments_throw_with_messages_that_say_what_is_allowed()
        {
            Assert.Contains("WithGradientGuard()", Assert.Throws<ArgumentNullException>(() => ((optim.Optimizer)null!).WithGradientGuard()).Message);
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.FixedNorm(0)).Message);
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.FixedNorm(-1)).Message);
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.FixedNorm(double.NaN)).Message);
            Assert.Contains("(0, 1)", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.ZScore(alpha: 1)).Message);
            Assert.Contains("(0, 1)", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.ZScore(alpha: 0)).Message);
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.ZScore(zThreshold: 0)).Message);
            Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.ZScore(warmupSteps: 0)).Message);
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.ZScore(maxNorm: -2)).Message);
            Assert.Contains("(0, 100]", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.Percentile(0)).Message);
            Assert.Contains("(0, 100]", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.Percentile(101)).Message);
            Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.Percentile(history: 0)).Message);
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.UnitWise(lambda: 0)).Message);
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.UnitWise(eps: -1)).Message);
            Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => new GuardOptions { MaxConsecutiveSkips = 0 }).Message);
            Assert.Contains("ClippingPolicy.None", Assert.Throws<ArgumentNullException>(() => new GuardOptions { Clipping = null! }).Message);
        }

        [Fact]
        public void Wrapping_a_guarded_optimizer_again_is_an_InvalidOperationException()
        {
            using var guard = optim.SGD(Mlp().parameters(), 0.1).WithGradientGuard();
            var ex = Assert.Throws<InvalidOperationException>(() => guard.WithGradientGuard());
            Assert.Contains("already guarded", ex.Message);
        }

        [Fact]
        public void The_guard_has_exactly_the_momentum_and_betas_interfaces_of_the_inner_optimizer()
        {
            using var adam = optim.Adam(Mlp().parameters()).WithGradientGuard();
            using var sgd = optim.SGD(Mlp().parameters(), 0.1, momentum: 0.9).WithGradientGuard();
            using var adagrad = optim.Adagrad(Mlp().parameters()).WithGradientGuard();
            Assert.True(adam is optim.IBetas);
            Assert.False(adam is optim.IMomentum);
            Assert.Equal(0.9, ((optim.IBetas)adam).Betas.Item1);
            Assert.True(sgd is optim.IMomentum);
            Assert.False(sgd is optim.IBetas);
            ((optim.IMomentum)sgd).Momentum = 0.5;
            Assert.Equal(0.5, ((optim.IMomentum)sgd.Inner).Momentum);
            Assert.Equal(optim.Adagrad(Mlp().parameters()) is optim.IMomentum, adagrad is optim.IMomentum);
            Assert.Equal(optim.Adagrad(Mlp().parameters()) is optim.IBetas, adagrad is optim.IBetas);
        }

        // ---- CUDA ---------------------------------------------------------------------------

        [CudaFact]
        public void On_cuda_the_guard_clips_like_clip_grad_norm_and_skips_non_finite_steps()
        {
            var (x, y) = Data();
            var model = Mlp();
            model.to(CUDA);
            x = x.cuda(); y = y.cuda();
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(0.01) }, model);
            Backward(model, guard, x, y, scale: 10);
            var expected = nn.utils.clip_grad_norm_(model.parameters(), double.MaxValue);
            guard.step();
            Assert.Equal(expected, guard.LastReport!.NormBefore, expected * 1e-5);
            Assert.True(guard.LastReport.Clipped);

            Backward(model, guard, x, y);
            using (var g = model.parameters().First().grad!) { g[0, 0].fill_(float.NaN); }
            guard.step();
            Assert.True(guard.LastReport.StepSkipped);
            Assert.Equal("fc1.weight", guard.LastReport.Culprit);
            Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CUDA, p.device_type));
        }
    }
}

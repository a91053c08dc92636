using System;
using System.IO;
using System.Linq;
using GradLint.Demo;
using GradLint.Tests.Infrastructure;
using Xunit;

namespace GradLint.Tests.Demo
{
    /// <summary>The demo's runtime and picture parts, on short runs.</summary>
    [Collection(TensorCountCollection.Name)]
    public class DemoRunTests
    {
        [Fact]
        public void Unprotected_training_explodes_on_the_glitched_task_while_clipping_and_the_guard_do_not()
        {
            // Seed 1: the unprotected weights overflow at step 88 here; 150 steps leave room for another CPU's rounding.
            var runs = Enum.GetValues<Protection>().Select(p => RunOnce(1, p, 150)).ToList();

            var unprotected = runs[0];
            Assert.True(unprotected.NonFiniteSteps > 0, "the unprotected run should reach a non-finite loss");
            Assert.True(double.IsNaN(unprotected.HeldOutLoss) || unprotected.HeldOutLoss > 1);

            foreach (var protectedRun in runs.Skip(1))
            {
                Assert.Equal(0, protectedRun.NonFiniteSteps);
                Assert.True(protectedRun.HeldOutLoss < 0.5, $"{protectedRun.Name}: held-out loss {protectedRun.HeldOutLoss}");
                Assert.True(protectedRun.ClippedSteps > 0);
            }

            var guard = runs[2];
            Assert.Equal(Protection.GradLintGuard, guard.Protection);
            Assert.Null(guard.StoppedBecause);
            Assert.Contains(guard.Culprit, new[] { "fc1", "relu1", "fc2", "relu2", "fc3", "relu3", "out" });
            Assert.Equal(guard.GradNorm.Max(), guard.WorstNorm);
        }

        [Fact]
        public void With_the_learning_rate_ten_times_too_high_the_guard_repairs_and_ends_finite_where_training_unprotected_does_not()
        {
            var text = new StringWriter();
            var runs = RuntimePart.RunTooHighLearningRate(new DemoOptions(150, 1, "unused.png", Plot: false), text);

            var unprotected = runs.Single(r => r.Protection == Protection.Unprotected);
            var guard = runs.Single(r => r.Protection == Protection.GradLintGuard);
            Assert.True(unprotected.NonFiniteSteps > 0);
            Assert.Equal(0, guard.NonFiniteSteps);
            Assert.True(double.IsFinite(guard.HeldOutLoss) && guard.HeldOutLoss < 0.5, $"held-out {guard.HeldOutLoss}");
            Assert.True(guard.RepairedSteps >= 1);
            Assert.Equal(guard.RepairedSteps, guard.Repairs.Count);
            Assert.Contains("divergence; restored step", text.ToString());
            Assert.Contains("repaired", RuntimePart.Table(runs));
        }

        [Fact]
        public void Runs_of_one_seed_see_the_same_batches_and_initial_weights()
        {
            var a = RunOnce(7, Protection.Unprotected, 5);
            var b = RunOnce(7, Protection.Unprotected, 5);
            var other = RunOnce(8, Protection.Unprotected, 5);

            Assert.Equal(a.Loss, b.Loss);
            Assert.Equal(a.GradNorm, b.GradNorm);
            Assert.NotEqual(a.Loss, other.Loss);
        }

        [Fact]
        public void Table_and_plot_show_all_three_runs()
        {
            var runs = Enum.GetValues<Protection>().Select(p => RunOnce(3, p, 30)).ToList();
            var table = RuntimePart.Table(runs);
            foreach (var run in runs)
            {
                Assert.Contains(run.Name, table);
                Assert.Equal(30, run.Loss.Length);
            }

            var path = Path.Combine(Path.GetTempPath(), $"gradlint-demo-test-{Guid.NewGuid():N}.png");
            try
            {
                DemoPlot.Save(runs, path, width: 600, height: 450);
                var bytes = File.ReadAllBytes(path);
                Assert.True(bytes.Length > 10_000, $"PNG of {bytes.Length} bytes");
                Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes.Take(4));
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void Training_steps_leave_no_tensor_behind()
        {
            // Whatever building and disposing a model leaves to TorchSharp is the same for 5 steps
            // and for 60: the difference is what the runner's per-step work would leak.
            foreach (var protection in Enum.GetValues<Protection>())
            {
                RunOnce(5, protection, 5);   // first use of each code path
                var start = TensorCountCollection.LiveTensors();
                RunOnce(5, protection, 5);
                var afterShort = TensorCountCollection.LiveTensors();
                RunOnce(5, protection, 60);
                var afterLong = TensorCountCollection.LiveTensors();

                Assert.True(afterLong - afterShort == afterShort - start, $"{protection}: {afterShort - start} tensors left by a 5-step run, {afterLong - afterShort} by a 60-step run");
            }
        }

        private static RunResult RunOnce(int seed, Protection protection, int steps)
        {
            using var task = new TrainingTask(seed);
            return TrainingRunner.Run(task, protection, steps);
        }

        [Theory]
        [InlineData(new string[0], 300, 1, "gradlint-demo.png", true)]
        [InlineData(new[] { "--steps", "40", "--seed", "5", "--out", "x/plot.png", "--no-plot" }, 40, 5, "x/plot.png", false)]
        public void Options_parse(string[] args, int steps, int seed, string output, bool plot)
        {
            var (options, error, help) = DemoOptions.Parse(args);
            Assert.Null(error);
            Assert.False(help);
            Assert.Equal(new DemoOptions(steps, seed, output, plot), options);
        }

        [Theory]
        [InlineData("--steps", "3", "at least 20")]
        [InlineData("--seed", "x", "whole number")]
        [InlineData("--out", "plot.txt", ".png")]
        [InlineData("--frobnicate", null, "Unknown argument")]
        [InlineData("--steps", null, "needs a value")]
        public void Bad_options_get_an_error_that_says_what_to_type(string flag, string? value, string expected)
        {
            var (options, error, _) = DemoOptions.Parse(value is null ? new[] { flag } : new[] { flag, value });
            Assert.Null(options);
            Assert.Contains(expected, error);
        }

        [Fact]
        public void Help_lists_every_option()
        {
            Assert.True(DemoOptions.Parse(new[] { "--help" }).HelpRequested);
            foreach (var option in new[] { "--steps", "--seed", "--out", "--no-plot", "--help" })
            {
                Assert.Contains(option, DemoOptions.Help);
            }
        }
    }
}

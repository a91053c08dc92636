using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GradLint.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit;
using static GradLint.Tests.Runtime.GuardTestModels;
using static TorchSharp.torch;

namespace GradLint.Tests.Runtime
{
    /// <summary>Seeing what the guard did: Microsoft.Extensions.Logging and TorchSharp's TensorBoard writer.</summary>
    [Collection(TensorCountCollection.Name)]
    public class GuardReportingTests
    {
        [Fact]
        public void Clips_skips_and_repairs_are_logged_with_structured_fields_and_healthy_steps_are_not()
        {
            var (x, y) = Data();
            var model = Mlp();
            var logger = new ListLogger();
            var options = new GuardOptions { Clipping = ClippingPolicy.FixedNorm(1e-3), Logger = logger, Repair = new RepairOptions { NonFiniteStreak = 2, BackoffFactor = 0.5 } };
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(options, model);
            Backward(model, guard, x, y); guard.step();                       // clipped
            Backward(model, guard, x, y); PoisonFirstGradient(model); guard.step();   // skipped
            Backward(model, guard, x, y); PoisonFirstGradient(model); guard.step();   // repaired

            Assert.Equal(new[] { LogLevel.Debug, LogLevel.Warning, LogLevel.Warning }, logger.Entries.Select(e => e.Level));
            Assert.Equal(1L, logger.Entries[0].Fields["Step"]);
            Assert.Equal(1e-3, (double)logger.Entries[0].Fields["Limit"]!, 12);
            Assert.Equal("fc1.weight", logger.Entries[1].Fields["Culprit"]);
            Assert.Equal(SkipReason.NonFiniteGradient, logger.Entries[1].Fields["SkipReason"]);
            Assert.Equal(0.5, (double)logger.Entries[2].Fields["LearningRateScale"]!);
            Assert.Contains("restored step", logger.Entries[2].Message);

            var before = logger.Entries.Count;
            var m = Mlp();
            using var healthy = optim.SGD(m.parameters(), 0.01).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.None, Logger = logger }, m);
            for (int i = 0; i < 5; i++) { Backward(m, healthy, x, y); healthy.step(); }
            Assert.Equal(before, logger.Entries.Count);
        }

        [Fact]
        public void Sustained_clipping_without_the_loss_suggests_passing_it_once_and_never_when_the_loss_is_given()
        {
            // Norms rising ×1.05 a step (×49 over 80 steps): the default limit follows with a lag, so most steps
            // are clipped — a network learning its scale or a slow divergence, which only the loss can tell apart.
            static (List<(LogLevel Level, Dictionary<string, object?> Fields, string Message)> Hints, long Clipped) Run(bool passLoss, Func<int, float> norm)
            {
                var logger = new ListLogger();
                var p = new TorchSharp.Modules.Parameter(zeros(1));
                using var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(new GuardOptions { Logger = logger });
                for (int step = 1; step <= 80; step++)
                {
                    SetGrad(p, norm(step));
                    if (passLoss) guard.step(tensor(1.0)); else guard.step();
                }

                return (logger.Entries.Where(e => e.Message.Contains("guard.step(loss)")).ToList(), guard.Statistics.ClippedSteps);
            }

            Func<int, float> rising = step => (float)Math.Pow(1.05, step);
            var (hints, clipped) = Run(passLoss: false, rising);
            var hint = Assert.Single(hints);
            Assert.Equal(LogLevel.Warning, hint.Level);
            Assert.True(Convert.ToInt32(hint.Fields["Clipped"]) >= 20, $"clipped {hint.Fields["Clipped"]}");
            Assert.True(clipped > Convert.ToInt32(hint.Fields["Clipped"]), $"clipped {clipped} in all");   // said once, although clipping went on
            Assert.Equal(40, Convert.ToInt32(hint.Fields["Window"]));

            Assert.Empty(Run(passLoss: true, rising).Hints);                   // the loss is given: nothing to suggest
            var occasional = Run(passLoss: false, step => step % 7 == 0 ? 5f : 1f);
            Assert.InRange(occasional.Clipped, 5, 19);                         // every seventh step clipped...
            Assert.Empty(occasional.Hints);                                    // ...is no reason
        }

        [Fact]
        public void A_climb_stopped_by_the_loss_after_a_repair_is_logged_once_with_its_figures()
        {
            var logger = new ListLogger();
            var p = new TorchSharp.Modules.Parameter(zeros(1));
            var options = new GuardOptions
            {
                Clipping = ClippingPolicy.None,
                Logger = logger,
                Repair = new RepairOptions { NonFiniteStreak = 1, RecoverySteps = 50, SnapshotInterval = 1000, BackoffFactor = 0.5 },
            };
            using var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(options);
            for (int i = 0; i < 5; i++) { SetGrad(p, 0.1f); guard.step(tensor(1.0)); }
            SetGrad(p, float.NaN); guard.step(tensor(1.0));                     // repaired
            foreach (var loss in Enumerable.Repeat(1.0, 30).Concat(Enumerable.Repeat(1.4, 30)))
            {
                SetGrad(p, 0.1f);
                guard.step(tensor(loss));
            }

            var stops = logger.Entries.Where(e => e.Level == LogLevel.Information).ToList();
            var stop = Assert.Single(stops);
            Assert.Contains("climbed back", stop.Message);
            Assert.Equal(guard.LearningRateScale, (double)stop.Fields["LearningRateScale"]!);
            Assert.True((double)stop.Fields["LossRatio"]! > 1.25);
            Assert.Equal(1.4, (double)stop.Fields["LossLevel"]!, 6);   // the loss is read in float32
        }

        [Fact]
        public void The_TensorBoard_sink_writes_an_event_file_that_reads_back_with_every_figure()
        {
            var (x, y) = Data();
            var model = Mlp();
            var directory = Path.Combine(Path.GetTempPath(), "gradlint-tb-" + Guid.NewGuid().ToString("N"));
            try
            {
                var writer = TorchSharp.torch.utils.tensorboard.SummaryWriter(directory);
                var options = new GuardOptions { ProbeLayers = true, Repair = new RepairOptions { NonFiniteStreak = 1, BackoffFactor = 0.5 } };
                using var guard = optim.SGD(model.parameters(), 0.05).WithGradientGuard(options, model);
                using (guard.LogToTensorBoard(writer))
                {
                    for (int i = 0; i < 4; i++)
                    {
                        using var scope = NewDisposeScope();
                        guard.zero_grad();
                        var loss = nn.functional.mse_loss(model.call(x), y);
                        loss.backward();
                        if (i == 2) PoisonFirstGradient(model);
                        guard.step(loss);
                    }
                }

                Backward(model, guard, x, y); guard.step();   // after Dispose: not written

                var scalars = ReadScalars(Directory.GetFiles(directory).Single());
                Assert.Equal(4, scalars.Count(s => s.Tag == "gradlint/norm_before"));
                Assert.Equal(4, scalars.Count(s => s.Tag == "gradlint/loss"));
                Assert.Equal(new[] { 0f, 0f, 1f, 0f }, scalars.Where(s => s.Tag == "gradlint/repaired").OrderBy(s => s.Step).Select(s => s.Value));
                Assert.Equal(0.05f * 0.5f, scalars.Single(s => s.Tag == "gradlint/lr" && s.Step == 3).Value, 6);
                Assert.Contains(scalars, s => s.Tag.StartsWith("gradlint/layers/", StringComparison.Ordinal) && s.Step == 3);   // probes on the intervention step
                Assert.DoesNotContain(scalars, s => s.Tag.StartsWith("gradlint/layers/", StringComparison.Ordinal) && s.Step == 1);
            }
            finally
            {
                if (Directory.Exists(directory)) Directory.Delete(directory, true);
            }
        }

        // TFRecord framing: uint64 length, uint32 masked CRC, the Event protobuf, uint32 masked CRC.
        private static List<(string Tag, long Step, float Value)> ReadScalars(string file)
        {
            var result = new List<(string, long, float)>();
            using var reader = new BinaryReader(File.Open(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            while (reader.BaseStream.Position < reader.BaseStream.Length)
            {
                var length = reader.ReadUInt64();
                reader.ReadUInt32();
                var e = Tensorboard.Event.Parser.ParseFrom(reader.ReadBytes((int)length));
                reader.ReadUInt32();
                if (e.Summary is null) continue;
                foreach (var v in e.Summary.Value)
                {
                    result.Add((v.Tag, e.Step, v.SimpleValue));
                }
            }

            return result;
        }
    }
}

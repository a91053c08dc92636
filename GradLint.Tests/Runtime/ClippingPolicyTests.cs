using System;
using System.Collections.Generic;
using System.Linq;
using GradLint.Tests.Infrastructure;
using TorchSharp.Modules;
using Xunit;
using static GradLint.Tests.Runtime.GuardTestModels;
using static TorchSharp.torch;

namespace GradLint.Tests.Runtime
{
    /// <summary>The Adaptive default and the corrected ZScore against independent references.</summary>
    [Collection(TensorCountCollection.Name)]
    public class ClippingPolicyTests
    {
        [Fact]
        public void Adaptive_limits_equal_factor_times_the_median_of_what_earlier_steps_used_with_early_slack()
        {
            var random = new Random(4);
            var norms = Enumerable.Range(0, 150).Select(i => 2.0 + random.NextDouble()).ToArray();
            norms[1] = 500; norms[30] = 80; norms[31] = 90; norms[120] = 1e4;
            var reports = DriveNorms(ClippingPolicy.Adaptive(factor: 3, window: 50), norms);

            var used = new List<double>();
            for (int i = 0; i < norms.Length; i++)
            {
                var g = (double)(float)norms[i];
                var window = used.Skip(Math.Max(0, used.Count - 50)).OrderBy(v => v).ToArray();
                double expected = double.PositiveInfinity;
                if (window.Length > 0)
                {
                    var rank = 0.5 * (window.Length - 1);
                    var lo = (int)Math.Floor(rank);
                    var median = window[lo] + (window[Math.Min(lo + 1, window.Length - 1)] - window[lo]) * (rank - lo);
                    expected = 3 * (1 + 4.0 / window.Length) * median;
                }

                Assert.Equal(expected, reports[i].Limit, 9);
                used.Add(Math.Min(g, expected));
            }

            Assert.False(reports[0].Clipped);                    // the first step has no history
            Assert.True(reports[1].Clipped && reports[1].NormAfter <= 15 * norms[0]);   // a spike at step 2 is already cut (to 3 × 5 × the first norm)
            Assert.True(reports[120].NormAfter < 10);
        }

        [Fact]
        public void Adaptive_follows_norms_that_moved_to_a_new_level_while_the_loss_is_healthy_and_still_cuts_a_jump()
        {
            // A network learning its scale: norms steady for 40 steps, then ×1.08 a step for 60 (×100), a jump ×20 at
            // step 101, then steady at the new level. The loss is flat (noisy) throughout.
            var random = new Random(7);
            var norms = Enumerable.Range(0, 40).Select(_ => 1.0 + 0.1 * random.NextDouble()).ToList();
            norms.AddRange(Enumerable.Range(1, 60).Select(i => Math.Pow(1.08, i)));
            norms.Add(20 * norms[^1]);
            norms.AddRange(Enumerable.Range(0, 20).Select(_ => norms[99] * (1 + 0.1 * random.NextDouble())));
            var flat = norms.Select(_ => 1.0 + 0.2 * random.NextDouble()).ToList();
            var rising = flat.Select((l, i) => i < 40 ? l : l * (1 + (i - 40) / 20.0)).ToList();   // 1.5× its level by step 50 (repair is off)

            var vouched = DriveNorms(ClippingPolicy.Adaptive(), norms, flat);
            var withoutLoss = DriveNorms(ClippingPolicy.Adaptive(), norms);
            var lossRising = DriveNorms(ClippingPolicy.Adaptive(), norms, rising);

            int ClippedInGrowth(List<GradLint.GuardStepReport> reports) => reports.Skip(60).Take(40).Count(r => r.Clipped);
            Assert.Equal(0, ClippedInGrowth(vouched));                          // the limit follows the new level
            Assert.True(ClippedInGrowth(withoutLoss) >= 35, $"without the loss: {ClippedInGrowth(withoutLoss)} of 40 clipped");
            Assert.True(ClippedInGrowth(lossRising) >= 35, $"loss rising: {ClippedInGrowth(lossRising)} of 40 clipped");
            Assert.True(vouched[100].Clipped && vouched[100].NormAfter <= 3.5 * norms[99], $"the jump: {vouched[100].NormAfter} after clipping");
            Assert.All(vouched.Skip(101), r => Assert.False(r.Clipped));       // steady at the new level
            Assert.True(withoutLoss.Skip(101).Count(r => r.Clipped) >= 15);      // step() still lags it
        }

        [Fact]
        public void ZScore_protects_its_warm_up_and_does_not_ratchet_up_with_a_sustained_rise_where_ZClip_does()
        {
            var norms = Enumerable.Range(0, 30).Select(i => 1.0 + 0.01 * (i % 5)).ToList();
            norms[5] = 400;                                                          // a spike inside the warm-up
            norms.AddRange(Enumerable.Range(0, 60).Select(i => 1.2 * Math.Pow(1.08, i)));   // a sustained rise
            var zscore = DriveNorms(ClippingPolicy.ZScore(warmupSteps: 25), norms);
            var zclip = DriveNorms(ClippingPolicy.ZClip(warmupSteps: 25), norms);

            Assert.True(zscore[5].Clipped && zscore[5].NormAfter < 20);
            Assert.False(zclip[5].Clipped);                                        // the paper leaves warm-up to maxNorm
            Assert.True(zscore[^1].Limit < 2, $"ZScore's limit followed the rise to {zscore[^1].Limit}");
            Assert.True(zclip[^1].Limit > 2 * zscore[^1].Limit, $"ZClip {zclip[^1].Limit} vs ZScore {zscore[^1].Limit}");
        }

        [Fact]
        public void Policy_settings_read_as_written_and_bad_ones_say_what_is_allowed()
        {
            Assert.Equal("Adaptive(factor=3, window=50, maxNorm=none)", ClippingPolicy.Adaptive().ToString());
            Assert.Equal("ZClip(alpha=0.97, z=2.5, warmup=25, maxNorm=1)", ClippingPolicy.ZClip(maxNorm: 1).ToString());
            Assert.Contains("> 1", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.Adaptive(factor: 1)).Message);
            Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => ClippingPolicy.Adaptive(window: 0)).Message);
            Assert.Contains("(0, 1)", Assert.Throws<ArgumentOutOfRangeException>(() => new RepairOptions { BackoffFactor = 1 }).Message);
            Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => new RepairOptions { MaxRepairs = 0 }).Message);
            Assert.Contains("> 1", Assert.Throws<ArgumentOutOfRangeException>(() => new RepairOptions { RunawayRatio = 1 }).Message);
            Assert.Contains("Enabled = false", Assert.Throws<ArgumentNullException>(() => new GuardOptions { Repair = null! }).Message);
        }
    }
}

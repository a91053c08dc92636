using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GradLint.Tests.Rules
{
    /// <summary>The numbers on docs/rules/GL1001.md come from this test (real TorchSharp).</summary>
    public class GL1001WhyItMattersTests
    {
        private readonly ITestOutputHelper output;

        public GL1001WhyItMattersTests(ITestOutputHelper output) => this.output = output;

        private sealed record Run(double WeightNormBefore, double WeightNormAfter, double GradNorm, double LossBefore, double LossAfter, double FinalLoss);

        // A 2-layer MLP, SGD lr 0.05, 60 steps on clean data; step 30 sees one outlier batch
        // (inputs ×50, as a mis-scaled or corrupted record would be).
        private static Run Train(bool clip)
        {
            using var scope = NewDisposeScope();
            manual_seed(3);
            var x = randn(128, 8);
            var y = (x.sum(1, keepdim: true) * 0.25).tanh();
            var model = nn.Sequential(("hidden", nn.Linear(8, 32)), ("act", nn.Tanh()), ("out", nn.Linear(32, 1)));
            using var optimizer = optim.SGD(model.parameters(), 0.05);
            double WeightNorm() => Math.Sqrt(model.parameters().Sum(p => p.pow(2).sum().item<float>()));
            double CleanLoss() { using var _ = no_grad(); return nn.functional.mse_loss(model.call(x), y).item<float>(); }

            double before = 0, after = 0, grad = 0, lossBefore = 0, lossAfter = 0;
            for (int step = 1; step <= 60; step++)
            {
                optimizer.zero_grad();
                var outlier = step == 30;
                if (outlier) { before = WeightNorm(); lossBefore = CleanLoss(); }
                var loss = nn.functional.mse_loss(model.call(outlier ? x * 50 : x), outlier ? y * 50 : y);
                loss.backward();
                var norm = clip ? nn.utils.clip_grad_norm_(model.parameters(), 1.0) : nn.utils.clip_grad_norm_(model.parameters(), 1e30);
                optimizer.step();
                if (outlier) { grad = norm; after = WeightNorm(); lossAfter = CleanLoss(); }
            }

            return new Run(before, after, grad, lossBefore, lossAfter, CleanLoss());
        }

        [Fact]
        public void One_outlier_batch_blows_up_the_weights_without_clipping_and_not_with_it()
        {
            var plain = Train(clip: false);
            var clipped = Train(clip: true);
            output.WriteLine($"without clipping: {plain}");
            output.WriteLine($"with clip_grad_norm_(1.0): {clipped}");

            Assert.Equal(plain.GradNorm, clipped.GradNorm, plain.GradNorm * 0.01);   // the same outlier gradient reached both
            Assert.True(plain.GradNorm > 100, "the outlier batch's gradient norm is large");
            Assert.True(plain.WeightNormAfter > 1.5 * plain.WeightNormBefore, "without clipping the weights jump");
            Assert.True(clipped.WeightNormAfter < 1.1 * clipped.WeightNormBefore, "with clipping they barely move");
            Assert.True(plain.LossAfter > 10 * clipped.LossAfter, "one step undoes the training without clipping");
            Assert.True(plain.FinalLoss > 2 * clipped.FinalLoss, "and 30 more clean steps have not recovered it");
        }
    }
}

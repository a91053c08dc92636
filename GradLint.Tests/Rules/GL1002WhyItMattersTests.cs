using System;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GradLint.Tests.Rules
{
    /// <summary>The numbers on docs/rules/GL1002.md come from this test (real TorchSharp).</summary>
    public class GL1002WhyItMattersTests
    {
        private readonly ITestOutputHelper output;

        public GL1002WhyItMattersTests(ITestOutputHelper output) => this.output = output;

        // Fits y = 3x with one weight, SGD lr 0.3, 30 steps; returns the losses and the gradient used by each step.
        private static (double[] Loss, double[] Grad) Fit(bool zeroGrad)
        {
            using var scope = NewDisposeScope();
            var x = linspace(-1, 1, 64).unsqueeze(1);
            var y = 3 * x;
            var model = nn.Linear(1, 1, hasBias: false);
            using (no_grad()) { model.weight!.fill_(0.0); }
            using var optimizer = optim.SGD(model.parameters(), 0.3);
            var losses = new double[30];
            var grads = new double[30];
            for (int step = 0; step < 30; step++)
            {
                if (zeroGrad) optimizer.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                losses[step] = loss.item<float>();
                using (var g = model.weight!.grad!) { grads[step] = g.item<float>(); }
                optimizer.step();
            }

            return (losses, grads);
        }

        [Fact]
        public void Without_zero_grad_the_gradient_is_a_running_sum_and_training_oscillates_away_from_the_fit()
        {
            var (cleanLoss, cleanGrad) = Fit(zeroGrad: true);
            var (leakyLoss, leakyGrad) = Fit(zeroGrad: false);
            for (int i = 0; i < 30; i++)
            {
                output.WriteLine($"step {i + 1,2}: with zero_grad loss {cleanLoss[i]:F4} grad {cleanGrad[i]:F4} | without loss {leakyLoss[i]:F4} grad {leakyGrad[i]:F4}");
            }

            // Step 1 is identical; from then on the leaky gradient is the sum of all gradients so far.
            Assert.Equal(cleanGrad[0], leakyGrad[0], 6);
            Assert.True(Math.Abs(leakyGrad[2]) > Math.Abs(cleanGrad[2]) * 2);
            Assert.True(cleanLoss[29] < 1e-3 * cleanLoss[0], "with zero_grad the fit converges");
            Assert.True(leakyLoss[29] > 100 * cleanLoss[29], "without zero_grad the loss stays far above the converged one");
        }
    }
}

using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace GradLint.Tests
{
    /// <summary>Real TorchSharp (CPU LibTorch) loads and trains on this machine with no manual step.</summary>
    public class TrainingSmokeTests
    {
        [Fact]
        public void Two_layer_mlp_trains_for_50_steps_and_the_loss_falls()
        {
            using var scope = NewDisposeScope();
            manual_seed(1234);
            var x = randn(256, 8);
            var y = (x.sum(1, keepdim: true) * 0.5).tanh();
            var model = nn.Sequential(("hidden", nn.Linear(8, 32)), ("act", nn.Tanh()), ("out", nn.Linear(32, 1)));
            using var optimizer = optim.Adam(model.parameters(), 0.01);

            float first = float.NaN, last = float.NaN;
            for (int step = 0; step < 50; step++)
            {
                using var stepScope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                optimizer.step();
                var value = loss.item<float>();
                if (step == 0) first = value;
                last = value;
            }

            Assert.True(float.IsFinite(first) && float.IsFinite(last));
            Assert.True(last < first * 0.5f, $"loss went from {first} to {last}; expected it to fall by more than half");
        }
    }
}

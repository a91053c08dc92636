using System;
using System.IO;
using System.Linq;
using GradLint.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace GradLint.Tests.Runtime
{
    /// <summary>Dynamic loss scaling for fp16 models (TorchSharp has no GradScaler).</summary>
    [Collection(TensorCountCollection.Name)]
    public class LossScalingTests
    {
        // x = 1000 through three 1×1 fp16 layers of weight 1e-3, loss = 1e-3 · output: the gradient
        // reaching fc1's output is 1e-9, below fp16's smallest subnormal (6e-8), so fc1.weight's true
        // gradient, 1e-9 · 1000 = 1e-6 (representable), comes out as 0 unless the loss is scaled.
        private static nn.Module<Tensor, Tensor> Chain()
        {
            var model = nn.Sequential(("fc1", nn.Linear(1, 1, hasBias: false)), ("fc2", nn.Linear(1, 1, hasBias: false)), ("fc3", nn.Linear(1, 1, hasBias: false)));
            using (no_grad())
            {
                foreach (var p in model.parameters()) p.fill_(1e-3);
            }

            return model.to(ScalarType.Float16);
        }

        private static readonly Func<Tensor> Input = () => full(1, 1, 1000f).to(ScalarType.Float16);

        private static Tensor Loss(nn.Module<Tensor, Tensor> model) => (model.call(Input()).to(ScalarType.Float32) * 1e-3).sum();

        private static float Fc1Grad(nn.Module<Tensor, Tensor> model)
        {
            using var g = model.parameters().First().grad!;
            return g.to(ScalarType.Float32).item<float>();
        }

        [Fact]
        public void Gradients_that_underflow_in_fp16_without_scaling_are_recovered_with_it()
        {
            var unscaled = Chain();
            Loss(unscaled).backward();
            Assert.Equal(0f, Fc1Grad(unscaled));   // the premise: fp16 loses it

            var model = Chain();
            var options = new GuardOptions { Clipping = ClippingPolicy.None, LossScaling = new LossScalingOptions() };
            using var guard = optim.SGD(model.parameters(), 0.0).WithGradientGuard(options, model);
            guard.zero_grad();
            var loss = Loss(model);
            guard.ScaleLoss(loss).backward();
            guard.step(loss);

            Assert.False(guard.LastReport!.StepSkipped);
            Assert.Equal(65536, guard.LastReport.LossScale);
            Assert.Equal(1e-6, Fc1Grad(model), 1e-6 * 0.05);   // unscaled in place: the true gradient, to fp16 precision
            Assert.Equal(1e-6, guard.LastReport.NormBefore, 1e-6 * 0.05 + 1e-6);
        }

        [Fact]
        public void An_overflow_skips_the_step_and_halves_the_scale_without_a_repair_and_good_steps_grow_it_back()
        {
            manual_seed(4);
            var model = nn.Sequential(("fc", nn.Linear(4, 1))).to(ScalarType.Float16);
            var options = new GuardOptions { LossScaling = new LossScalingOptions { GrowthInterval = 3 } };
            // SGD with momentum: Adam on pure fp16 weights is broken on its own (its eps of 1e-8 is 0 in fp16).
            using var guard = optim.SGD(model.parameters(), 1e-3, momentum: 0.9).WithGradientGuard(options, model);
            var x = ones(8, 4).to(ScalarType.Float16);
            void Step(double lossFactor)
            {
                using var scope = NewDisposeScope();
                guard.zero_grad();
                var loss = (model.call(x).to(ScalarType.Float32) * lossFactor).square().mean();
                guard.ScaleLoss(loss).backward();
                guard.step(loss);
            }

            Step(0.01);   // an ordinary loss: × 65,536 still fits fp16
            Assert.False(guard.LastReport!.StepSkipped);
            var weights = model.parameters().Select(p => p.detach().clone().DetachFromDisposeScope()).ToList();
            Tensor Momentum() => ((OptimizerHelper)guard.Inner).state_dict().State.Cast<SGD.State>().First().momentum_buffer.clone().DetachFromDisposeScope();
            var momentum = Momentum();
            for (int i = 0; i < 5; i++)
            {
                Step(1e4);   // × 65,536 overflows fp16 on the way back
                Assert.Equal(SkipReason.LossScaleOverflow, guard.LastReport!.SkipReason);
            }

            Assert.Equal(65536 / 32.0, guard.LossScale);
            Assert.Equal(5, guard.Statistics.Overflows);
            Assert.Equal(0, guard.Statistics.Repairs);
            Assert.Equal(0, guard.Statistics.NonFiniteSteps);
            Assert.True(momentum.eq(Momentum()).all().item<bool>(), "the momentum buffer changed on a skipped step");
            Assert.All(weights.Zip(model.parameters()), w => Assert.True(w.First.eq(w.Second).all().item<bool>()));
            Assert.Contains("overflowed at loss scale", guard.LastReport!.ToString());

            for (int i = 0; i < 3; i++) Step(0.01);
            Assert.Equal(65536 / 16.0, guard.LossScale);   // three good steps: ×2
        }

        [Fact]
        public void At_the_minimum_scale_a_non_finite_gradient_is_a_real_one()
        {
            var p = new Parameter(zeros(2));
            var options = new GuardOptions { LossScaling = new LossScalingOptions { InitialScale = 4, MinScale = 4 }, Repair = new RepairOptions { Enabled = false } };
            using var guard = optim.SGD(new[] { p }, 0.1).WithGradientGuard(options);
            p.grad = tensor(new[] { float.NaN, 1f });
            guard.step();
            Assert.Equal(SkipReason.NonFiniteGradient, guard.LastReport!.SkipReason);
            Assert.Equal(4, guard.LossScale);
            Assert.Equal(1, guard.Statistics.NonFiniteSteps);
        }

        [Fact]
        public void The_scale_round_trips_through_state_dict_and_a_mismatch_says_what_to_set()
        {
            var p = new Parameter(zeros(2));
            var options = new GuardOptions { LossScaling = new LossScalingOptions() };
            using var guard = optim.SGD(new[] { p }, 0.1).WithGradientGuard(options);
            p.grad = tensor(new[] { float.PositiveInfinity, 1f });
            guard.step();
            Assert.Equal(32768, guard.LossScale);
            var saved = guard.state_dict();

            using var restored = optim.SGD(new[] { p }, 0.1).WithGradientGuard(options);
            restored.load_state_dict(saved);
            Assert.Equal(32768, restored.LossScale);

            using var plain = optim.SGD(new[] { p }, 0.1).WithGradientGuard();
            Assert.Contains("LossScaling", Assert.Throws<InvalidDataException>(() => plain.load_state_dict(saved)).Message);
        }

        [Fact]
        public void Bad_settings_and_LBFGS_get_messages_that_say_what_to_do()
        {
            Assert.Contains("> 0", Assert.Throws<ArgumentOutOfRangeException>(() => new LossScalingOptions { InitialScale = 0 }).Message);
            Assert.Contains("> 1", Assert.Throws<ArgumentOutOfRangeException>(() => new LossScalingOptions { GrowthFactor = 1 }).Message);
            Assert.Contains("(0, 1)", Assert.Throws<ArgumentOutOfRangeException>(() => new LossScalingOptions { BackoffFactor = 1 }).Message);
            Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => new LossScalingOptions { GrowthInterval = 0 }).Message);
            var lbfgs = optim.LBFGS(new[] { new Parameter(zeros(1)) });
            Assert.Contains("LBFGS", Assert.Throws<ArgumentException>(() => lbfgs.WithGradientGuard(new GuardOptions { LossScaling = new LossScalingOptions() })).Message);
            using var off = optim.SGD(new[] { new Parameter(zeros(1)) }, 0.1).WithGradientGuard();
            var loss = tensor(2f);
            Assert.Same(loss, off.ScaleLoss(loss));
            Assert.True(double.IsNaN(off.LossScale));
        }
    }
}

using System;
using System.Linq;
using GradLint.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static GradLint.Tests.Runtime.GuardTestModels;
using static TorchSharp.torch;

namespace GradLint.Tests.Runtime
{
    /// <summary>Paths a GPU or mixed-precision user hits first: half-precision norms, closures, LBFGS, sparse gradients, options and state.</summary>
    [Collection(TensorCountCollection.Name)]
    public class GuardHardeningTests
    {
        [Theory]
        [InlineData(ScalarType.Float16)]
        [InlineData(ScalarType.BFloat16)]
        public void Half_precision_gradients_whose_squares_overflow_still_give_a_finite_float32_norm(ScalarType dtype)
        {
            var p = new Parameter(zeros(100_000, dtype: dtype));
            p.grad = full(100_000, 300, dtype: dtype);   // all finite; true norm 300·√100000 ≈ 94,868
            using var norm = GradientNorms.TotalNorm(new[] { p });
            Assert.Equal(ScalarType.Float32, norm.dtype);
            Assert.Equal(300 * Math.Sqrt(100_000), norm.item<float>(), 94_868 * 2e-3);

            using var guard = optim.SGD(new[] { p }, 0.0).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.None });
            guard.step();
            Assert.False(guard.LastReport!.StepSkipped);
            Assert.Equal(300 * Math.Sqrt(100_000), guard.LastReport.NormBefore, 94_868 * 2e-3);
        }

        [Fact]
        public void Float64_gradients_are_measured_in_float64()
        {
            var p = new Parameter(zeros(3, dtype: ScalarType.Float64));
            p.grad = tensor(new[] { 1e-200, 3.0, 4.0 });
            using var norm = GradientNorms.TotalNorm(new[] { p });
            Assert.Equal(ScalarType.Float64, norm.dtype);
            Assert.Equal(5.0, norm.item<double>(), 12);
        }

        [Fact]
        public void A_skipped_step_with_a_closure_leaves_Adams_step_count_moments_and_weights_alone()
        {
            var (x, y) = Data();
            var model = Mlp();
            using var guard = optim.Adam(model.parameters(), 0.01).WithGradientGuard(model: model);
            Tensor Closure(bool poison)
            {
                guard.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                if (poison) { using var g = model.parameters().First().grad!; g[0, 0].fill_(float.NaN); }
                return loss;
            }

            guard.step(() => Closure(false));
            var adam = (OptimizerHelper)guard.Inner;
            var stepCount = adam.state_dict().State.Cast<Adam.State>().First().step;
            var weights = Snapshot(model.parameters());

            var returned = guard.step(() => Closure(true));
            Assert.NotNull(returned);                      // the closure's loss comes back
            Assert.True(guard.LastReport!.StepSkipped);
            Assert.Equal(stepCount, adam.state_dict().State.Cast<Adam.State>().First().step);
            for (int i = 0; i < weights.Count; i++)
            {
                Assert.True(weights[i].eq(model.parameters().ElementAt(i)).all().item<bool>());
            }
        }

        [Fact]
        public void LBFGS_with_Throw_raises_after_the_native_step_counts_one_guard_step_and_names_parameters_by_position()
        {
            var (x, y) = Data();
            var model = Mlp();
            using var guard = optim.LBFGS(model.parameters(), 0.5).WithGradientGuard(new GuardOptions { OnNonFinite = NonFiniteAction.Throw }, model);
            Tensor Closure(bool poison)
            {
                guard.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                if (poison) { foreach (var p in guard.parameters()) { using var g = p.grad!; g.fill_(float.NaN); } }
                return loss;
            }

            guard.step(() => Closure(false));
            Assert.Equal(1, guard.Statistics.Steps);   // one step() however many closure evaluations

            var ex = Assert.Throws<NonFiniteGradientException>(() => guard.step(() => Closure(true)));   // the process survives
            Assert.Equal("fc1.weight", ex.Culprit);
            Assert.Equal(2, guard.Statistics.Steps);
        }

        [Fact]
        public void UnitWise_leaves_non_finite_gradients_untouched_when_it_throws()
        {
            var weight = new Parameter(ones(4));
            using var guard = optim.SGD(new[] { weight }, 0.1).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.UnitWise(), OnNonFinite = NonFiniteAction.Throw });
            SetGrad(weight, float.PositiveInfinity, 0, 5, 5);
            Assert.Throws<NonFiniteGradientException>(() => guard.step());
            using var g = weight.grad!;
            Assert.Equal(new[] { float.PositiveInfinity, 0, 5, 5 }, g.data<float>().ToArray());
        }

        [Fact]
        public void Sparse_embedding_gradients_are_measured_and_clipped()
        {
            var embedding = nn.Embedding(10, 4, sparse: true);
            using var guard = optim.SGD(embedding.parameters(), 0.1).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(0.5) });
            guard.zero_grad();
            embedding.call(tensor(new long[] { 1, 1, 3 })).sum().backward();   // rows 1 (twice) and 3: dense norm √(4·4 + 4) = √20
            guard.step();
            Assert.Equal(Math.Sqrt(20), guard.LastReport!.NormBefore, 5);
            Assert.True(guard.LastReport.Clipped);
            Assert.Equal(0.5, guard.LastReport.NormAfter, 5);
        }

        [Fact]
        public void Options_changed_after_wrapping_do_not_reach_the_guard()
        {
            var (x, y) = Data();
            var model = Mlp();
            var options = new GuardOptions { Clipping = ClippingPolicy.FixedNorm(1e-3) };
            using var guard = optim.SGD(model.parameters(), 0.1).WithGradientGuard(options, model);
            options.Clipping = ClippingPolicy.Percentile();
            options.Repair.Enabled = false;
            Backward(model, guard, x, y);
            guard.step();
            Assert.Equal(1e-3, guard.LastReport!.Limit);
            var saved = guard.state_dict();
            using var same = optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(1e-3) }, model);
            same.load_state_dict(saved);   // the checkpoint names the policy the guard really used
        }

        [Fact]
        public void Loading_a_checkpoint_of_another_policy_setting_says_which()
        {
            using var guard = optim.SGD(Mlp().parameters(), 0.1).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(1) });
            using var other = optim.SGD(Mlp().parameters(), 0.1).WithGradientGuard(new GuardOptions { Clipping = ClippingPolicy.FixedNorm(2) });
            var ex = Assert.Throws<System.IO.InvalidDataException>(() => other.load_state_dict(guard.state_dict()));
            Assert.Contains("FixedNorm(maxNorm=1)", ex.Message);
            Assert.Contains("FixedNorm(maxNorm=2)", ex.Message);
        }

        [Fact]
        public void State_dict_is_a_copy_taken_when_it_is_asked_for()
        {
            var (x, y) = Data();
            var model = Mlp();
            using var guard = optim.Adam(model.parameters(), 0.01).WithGradientGuard(model: model);
            for (int i = 0; i < 3; i++) { Backward(model, guard, x, y); guard.step(); }
            var atStep3 = guard.state_dict();
            for (int i = 0; i < 3; i++) { Backward(model, guard, x, y); guard.step(); }

            guard.load_state_dict(atStep3);
            Assert.Equal(3, guard.Statistics.Steps);
            Assert.Equal(3, ((OptimizerHelper)guard.Inner).state_dict().State.Cast<Adam.State>().First().step);
            Backward(model, guard, x, y);
            guard.step();   // the reloaded optimizer state is usable (not freed by a dispose scope)
        }
    }
}

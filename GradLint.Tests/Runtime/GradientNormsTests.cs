using System;
using System.Linq;
using GradLint.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GradLint.Tests.Runtime
{
    [Collection(TensorCountCollection.Name)]
    public class GradientNormsTests
    {
        private static nn.Module<Tensor, Tensor> ModelWithGradients(double scale = 1.0)
        {
            manual_seed(7);
            var model = nn.Sequential(("a", nn.Linear(6, 5)), ("act", nn.ReLU()), ("b", nn.Linear(5, 2)));
            using var scope = NewDisposeScope();
            (model.call(randn(16, 6)).pow(2).sum() * scale).backward();
            return model;
        }

        [Fact]
        public void Devices_are_compared_by_type_and_index_not_by_reference()
        {
            // TorchSharp's Device has no value equality: two objects for the same device are different
            // references, so a reference check would treat every gradient as living elsewhere (and, for
            // a model split across GPUs, a stack of per-device norms would fail).
            var a = new Device(DeviceType.CPU);
            var b = new Device(DeviceType.CPU);
            Assert.False(ReferenceEquals(a, b));
            Assert.True(GradientNorms.SameDevice(a, b));
            Assert.False(GradientNorms.SameDevice(new Device(DeviceType.CUDA, 0), new Device(DeviceType.CUDA, 1)));
            using var t = ones(3);
            Assert.Same(t, GradientNorms.OnDevice(t, b));   // no copy when it is already there
        }

        [Fact]
        public void Total_norm_equals_the_norm_clip_grad_norm_reports()
        {
            var model = ModelWithGradients();
            using var norm = GradientNorms.TotalNorm(model.parameters());
            var ours = norm.item<float>();
            var reference = nn.utils.clip_grad_norm_(model.parameters(), 1e30);
            Assert.Equal(reference, ours, reference * 1e-6);
        }

        [Fact]
        public void Max_norm_is_the_largest_absolute_gradient_entry()
        {
            var model = ModelWithGradients();
            using var norm = GradientNorms.TotalNorm(model.parameters(), double.PositiveInfinity);
            var expected = model.parameters().Max(p => { using var g = p.grad!; return g.abs().max().item<float>(); });
            Assert.Equal(expected, norm.item<float>(), 6);
        }

        [Fact]
        public void Skips_parameters_without_gradients_and_is_zero_when_none_has_one()
        {
            var model = nn.Linear(3, 2);
            using var none = GradientNorms.TotalNorm(model.parameters());
            Assert.Equal(0f, none.item<float>());

            var trained = ModelWithGradients();
            var first = trained.parameters().First();
            using var expected = GradientNorms.TotalNorm(trained.parameters().Skip(1));
            first.grad = null;
            using var actual = GradientNorms.TotalNorm(trained.parameters());
            Assert.Equal(expected.item<float>(), actual.item<float>(), 5);
        }

        [Fact]
        public void A_nan_or_inf_gradient_makes_the_total_non_finite()
        {
            var model = ModelWithGradients();
            using (var g = model.parameters().Last().grad!) { g[0].fill_(double.NaN); }
            using var nanNorm = GradientNorms.TotalNorm(model.parameters());
            Assert.True(float.IsNaN(nanNorm.item<float>()));

            model = ModelWithGradients();
            using (var g = model.parameters().First().grad!) { g[0, 0].fill_(double.PositiveInfinity); }
            using var infNorm = GradientNorms.TotalNorm(model.parameters());
            Assert.True(float.IsPositiveInfinity(infNorm.item<float>()));
        }

        [Fact]
        public void Leaves_no_tensor_behind_but_the_result()
        {
            var model = ModelWithGradients();
            GradientNorms.TotalNorm(model.parameters()).Dispose();
            var before = TensorCountCollection.LiveTensors();
            for (int i = 0; i < 100; i++)
            {
                GradientNorms.TotalNorm(model.parameters()).Dispose();
            }

            Assert.Equal(before, TensorCountCollection.LiveTensors());
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(-1.0)]
        [InlineData(double.NaN)]
        public void Rejects_a_norm_type_that_is_not_positive(double normType)
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => GradientNorms.TotalNorm(nn.Linear(2, 2).parameters(), normType));
            Assert.Contains("must be > 0", ex.Message);
        }

        [Fact]
        public void Rejects_null_parameters_with_a_message_that_says_what_to_pass()
        {
            var ex = Assert.Throws<ArgumentNullException>(() => GradientNorms.TotalNorm(null!));
            Assert.Contains("model.parameters()", ex.Message);
        }
    }
}

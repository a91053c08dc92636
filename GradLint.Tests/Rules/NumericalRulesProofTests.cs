using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GradLint.Tests.Rules
{
    /// <summary>
    /// Each numerical rule's claim, proven with real TorchSharp: the flagged expression gives NaN/Inf
    /// in the value or the gradient on an input that triggers the problem, the fixed one does not.
    /// The numbers on docs/rules/GL200x.md come from here.
    /// </summary>
    public class NumericalRulesProofTests
    {
        private readonly ITestOutputHelper output;

        public NumericalRulesProofTests(ITestOutputHelper output) => this.output = output;

        private static (float[] Value, float[] Grad) Run(float[] input, System.Func<Tensor, Tensor> expression)
        {
            using var scope = NewDisposeScope();
            var x = tensor(input).requires_grad_(true);
            var y = expression(x);
            y.sum().backward();
            return (y.detach().data<float>().ToArray(), x.grad!.data<float>().ToArray());
        }

        private static bool AllFinite(IEnumerable<float> values) => values.All(float.IsFinite);

        [Fact]
        public void GL2001_log_of_zero_is_minus_infinity_with_an_infinite_gradient_and_the_clamp_fixes_both()
        {
            var input = new[] { 0f, 0.5f };
            var flagged = Run(input, p => p.log());
            var fixedRun = Run(input, p => p.clamp_min(1e-7).log());
            output.WriteLine($"log: value [{string.Join(", ", flagged.Value)}], grad [{string.Join(", ", flagged.Grad)}]");
            output.WriteLine($"clamp_min(1e-7).log: value [{string.Join(", ", fixedRun.Value)}], grad [{string.Join(", ", fixedRun.Grad)}]");

            Assert.True(float.IsNegativeInfinity(flagged.Value[0]));
            Assert.True(float.IsPositiveInfinity(flagged.Grad[0]));
            Assert.True(AllFinite(fixedRun.Value) && AllFinite(fixedRun.Grad));
            Assert.Equal(flagged.Value[1], fixedRun.Value[1]);   // unchanged where the input was already safe
        }

        [Fact]
        public void GL2002_log_of_softmax_underflows_to_minus_infinity_and_log_softmax_stays_finite()
        {
            var logits = new[] { 0f, 120f };
            var flagged = Run(logits, x => x.softmax(0).log() * tensor(new[] { 1f, 0f }));
            var fixedRun = Run(logits, x => nn.functional.log_softmax(x, 0) * tensor(new[] { 1f, 0f }));
            output.WriteLine($"softmax(x).log(): value [{string.Join(", ", flagged.Value)}], grad [{string.Join(", ", flagged.Grad)}]");
            output.WriteLine($"log_softmax(x): value [{string.Join(", ", fixedRun.Value)}], grad [{string.Join(", ", fixedRun.Grad)}]");

            Assert.False(AllFinite(flagged.Value) && AllFinite(flagged.Grad));
            Assert.True(AllFinite(fixedRun.Value) && AllFinite(fixedRun.Grad));
            Assert.Equal(-120f, fixedRun.Value[0], 3);
        }
    

        [Fact]
        public void GL2005_exp_overflows_to_infinity_past_88_and_the_clamp_keeps_value_and_gradient_finite()
        {
            var input = new[] { 0f, 100f };
            var flagged = Run(input, x => x.exp());
            var fixedRun = Run(input, x => x.clamp_max(80).exp());
            output.WriteLine($"exp: value [{string.Join(", ", flagged.Value)}], grad [{string.Join(", ", flagged.Grad)}]");
            output.WriteLine($"clamp_max(80).exp: value [{string.Join(", ", fixedRun.Value)}], grad [{string.Join(", ", fixedRun.Grad)}]");

            Assert.True(float.IsPositiveInfinity(flagged.Value[1]) && float.IsPositiveInfinity(flagged.Grad[1]));
            Assert.True(AllFinite(fixedRun.Value) && AllFinite(fixedRun.Grad));
        }

        [Fact]
        public void GL2005_on_a_softmax_written_by_hand_a_clamp_would_change_valid_probabilities_and_the_max_shift_does_not()
        {
            static float[] Softmax(float[] logits, System.Func<Tensor, Tensor> exp)
            {
                using var scope = NewDisposeScope();
                var x = tensor(logits).reshape(1, -1);
                var e = exp(x);
                return (e / e.sum(1, true)).reshape(-1).data<float>().ToArray();
            }

            // [85, 80]: large but valid (exp(85) ≈ 8e36 is finite in float32): the hand-written softmax is right.
            var valid = new[] { 85f, 80f };
            var reference = nn.functional.softmax(tensor(valid), 0).data<float>().ToArray();
            var original = Softmax(valid, x => x.exp());
            var clamped = Softmax(valid, x => x.clamp_max(80).exp());
            var shifted = Softmax(valid, x => (x - x.amax(new long[] { 1 }, keepdim: true)).exp());
            output.WriteLine($"[85, 80]: original [{string.Join(", ", original)}], clamped [{string.Join(", ", clamped)}], shifted [{string.Join(", ", shifted)}]");
            Assert.Equal(reference[0], original[0], 5);
            Assert.Equal(0.5f, clamped[0], 5);                 // the clamp changes a correct result
            Assert.Equal(reference[0], shifted[0], 5);          // the shift does not
            Assert.Equal(reference[1], shifted[1], 5);

            // [100, 90]: exp(100) overflows; the shift also repairs it, to the true softmax.
            var overflow = new[] { 100f, 90f };
            Assert.Contains(Softmax(overflow, x => x.exp()), float.IsNaN);
            var repaired = Softmax(overflow, x => (x - x.amax(new long[] { 1 }, keepdim: true)).exp());
            Assert.Equal(nn.functional.softmax(tensor(overflow), 0).data<float>()[0], repaired[0], 6);
        }

        [Fact]
        public void Every_clamp_fix_leaves_values_inside_its_documented_range_bit_for_bit_unchanged()
        {
            static void Same(float[] values, System.Func<Tensor, Tensor> original, System.Func<Tensor, Tensor> fixedForm)
            {
                using var scope = NewDisposeScope();
                var x = tensor(values);
                Assert.Equal(original(x).data<float>().ToArray(), fixedForm(x).data<float>().ToArray());
            }

            Same(new[] { 1e-7f, 1e-3f, 0.5f, 1f, 1e30f }, x => x.log(), x => x.clamp_min(1e-7).log());                  // GL2001: p ≥ 1e-7
            Same(new[] { -60f, 0f, 42f, 80f }, x => x.exp(), x => x.clamp_max(80).exp());                              // GL2005: x ≤ 80
            Same(new[] { 1e-12f, 1e-6f, 4f, 1e20f }, x => x.sqrt(), x => x.clamp_min(1e-12).sqrt());                    // GL2008: v ≥ 1e-12
            Same(new[] { 1e-12f, 0.3f, 7f }, d => 3f / d, d => 3f / d.clamp_min(1e-12));                                 // GL2009: d ≥ 1e-12
        }

        [Fact]
        public void GL2008_sqrt_of_zero_has_an_infinite_gradient_and_the_clamp_removes_it()
        {
            var input = new[] { 0f, 4f };
            var flagged = Run(input, v => v.sqrt());
            var fixedRun = Run(input, v => v.clamp_min(1e-12).sqrt());
            output.WriteLine($"sqrt: value [{string.Join(", ", flagged.Value)}], grad [{string.Join(", ", flagged.Grad)}]");
            output.WriteLine($"clamp_min(1e-12).sqrt: value [{string.Join(", ", fixedRun.Value)}], grad [{string.Join(", ", fixedRun.Grad)}]");

            Assert.True(float.IsPositiveInfinity(flagged.Grad[0]));
            Assert.True(AllFinite(fixedRun.Value) && AllFinite(fixedRun.Grad));
            Assert.Equal(2f, fixedRun.Value[1]);
        }
    

        [Fact]
        public void GL2004_log_of_one_plus_x_and_exp_minus_one_lose_small_x_entirely()
        {
            var input = new[] { 1e-8f };
            var log = Run(input, x => (1 + x).log());
            var log1p = Run(input, x => x.log1p());
            var expm = Run(input, x => x.exp() - 1);
            var expm1 = Run(input, x => x.expm1());
            output.WriteLine($"(1 + x).log(): {log.Value[0]:G4}; x.log1p(): {log1p.Value[0]:G4}; x.exp() - 1: {expm.Value[0]:G4}; x.expm1(): {expm1.Value[0]:G4}");

            Assert.Equal(0f, log.Value[0]);
            Assert.Equal(0f, expm.Value[0]);
            Assert.Equal(1e-8f, log1p.Value[0], 1e-12f);
            Assert.Equal(1e-8f, expm1.Value[0], 1e-12f);
        }

        [Fact]
        public void GL2010_NaN_never_equals_NaN_and_isnan_finds_it()
        {
            using var scope = NewDisposeScope();
            var x = tensor(new[] { 1f, float.NaN });
            var equality = (x == float.NaN).data<bool>().ToArray();
            var isnan = x.isnan().data<bool>().ToArray();
            output.WriteLine($"x == NaN: [{string.Join(", ", equality)}]; x.isnan(): [{string.Join(", ", isnan)}]");

            Assert.Equal(new[] { false, false }, equality);
            Assert.Equal(new[] { false, true }, isnan);
            Assert.False(x[1].item<float>() == float.NaN);
        }
    

        [Fact]
        public void GL2007_softmax_before_cross_entropy_squashes_the_loss_and_its_gradient()
        {
            using var scope = NewDisposeScope();
            float Loss(bool softmaxFirst, out float gradNorm)
            {
                var logits = tensor(new[] { 0f, 8f, -4f }).reshape(1, 3).requires_grad_(true);
                var loss = nn.functional.cross_entropy(softmaxFirst ? logits.softmax(1) : logits, tensor(new long[] { 0 }));
                loss.backward();
                gradNorm = logits.grad!.norm().item<float>();
                return loss.item<float>();
            }

            var doubled = Loss(true, out var doubledGrad);
            var correct = Loss(false, out var correctGrad);
            output.WriteLine($"cross_entropy(softmax(x)): loss {doubled:F4}, grad norm {doubledGrad:F4}; cross_entropy(x): loss {correct:F4}, grad norm {correctGrad:F4}");

            Assert.True(doubled < correct / 5, "the wrong class is barely penalised when softmax is applied twice");
            Assert.True(doubledGrad < correctGrad / 10, "and its gradient all but vanishes");
        }
    

        [Fact]
        public void GL2009_dividing_by_the_norm_of_a_zero_vector_gives_NaN_and_the_clamp_keeps_it_finite()
        {
            var input = new[] { 0f, 0f };
            var flagged = Run(input, x => x / x.norm());
            var fixedRun = Run(input, x => x / x.norm().clamp_min(1e-12));
            output.WriteLine($"x / x.norm(): value [{string.Join(", ", flagged.Value)}], grad [{string.Join(", ", flagged.Grad)}]");
            output.WriteLine($"x / x.norm().clamp_min(1e-12): value [{string.Join(", ", fixedRun.Value)}], grad [{string.Join(", ", fixedRun.Grad)}]");

            Assert.False(AllFinite(flagged.Value) && AllFinite(flagged.Grad));
            Assert.True(AllFinite(fixedRun.Value) && AllFinite(fixedRun.Grad));
        }
    

        [Fact]
        public void GL2006_bce_of_a_saturated_sigmoid_loses_the_gradient_and_with_logits_keeps_it()
        {
            using var scope = NewDisposeScope();
            var target = tensor(new[] { 0f });
            var x = tensor(new[] { 30f }).requires_grad_(true);
            var flagged = nn.functional.binary_cross_entropy(x.sigmoid(), target);
            flagged.backward();
            var y = tensor(new[] { 30f }).requires_grad_(true);
            var fixedLoss = nn.functional.binary_cross_entropy_with_logits(y, target);
            fixedLoss.backward();
            float flaggedGrad = x.grad!.item<float>(), fixedGrad = y.grad!.item<float>();
            output.WriteLine($"binary_cross_entropy(sigmoid(30), 0): loss {flagged.item<float>()}, grad {flaggedGrad}; with_logits: loss {fixedLoss.item<float>()}, grad {fixedGrad}");

            Assert.True(!float.IsFinite(flaggedGrad) || System.Math.Abs(flaggedGrad) < 1e-6, "the gradient of a confident mistake vanishes");
            Assert.Equal(30f, fixedLoss.item<float>(), 3);
            Assert.Equal(1f, fixedGrad, 4);
        }
    

        [Fact]
        public void GL2003_hand_written_log_sum_exp_and_softmax_overflow_where_the_library_functions_do_not()
        {
            var input = new[] { 100f, 0f };
            var logSumExp = Run(input, x => x.exp().sum(0, true).log());
            var library = Run(input, x => x.logsumexp(0, true));
            var softmax = Run(input, x => x.exp() / x.exp().sum(0, true));
            var librarySoftmax = Run(input, x => x.softmax(0));
            output.WriteLine($"log(sum(exp(x))): value [{string.Join(", ", logSumExp.Value)}], grad [{string.Join(", ", logSumExp.Grad)}]; logsumexp: value [{string.Join(", ", library.Value)}], grad [{string.Join(", ", library.Grad)}]");
            output.WriteLine($"exp(x)/sum(exp(x)): value [{string.Join(", ", softmax.Value)}]; softmax: value [{string.Join(", ", librarySoftmax.Value)}]");

            Assert.False(AllFinite(logSumExp.Value) && AllFinite(logSumExp.Grad));
            Assert.False(AllFinite(softmax.Value));
            Assert.True(AllFinite(library.Value) && AllFinite(library.Grad));
            Assert.True(AllFinite(librarySoftmax.Value) && AllFinite(librarySoftmax.Grad));
            Assert.Equal(100f, library.Value[0], 3);
        }
    }
}

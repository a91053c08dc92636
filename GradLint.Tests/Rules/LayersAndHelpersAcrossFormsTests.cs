using System.Threading.Tasks;
using Xunit;
using static GradLint.Tests.Rules.CustomLossesAcrossFormsTests;

namespace GradLint.Tests.Rules
{
    /// <summary>
    /// Hand-written layers (layer norm, RMS norm, attention, weight norm, cosine similarity) and values that
    /// reach a rule through this file's helpers and private fields — every rule at once, safe forms beside
    /// unsafe ones.
    /// </summary>
    public class LayersAndHelpersAcrossFormsTests
    {
        [Fact]
        public Task Layer_norm_with_an_epsilon_is_safe_but_dividing_by_the_std_is_not()
        {
            return AssertFindings("""
                class LayerNorms
                {
                    private readonly double eps = 1e-5;

                    Tensor Safe(Tensor x)
                    {
                        var mean = x.mean(new long[] { -1 }, true);
                        var variance = (x - mean).pow(2).mean(new long[] { -1 }, true);
                        return (x - mean) / (variance + eps).sqrt();
                    }

                    Tensor ByStd(Tensor x) => (x - x.mean(new long[] { -1 }, true)) / x.std(-1, keepdim: true);
                }
                """, ("GL2009", "Tensor ByStd(Tensor x) => (x - x.mean(new long[] { -1 }, true)) / x.std(-1, keepdim: true);"));
        }

        [Fact]
        public Task Rms_norm_with_rsqrt_of_mean_plus_eps_is_safe_but_a_bare_root_mean_square_divisor_is_not()
        {
            return AssertFindings("""
                class RmsNorm
                {
                    Tensor Safe(Tensor x, double eps) => x * (x.pow(2).mean(new long[] { -1 }, true) + eps).rsqrt();

                    Tensor Unsafe(Tensor x) => x / x.pow(2).mean(new long[] { -1 }, true).sqrt();
                }
                """,
                ("GL2008", "Tensor Unsafe(Tensor x) => x / x.pow(2).mean(new long[] { -1 }, true).sqrt();"),
                ("GL2009", "Tensor Unsafe(Tensor x) => x / x.pow(2).mean(new long[] { -1 }, true).sqrt();"));
        }

        [Fact]
        public Task Scaled_dot_product_attention_with_softmax_is_safe()
        {
            return AssertFindings("""
                class Attention
                {
                    Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor mask)
                    {
                        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[^1]);
                        var weights = scores.masked_fill(mask, -1e9).softmax(-1);
                        return weights.matmul(v);
                    }
                }
                """);
        }

        [Fact]
        public Task Attention_with_a_softmax_written_by_hand_is_reported()
        {
            return AssertFindings("""
                class Attention
                {
                    Tensor Forward(Tensor q, Tensor k, Tensor v)
                    {
                        var scores = q.matmul(k.transpose(-2, -1));
                        return (scores.exp() / scores.exp().sum(-1, true)).matmul(v);
                    }
                }
                """, ("GL2003", "return (scores.exp() / scores.exp().sum(-1, true)).matmul(v);"));
        }

        [Fact]
        public Task Weight_norm_and_cosine_similarity_divide_by_norms_that_can_vanish()
        {
            return AssertFindings("""
                class ByHand
                {
                    Tensor WeightNorm(Tensor v, Tensor g) => g * v / v.norm();

                    Tensor Cosine(Tensor a, Tensor b) => (a * b).sum(-1) / (a.norm(-1) * b.norm(-1));

                    Tensor WeightNormSafe(Tensor v, Tensor g) => g * v / (v.norm() + 1e-8);

                    Tensor CosineSafe(Tensor a, Tensor b) => (a * b).sum(-1) / (a.norm(-1) * b.norm(-1)).clamp_min(1e-8);
                }
                """,
                ("GL2009", "Tensor WeightNorm(Tensor v, Tensor g) => g * v / v.norm();"),
                ("GL2009", "Tensor Cosine(Tensor a, Tensor b) => (a * b).sum(-1) / (a.norm(-1) * b.norm(-1));"));
        }

        [Fact]
        public Task Log_of_a_softmax_a_helper_returns_is_reported_as_log_of_softmax()
        {
            return AssertFindings("""
                class PolicyHead
                {
                    private Tensor Probabilities(Tensor logits) => F.softmax(logits, -1);

                    Tensor LogProbability(Tensor logits, Tensor action) => Probabilities(logits).log().gather(-1, action);
                }
                """, ("GL2002", "Tensor LogProbability(Tensor logits, Tensor action) => Probabilities(logits).log().gather(-1, action);"));
        }

        [Fact]
        public Task Log_of_a_softmax_a_private_field_holds_is_reported_as_log_of_softmax()
        {
            return AssertFindings("""
                class Prior
                {
                    private readonly Tensor prior;

                    Prior(Tensor counts) { prior = counts.softmax(0); }

                    Tensor LogPrior() => prior.log();
                }
                """, ("GL2002", "Tensor LogPrior() => prior.log();"));
        }

        [Fact]
        public Task Log_of_a_field_stored_twice_is_not_followed_to_its_softmax()
        {
            return AssertFindings("""
                class Prior
                {
                    private Tensor prior;

                    Prior(Tensor counts) { prior = counts.softmax(0); }

                    void Smooth(Tensor counts) { prior = counts.clamp_min(1e-3); }

                    Tensor LogPrior() => prior.log();
                }
                """, ("GL2001", "Tensor LogPrior() => prior.log();"));
        }

        [Fact]
        public Task A_softmax_a_helper_returns_fed_to_cross_entropy_is_reported()
        {
            return AssertFindings("""
                class Classifier
                {
                    private Tensor Probabilities(Tensor logits) => logits.softmax(1);

                    Tensor Loss(Tensor logits, Tensor target) => F.cross_entropy(Probabilities(logits), target);
                }
                """, ("GL2007", "Tensor Loss(Tensor logits, Tensor target) => F.cross_entropy(Probabilities(logits), target);"));
        }

        [Fact]
        public Task Division_by_a_norm_a_helper_returns_is_reported_and_its_clamp_is_not()
        {
            return AssertFindings("""
                class Embeddings
                {
                    private static Tensor Length(Tensor v) => v.norm(-1, true);

                    Tensor Normalise(Tensor v) => v / Length(v);

                    Tensor NormaliseSafe(Tensor v) => v / Length(v).clamp_min(1e-12);
                }
                """, ("GL2009", "Tensor Normalise(Tensor v) => v / Length(v);"));
        }

        [Fact]
        public Task Log_of_a_helper_that_bounds_its_value_is_safe_and_of_one_that_does_not_is_reported()
        {
            return AssertFindings("""
                class Policy
                {
                    private Tensor Std(Tensor logStd) => logStd.clamp(-20, 2).exp();

                    private Tensor RawStd(Tensor logStd) => logStd.exp();

                    Tensor Entropy(Tensor logStd) => (0.5 + 0.5 * Math.Log(2 * Math.PI) + Std(logStd).log()).sum(-1);

                    Tensor RawEntropy(Tensor logStd) => (0.5 + RawStd(logStd).log()).sum(-1);
                }
                """,
                ("GL2005", "private Tensor RawStd(Tensor logStd) => logStd.exp();"),
                ("GL2001", "Tensor RawEntropy(Tensor logStd) => (0.5 + RawStd(logStd).log()).sum(-1);"));
        }

        [Fact]
        public Task A_softmax_by_hand_through_a_helper_needs_the_same_argument_on_both_sides()
        {
            return AssertFindings("""
                class Normaliser
                {
                    private Tensor Weights(Tensor v) => v.exp();

                    Tensor Softmax(Tensor x) => Weights(x) / Weights(x).sum(1, true);

                    Tensor Mixed(Tensor x, Tensor y) => Weights(x) / Weights(y).sum(1, true);
                }
                """,
                ("GL2005", "private Tensor Weights(Tensor v) => v.exp();"),
                // Mixed is not a softmax (two inputs); its divisor, a sum of exps, is not 0 short of every term underflowing.
                ("GL2003", "Tensor Softmax(Tensor x) => Weights(x) / Weights(x).sum(1, true);"));
        }
    }
}

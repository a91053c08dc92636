using System;
using System.Linq;
using GradLint.Analyzers;
using GradLint.Analyzers.Model;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace GradLint.Tests.Analysis
{
    /// <summary>
    /// One case per transfer function of the value-range analysis: the expression is compiled against
    /// the real TorchSharp assembly (so a method that binds to the wrong overload or type shows), and the
    /// interval the analysis gives its value is compared with the one the function's mathematics — and
    /// float32's rounding where it matters — says.
    /// </summary>
    public class ValueRangeTransferTests
    {
        public static TheoryData<string, string> Cases() => new TheoryData<string, string>
        {
            // Constants, factories.
            { "torch.tensor(0.5)", "[0.5, 0.5]" },
            { "torch.ones_like(x)", "[1, 1]" },
            { "torch.zeros(3)", "[0, 0]" },
            { "torch.full(new long[] { 3 }, 2.5)", "[2.5, 2.5]" },
            { "torch.rand(3)", "[0, 1)" },

            // Arithmetic.
            { "-x.exp()", "(-inf, 0]" },
            { "x.abs() + 1.02", "[1.02, +inf)" },
            { "x.pow(2).sum() + eps", "(0, +inf)" },                                  // an epsilon written as one
            { "x.pow(2).sum() + scale", "(0, +inf)" },                                // a plain number added to a value ≥ 0
            { "0.5 * x.clamp(-30, 20)", "[-15, 10]" },
            { "x.sigmoid() * x.tanh()", "[-1, 1]" },
            { "2 * sigma * sigma", "[0, +inf)" },                                     // a variable twice is a square
            { "x.clamp(0, 10) / 4", "[0, 2.5]" },
            { "x.clamp(1, 2) / y.clamp(4, 8)", "[0.125, 0.5]" },
            { "-(x * x).sum(-1) / (2 * sigma * sigma)", "(-inf, 0]" },               // a Gaussian RBF exponent
            { "x.clamp(1, 2).add(3)", "[4, 5]" },
            { "x.clamp(1, 2).mul(-1)", "[-2, -1]" },
            { "x.clamp(2, 4).reciprocal()", "[0.25, 0.5]" },
            { "x - x.amax(new long[] { 1 }, true)", "(-inf, 0]" },                                   // the softmax shift

            // Clamps and extremes.
            { "x.clamp(-20, 2)", "[-20, 2]" },
            { "x.clamp_min(1e-6)", "[1E-06, +inf)" },
            { "x.clamp_max(3)", "(-inf, 3]" },
            { "x.clamp(min: scale)", "(0, +inf)" },                                   // a floor given by a plain-number variable is trusted
            { "torch.maximum(x, torch.tensor(1e-3))", "[0.001, +inf)" },
            { "torch.minimum(x.sigmoid(), torch.tensor(0.5))", "[0, 0.5]" },
            { "torch.where(x > 0, x.clamp(1, 2), y.clamp(3, 4))", "[1, 4]" },
            { "x[x > 0.5]", "(0.5, +inf)" },                                          // a mask of x against a constant

            // Element-wise functions.
            { "x.abs()", "[0, +inf)" },
            { "x.clamp(-3, 2).square()", "[0, 9]" },
            { "x.clamp(-1, 2).pow(3)", "[-1, 8]" },
            { "x.clamp(4, 9).pow(0.5)", "[2, 3]" },
            { "x.clamp(4, 9).sqrt()", "[2, 3]" },
            { "x.clamp_max(0).exp()", "[0, 1]" },                                     // float32 exp underflows to a reached 0
            { "x.clamp(0, 100).log()", "(-inf, 4.605170185988092]" },
            { "x.sigmoid()", "[0, 1]" },                                              // float32 sigmoid reaches 0 and 1
            { "x.sigmoid().log()", "(-inf, 0]" },
            { "x.clamp(-5, 5).sigmoid()", $"[{1 / (1 + Math.Exp(5)):R}, {1 / (1 + Math.Exp(-5)):R}]" },
            { "x.tanh()", "[-1, 1]" },
            { "x.sigmoid().clamp(eps, 1 - eps)", "(0, 1)" },                          // probabilities kept off 0 and 1
            { "1 - x.sigmoid().clamp(eps, 1 - eps)", "(0, 1)" },
            { "torch.softmax(x, 1)", "[0, 1]" },
            { "F.log_softmax(x, 1)", "(-inf, 0]" },
            { "F.logsigmoid(x)", "(-inf, 0]" },
            { "x.relu()", "[0, +inf)" },
            { "F.softplus(x)", "[0, +inf)" },
            { "x.abs().log1p()", "[0, +inf)" },

            // Reductions.
            { "x.exp().sum(1)", "(0, +inf)" },                                         // 0 only if every term underflows
            { "x.sigmoid().sum(1)", "[0, +inf)" },
            { "x.clamp_min(0.1).sum()", "[0.1, +inf)" },
            { "(x - x.amax(new long[] { 1 }, true)).exp().sum(1, true)", "[1, +inf)" },               // holds the maximum's exp(0) = 1
            { "x.clamp(0, 1).mean()", "[0, 1]" },
            { "x.sigmoid().amax(1)", "[0, 1]" },
            { "x.norm()", "[0, +inf)" },
            { "x.clamp(1, 2).norm()", "[1, +inf)" },
            { "x.std()", "[0, +inf)" },
            { "x.logsumexp(1)", "(-inf, +inf)" },

            // Losses.
            { "-F.cross_entropy(x, y)", "(-inf, 0]" },
            { "(-F.cross_entropy(x, y)).exp()", "[0, 1]" },
            { "nn.MSELoss().call(x, y)", "[0, +inf)" },

            // Values followed: locals, private fields, this file's helpers, conditionals.
            { "std", $"[{Math.Exp(-20):R}, {Math.Exp(2):R}]" },
            { "Std(x)", $"[{Math.Exp(-20):R}, {Math.Exp(2):R}]" },
            { "shift", "[1, 1]" },
            { "sigma > 0 ? x.clamp(0, 1) : x.clamp(2, 3)", "[0, 3]" },

            // Nothing known.
            { "x", "(-inf, +inf)" },
            { "x * y", "(-inf, +inf)" },
            { "x.exp()", "[0, +inf)" },
        };

        [Theory]
        [MemberData(nameof(Cases))]
        public void Transfer_function_gives_the_interval_of_its_mathematics(string expression, string expected)
        {
            Assert.Equal(expected, RangeOf(expression));
        }

        [Fact]
        public void A_local_reassigned_anywhere_is_not_followed()
        {
            Assert.Equal("(-inf, +inf)", RangeOf("again", prelude: "var again = x.clamp(0, 1); again = x;"));
        }

        [Fact]
        public void A_field_stored_twice_is_not_followed()
        {
            Assert.Equal("(-inf, +inf)", RangeOf("twice"));
        }

        [Fact]
        public void A_helper_with_two_returns_gives_their_hull()
        {
            Assert.Equal("[0, 3]", RangeOf("Either(x, sigma)"));
        }

        private static string RangeOf(string expression, string prelude = "")
        {
            var source = $$"""
                using System;
                using TorchSharp;
                using static TorchSharp.torch;
                using F = TorchSharp.torch.nn.functional;

                class Probe
                {
                    private readonly Tensor shift = torch.ones(3);
                    private Tensor twice = torch.ones(3);

                    void Reset(Tensor x) { twice = x; }

                    private Tensor Std(Tensor v) => v.clamp(-20, 2).exp();

                    private Tensor Either(Tensor v, double s)
                    {
                        if (s > 0) return v.clamp(0, 1);
                        return v.clamp(2, 3);
                    }

                    Tensor Run(Tensor x, Tensor y, double sigma, double eps, double scale)
                    {
                        var std = x.clamp(-20, 2).exp();
                        {{prelude}}
                        var probe = {{expression}};
                        return probe;
                    }
                }
                """;
            var compilation = Compile.Create(false, source);
            Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
            var tree = compilation.SyntaxTrees.Single();
            var model = compilation.GetSemanticModel(tree);
            var probe = tree.GetRoot().DescendantNodes().OfType<VariableDeclaratorSyntax>().Single(d => d.Identifier.Text == "probe");
            var torch = TorchContext.TryCreate(compilation)!;
            return ValueRangeAnalysis.Of(model.GetOperation(probe.Initializer!.Value), torch).ToString();
        }
    }
}

using System.Threading.Tasks;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.UnguardedDivisionAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.UnguardedDivisionAnalyzer, GradLint.CodeFixes.Rules.UnguardedDivisionFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2009UnguardedDivisionTests
    {
        [Fact]
        public Task Reports_division_by_norms_sums_and_standard_deviations_in_every_form()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Normalise
                {
                    Tensor A(Tensor x) => {|GL2009:x / x.norm()|};
                    Tensor B(Tensor x) => {|GL2009:(x - x.mean()) / x.std()|};
                    Tensor C(Tensor w) => {|GL2009:w.div(w.abs().sum())|};
                    Tensor D(Tensor v) { var n = linalg.vector_norm(v, 2, new long[] { 1 }, true); return {|GL2009:v / n|}; }
                    Tensor E(Tensor a, Tensor b) => {|GL2009:torch.div(a, b.pow(2).sum().sqrt())|};
                }
                """);
        }

        [Fact]
        public Task Does_not_report_divisors_with_an_epsilon_a_clamp_or_other_divisions()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Normalise
                {
                    private readonly double eps = 1e-8;

                    Tensor A(Tensor x) => x / (x.norm() + 1e-8);
                    Tensor B(Tensor x) => x / x.std().clamp_min(1e-6);
                    Tensor C(Tensor x) => x / (x.std() + eps);
                    Tensor D(Tensor x, Tensor y) => x / y;
                    Tensor E(Tensor x) => x / 2.0;
                    Tensor F(Tensor x) { var n = x.norm().clamp_min(1e-12); return x / n; }
                    Tensor G(Tensor x) => x / (x.exp().sum() + 1);
                }
                """);
        }

        [Fact]
        public Task Fix_clamps_the_divisor()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Normalise
                {
                    Tensor A(Tensor x) => {|GL2009:x / x.norm()|};
                    Tensor B(Tensor x) { var n = x.abs().sum(); return {|GL2009:x.div(n)|}; }
                }
                """, """
                using static TorchSharp.torch;

                class Normalise
                {
                    Tensor A(Tensor x) => x / x.norm().clamp_min(1E-12);
                    Tensor B(Tensor x) { var n = x.abs().sum(); return x.div(n.clamp_min(1E-12)); }
                }
                """);
        }

        [Fact]
        public Task Reports_divisors_built_from_reductions_and_divide_assignments()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Similarity
                {
                    // Cosine similarity by hand: 0 for an all-zero row.
                    Tensor Cosine(Tensor u, Tensor v) => {|GL2009:(u * v).sum(-1) / (u.norm(-1) * v.norm(-1))|};

                    // A pooled mean over two masks: 0 when both are empty.
                    Tensor Pooled(Tensor a, Tensor b, Tensor x) => {|GL2009:x / (a.sum(1) + b.sum(1))|};

                    Tensor Scaled(Tensor x) => {|GL2009:x / (2 * x.std())|};

                    Tensor Normalise(Tensor x)
                    {
                        {|GL2009:x /= x.norm()|};
                        return x;
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_sums_with_an_epsilon_or_divide_assignments_by_numbers()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Safe
                {
                    Tensor Cosine(Tensor u, Tensor v) => (u * v).sum(-1) / (u.norm(-1) * v.norm(-1) + 1e-8);
                    Tensor Pooled(Tensor a, Tensor b, Tensor x) => x / (a.sum(1) + b.sum(1)).clamp_min(1e-12);
                    Tensor Shift(Tensor x) => x / (x.sum() + 1);   // not made of reductions alone

                    Tensor Halve(Tensor x)
                    {
                        x /= 2;
                        x /= x.norm().clamp_min(1e-12);
                        return x;
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_clamps_a_divisor_built_from_reductions_and_one_divided_into_in_place()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Similarity
                {
                    Tensor Cosine(Tensor u, Tensor v) => {|GL2009:(u * v).sum(-1) / (u.norm(-1) * v.norm(-1))|};

                    Tensor Normalise(Tensor x)
                    {
                        {|GL2009:x /= x.norm()|};
                        return x;
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Similarity
                {
                    Tensor Cosine(Tensor u, Tensor v) => (u * v).sum(-1) / (u.norm(-1) * v.norm(-1)).clamp_min(1E-12);

                    Tensor Normalise(Tensor x)
                    {
                        x /= x.norm().clamp_min(1E-12);
                        return x;
                    }
                }
                """);
        }
    }
}

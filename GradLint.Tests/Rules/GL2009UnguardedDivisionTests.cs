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
    }
}

using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.UnguardedSqrtAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.UnguardedSqrtAnalyzer, GradLint.CodeFixes.Rules.UnguardedSqrtFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2008UnguardedSqrtTests
    {
        [Fact]
        public Task Reports_sqrt_of_values_not_provably_positive_in_every_form()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Distances
                {
                    Tensor Euclidean(Tensor a, Tensor b) => {|GL2008:(a - b).pow(2).sum(1).sqrt()|};
                    Tensor B(Tensor v) => {|GL2008:torch.sqrt(v.var())|};
                    Tensor C(Tensor v) => {|GL2008:sqrt(v)|};
                    Tensor D(Tensor v) => {|GL2008:v.sqrt_()|};
                }
                """);
        }

        [Fact]
        public Task Does_not_report_sqrt_of_values_with_an_epsilon_or_a_clamp()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Distances
                {
                    private readonly double eps = 1e-12;

                    Tensor A(Tensor a, Tensor b) => ((a - b).pow(2).sum(1) + 1e-12).sqrt();
                    Tensor B(Tensor x) => (x * x + eps).sqrt();
                    Tensor C(Tensor v) => v.var().clamp_min(1e-8).sqrt();
                    Tensor D(Tensor v) => sqrt(v.abs() + 1);
                    Tensor E(Tensor a, Tensor b) => (a - b).pow(2).sum(1).add(1e-12).sqrt();
                    Tensor F(Tensor a) => add(a.square(), eps).sqrt();
                }
                """);
        }

        [Fact]
        public Task Fix_clamps_inside_the_sqrt()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Distances
                {
                    Tensor Euclidean(Tensor a, Tensor b) => {|GL2008:(a - b).pow(2).sum(1).sqrt()|};
                    Tensor Std(Tensor v) => {|GL2008:sqrt(v.var())|};
                    Tensor Window(Tensor t) => {|GL2008:sqrt(1 - square(t))|};
                }
                """, """
                using static TorchSharp.torch;

                class Distances
                {
                    Tensor Euclidean(Tensor a, Tensor b) => (a - b).pow(2).sum(1).clamp_min(1E-12).sqrt();
                    Tensor Std(Tensor v) => sqrt(v.var().clamp_min(1E-12));
                    Tensor Window(Tensor t) => sqrt((1 - square(t)).clamp_min(1E-12));
                }
                """);
        }

        [Fact]
        public Task Message_suggests_the_clamp_with_the_parentheses_it_needs()
        {
            return Analyzer.AnalyzerAsync(
                """
                using TorchSharp;

                class Windows
                {
                    torch.Tensor Window(torch.Tensor t) => {|#0:torch.sqrt(1 - torch.square(t))|};
                }
                """,
                expected: Analyzer.Diagnostic("GL2008").WithLocation(0).WithArguments("torch.sqrt(1 - torch.square(t))", "(1 - torch.square(t)).clamp_min(1E-12)"));
        }
    }
}

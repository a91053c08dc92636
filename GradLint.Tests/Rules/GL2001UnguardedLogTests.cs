using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.UnguardedLogAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.UnguardedLogAnalyzer, GradLint.CodeFixes.Rules.UnguardedLogFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2001UnguardedLogTests
    {
        [Fact]
        public Task Reports_log_log2_log10_in_method_static_using_static_and_in_place_forms()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor p) => {|GL2001:p.log()|};
                    Tensor B(Tensor p) => {|GL2001:torch.log(p)|};
                    Tensor C(Tensor p) => {|GL2001:log(p)|};
                    Tensor D(Tensor p) => {|GL2001:TorchSharp.torch.log2(p * 3)|};
                    Tensor E(Tensor p) => {|GL2001:(p - 1).log10()|};
                    Tensor F(Tensor p) => {|GL2001:p.log_()|};
                    Tensor G(Tensor p) { var q = p.sigmoid(); return {|GL2001:q.log()|}; }
                    Tensor H(Tensor p) => {|GL2001:nn.functional.relu(p).log()|};
                }
                """);
        }

        [Fact]
        public Task Does_not_report_values_provably_positive()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    private readonly double eps = 1e-8;

                    Tensor A(Tensor p) => p.clamp_min(1e-7).log();
                    Tensor B(Tensor p) => torch.log(p.clamp(min: 1e-6));
                    Tensor C(Tensor p) => log(p.clamp(1e-6, 1.0));
                    Tensor D(Tensor p) => (p.abs() + 1e-6).log();
                    Tensor E(Tensor p) => (p.pow(2).sum() + eps).log();
                    Tensor F(Tensor p) => (p * p + 1).log2();
                    Tensor G(Tensor p) { var safe = p.clamp_min(1e-7); return safe.log(); }
                    Tensor H(Tensor p) => (nn.functional.softplus(p) + 1e-4).log();
                    Tensor I(Tensor p) => torch.maximum(p, p.clamp_min(0.1)).log10() + ones(3).log();
                    Tensor J(Tensor p) => log(p.softmax(1));   // GL2002's to report
                }
                """);
        }

        [Fact]
        public Task Does_not_report_a_reassigned_local_that_was_clamped_only_once_as_safe()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor p)
                    {
                        var q = p.clamp_min(1e-7);
                        q = p - 1;
                        return {|GL2001:q.log()|};
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_clamps_the_argument_in_method_and_static_forms_with_the_configured_epsilon()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor p) => {|GL2001:p.log()|};
                    Tensor B(Tensor p, Tensor q) => {|GL2001:torch.log(p - q)|};
                    Tensor C(Tensor p) => {|GL2001:log(p.relu())|} * 2;
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor p) => p.clamp_min(1E-06).log();
                    Tensor B(Tensor p, Tensor q) => torch.log((p - q).clamp_min(1E-06));
                    Tensor C(Tensor p) => log(p.relu().clamp_min(1E-06)) * 2;
                }
                """, iterations: null, withRuntime: false, editorConfig: "gradlint.log_epsilon = 1e-6\n", actionIndex: null);
        }

        [Fact]
        public async Task Fixed_code_compiles_with_no_new_diagnostics()
        {
            const string source = """
                using static TorchSharp.torch;

                public static class Losses
                {
                    public static Tensor NegativeLogLikelihood(Tensor probabilities, Tensor target) =>
                        -(target * probabilities.log()).sum(1).mean();
                }
                """;
            var (fixedSource, after) = await Compile.ApplyFixesAndCompareAsync(source, new UnguardedLogAnalyzer(), new UnguardedLogFixer(), "GL2001");
            Assert.Contains("probabilities.clamp_min(1E-07).log()", fixedSource);
            Assert.Empty(after);
        }
    }
}

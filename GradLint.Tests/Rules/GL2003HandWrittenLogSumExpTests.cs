using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.HandWrittenLogSumExpAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.HandWrittenLogSumExpAnalyzer, GradLint.CodeFixes.Rules.HandWrittenLogSumExpFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2003HandWrittenLogSumExpTests
    {
        [Fact]
        public Task Reports_log_sum_exp_and_hand_written_softmax_in_every_form()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => {|GL2003:x.exp().sum(1).log()|};
                    Tensor B(Tensor x) => {|GL2003:torch.log(torch.exp(x).sum(1, true))|};
                    Tensor C(Tensor x) => {|GL2003:log(exp(x).sum())|};
                    Tensor D(Tensor x) => {|GL2003:x.exp() / x.exp().sum(1, true)|};
                    Tensor E(Tensor x) => {|GL2003:exp(x) / exp(x).sum(-1, keepdim: true)|};
                }
                """);
        }

        [Fact]
        public Task Does_not_report_logsumexp_softmax_or_other_divisions()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => x.logsumexp(1) + x.softmax(1);
                    Tensor B(Tensor x, Tensor y) => x.exp() / y.exp().sum(1, true);
                    Tensor C(Tensor x) => x.abs().sum(1).log();
                }
                """);
        }

        [Fact]
        public async Task The_more_general_rules_stay_silent_on_these_patterns()
        {
            const string source = """
                using static TorchSharp.torch;

                public static class Losses
                {
                    public static Tensor A(Tensor x) => x.exp().sum(1).log();
                    public static Tensor B(Tensor x) => x.exp() / x.exp().sum(1, true);
                }
                """;
            var ids = System.Linq.Enumerable.Select(await Compile.AllDiagnosticsAsync(Compile.Create(false, source)), d => d.Id);
            Assert.Equal(new[] { "GL2003", "GL2003" }, ids);
        }

        [Fact]
        public Task Fix_uses_logsumexp_and_softmax()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => -{|GL2003:x.exp().sum(1, true).log()|};
                    Tensor B(Tensor x) => {|GL2003:x.exp().sum().log()|};
                    Tensor C(Tensor a, Tensor b) => {|GL2003:(a - b).exp() / (a - b).exp().sum(1, true)|};
                }
                """, """
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => -x.logsumexp(1, true);
                    Tensor B(Tensor x) => x.flatten().logsumexp(0);
                    Tensor C(Tensor a, Tensor b) => (a - b).softmax(1);
                }
                """);
        }

        [Fact]
        public Task A_softmax_written_by_hand_across_two_locals_is_found_and_fixed_when_its_input_is_stable()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Attention
                {
                    Tensor Weights(Tensor scores)
                    {
                        var num = scores.exp();
                        var den = num.sum(1, true);
                        return {|GL2003:num / den|};
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Attention
                {
                    Tensor Weights(Tensor scores)
                    {
                        var num = scores.exp();
                        var den = num.sum(1, true);
                        return scores.softmax(1);
                    }
                }
                """);
        }

        [Fact]
        public Task Across_locals_an_input_changed_in_between_gets_the_finding_but_no_fix()
        {
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                class Attention
                {
                    Tensor Weights(Tensor scores)
                    {
                        var num = scores.exp();
                        scores = scores * 2;
                        var den = num.sum(1, true);
                        return {|GL2003:num / den|} + scores;
                    }

                    // Not a softmax: the numerator is not the summed exp.
                    Tensor Other(Tensor a, Tensor b)
                    {
                        var num = a.exp();
                        var den = b.exp().sum(1, true);
                        return num / den.clamp_min(1e-12);
                    }
                }
                """;
            return Fixer.CodeFixAsync(source, source);
        }

        [Fact]
        public Task Through_a_helper_the_finding_stays_but_no_fix_writes_the_helpers_parameter_here()
        {
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                class Normaliser
                {
                    private Tensor Weights(Tensor v) => v.exp();

                    Tensor Softmax(Tensor x) => {|GL2003:Weights(x) / Weights(x).sum(1, true)|};
                }
                """;
            return Fixer.CodeFixAsync(source, source);
        }
    }
}

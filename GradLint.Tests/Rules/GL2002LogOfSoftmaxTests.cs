using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.LogOfSoftmaxAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.LogOfSoftmaxAnalyzer, GradLint.CodeFixes.Rules.LogOfSoftmaxFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2002LogOfSoftmaxTests
    {
        [Fact]
        public Task Reports_every_form_of_log_of_softmax()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => {|GL2002:x.softmax(1).log()|};
                    Tensor B(Tensor x) => {|GL2002:torch.log(torch.softmax(x, 1))|};
                    Tensor C(Tensor x) => {|GL2002:log(nn.functional.softmax(x, -1))|};
                    Tensor D(Tensor x) => {|GL2002:TorchSharp.torch.special.softmax(x, 0).log()|};
                    Tensor E(Tensor x) { var p = x.softmax(1); return {|GL2002:p.log()|} + {|GL2002:softmax(x, 1).log_()|}; }   // a softmax held in a local too
                }
                """);
        }

        [Fact]
        public Task Does_not_report_log_softmax_or_other_logs()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => nn.functional.log_softmax(x, 1);
                    Tensor B(Tensor x) => x.log_softmax(1);
                    Tensor C(Tensor x) => x.sigmoid().log();
                    Tensor D(Tensor x) => x.softmax(1).log2();
                }
                """);
        }

        [Fact]
        public Task Fix_uses_log_softmax_named_as_the_file_names_things()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => -{|GL2002:x.softmax(1).log()|}.mean();
                    Tensor B(Tensor x) => {|GL2002:torch.log(torch.softmax(x, 1))|};
                    Tensor C(Tensor x) => {|GL2002:log(softmax(x, 1, ScalarType.Float64))|};
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => -nn.functional.log_softmax(x, 1).mean();
                    Tensor B(Tensor x) => nn.functional.log_softmax(x, 1);
                    Tensor C(Tensor x) => x.log_softmax(1, ScalarType.Float64);
                }
                """);
        }

        [Fact]
        public async Task Fixed_code_compiles_with_no_new_diagnostics()
        {
            const string source = """
                using static TorchSharp.torch;

                public static class Losses
                {
                    public static Tensor CrossEntropy(Tensor logits, Tensor oneHot) =>
                        -(oneHot * logits.softmax(1).log()).sum(1).mean();
                }
                """;
            var (fixedSource, after) = await Compile.ApplyFixesAndCompareAsync(source, new LogOfSoftmaxAnalyzer(), new LogOfSoftmaxFixer(), "GL2002");
            Assert.Contains("nn.functional.log_softmax(logits, 1)", fixedSource);
            Assert.Empty(after);
        }

        [Fact]
        public Task Reports_the_log_of_a_softmax_held_in_a_local_and_fixes_it_to_log_softmax()
        {
            // The form RL agents write: probabilities kept for sampling, their log taken for the policy loss.
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class PolicyGradient
                {
                    Tensor Loss(Tensor logits, Tensor actions, Tensor advantages)
                    {
                        var probs = nn.functional.softmax(logits, 1);
                        var logProbs = {|GL2002:torch.log(probs)|};
                        var entropy = -(probs * {|GL2002:probs.log()|}).sum(1);
                        return -(logProbs.gather(1, actions).squeeze(1) * advantages).mean() - 0.01 * entropy.mean();
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class PolicyGradient
                {
                    Tensor Loss(Tensor logits, Tensor actions, Tensor advantages)
                    {
                        var probs = nn.functional.softmax(logits, 1);
                        var logProbs = nn.functional.log_softmax(logits, 1);
                        var entropy = -(probs * nn.functional.log_softmax(logits, 1)).sum(1);
                        return -(logProbs.gather(1, actions).squeeze(1) * advantages).mean() - 0.01 * entropy.mean();
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_follow_a_local_whose_softmax_input_changed_before_the_log()
        {
            // log_softmax(logits, 1) at the log would read the new logits: not the same value. GL2001's clamp applies instead.
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Scaled
                {
                    Tensor Loss(Tensor logits)
                    {
                        var probs = nn.functional.softmax(logits, 1);
                        logits = logits * 2;
                        return torch.log(probs).mean() + logits.mean();
                    }

                    Tensor Reassigned(Tensor logits)
                    {
                        var probs = nn.functional.softmax(logits, 1);
                        probs = probs * 0.5;
                        return torch.log(probs).mean();
                    }
                }
                """);
        }

        [Fact]
        public Task A_softmax_a_helper_returns_gets_the_finding_but_no_fix_because_its_input_is_not_in_scope()
        {
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                class PolicyHead
                {
                    private Tensor Probabilities(Tensor logits) => softmax(logits, -1);

                    Tensor LogProbability(Tensor x) => {|GL2002:Probabilities(x).log()|};
                }
                """;
            return Fixer.CodeFixAsync(source, source);
        }

        [Fact]
        public Task A_softmax_of_an_expression_of_unchanged_values_is_fixed_to_log_softmax_of_that_expression()
        {
            // Distillation: softmax(teacher / t) in a local, then its log.
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Distillation
                {
                    Tensor Loss(Tensor teacher, double t)
                    {
                        var pt = nn.functional.softmax(teacher / t, 1);
                        return (pt * {|GL2002:pt.log()|}).sum(1).mean();
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Distillation
                {
                    Tensor Loss(Tensor teacher, double t)
                    {
                        var pt = nn.functional.softmax(teacher / t, 1);
                        return (pt * nn.functional.log_softmax(teacher / t, 1)).sum(1).mean();
                    }
                }
                """);
        }
    }
}

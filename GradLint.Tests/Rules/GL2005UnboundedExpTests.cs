using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.UnboundedExpAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.UnboundedExpAnalyzer, GradLint.CodeFixes.Rules.UnboundedExpFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2005UnboundedExpTests
    {
        [Fact]
        public Task Reports_exp_of_unbounded_values_in_every_form()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Vae
                {
                    Tensor A(Tensor logVar) => {|GL2005:logVar.exp()|};
                    Tensor B(Tensor logVar) => {|GL2005:torch.exp(0.5 * logVar)|};
                    Tensor C(Tensor x) => {|GL2005:exp(x.abs())|};
                    Tensor D(Tensor x) => {|GL2005:x.exp_()|};
                }
                """);
        }

        [Fact]
        public Task Does_not_report_exp_of_bounded_values()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Stable
                {
                    Tensor A(Tensor x) => (x - x.amax(new long[] { 1 }, keepdim: true)).exp();
                    Tensor B(Tensor x) => x.clamp_max(80).exp();
                    Tensor C(Tensor x) => torch.exp(x.clamp(-20, 20));
                    Tensor D(Tensor x) => exp(-nn.functional.softplus(x));
                    Tensor E(Tensor x) => x.tanh().exp() + x.sigmoid().exp();
                    Tensor F(Tensor x) { var shifted = x - x.logsumexp(1, true); return shifted.exp(); }
                    Tensor G(Tensor x) => exp(-x.abs());
                }
                """);
        }

        [Fact]
        public Task Fix_bounds_the_argument_with_the_configured_maximum()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Vae
                {
                    Tensor Std(Tensor logVar) => {|GL2005:(0.5 * logVar).exp()|};
                }
                """, """
                using static TorchSharp.torch;

                class Vae
                {
                    Tensor Std(Tensor logVar) => (0.5 * logVar).clamp_max(30.0).exp();
                }
                """, iterations: null, withRuntime: false, editorConfig: "gradlint.exp_max = 30\n", actionIndex: null);
        }

        [Fact]
        public Task On_a_softmax_written_by_hand_the_fix_subtracts_the_row_maximum_instead_of_clamping()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Attention
                {
                    Tensor Weights(Tensor scores)
                    {
                        var e = {|GL2005:scores.exp()|};
                        return e / e.sum(1, true);
                    }

                    Tensor Global(Tensor scores)
                    {
                        var e = {|GL2005:torch.exp(scores)|};
                        return e.div(e.sum());
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Attention
                {
                    Tensor Weights(Tensor scores)
                    {
                        var e = (scores - scores.amax(new long[] { 1 }, keepdim: true)).exp();
                        return e / e.sum(1, true);
                    }

                    Tensor Global(Tensor scores)
                    {
                        var e = torch.exp(scores - scores.max());
                        return e.div(e.sum());
                    }
                }
                """);
        }

        [Fact]
        public async Task A_normalised_exp_gets_no_clamp_and_no_shift_when_its_argument_cannot_be_evaluated_twice()
        {
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                class Head
                {
                    Tensor Weights(nn.Module<Tensor, Tensor> model, Tensor x)
                    {
                        var e = model.call(x).exp();
                        return e / e.sum(1, true);
                    }
                }
                """;
            var keys = await CodeFixRunner.OfferedActionKeysAsync(source, new UnboundedExpAnalyzer(), new UnboundedExpFixer(), withRuntime: false);
            Assert.Empty(keys);
        }

        [Fact]
        public async Task A_plain_exp_still_gets_only_the_clamp()
        {
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                class Vae
                {
                    Tensor Std(Tensor logVar) => (0.5 * logVar).exp();
                }
                """;
            var keys = await CodeFixRunner.OfferedActionKeysAsync(source, new UnboundedExpAnalyzer(), new UnboundedExpFixer(), withRuntime: false);
            Assert.Equal(new[] { UnboundedExpFixer.ClampKey }, keys);
        }

        [Fact]
        public async Task Fixed_code_compiles_with_no_new_diagnostics()
        {
            const string source = """
                using static TorchSharp.torch;

                public static class Vae
                {
                    public static Tensor Sample(Tensor mu, Tensor logVar) => mu + (0.5 * logVar).exp() * randn_like(mu);
                }
                """;
            var before = await Compile.AllDiagnosticsAsync(Compile.Create(false, source));
            var fixedSource = await CodeFixRunner.ApplyAllAsync(source, new UnboundedExpAnalyzer(), new UnboundedExpFixer());
            Assert.Contains("(0.5 * logVar).clamp_max(80.0).exp()", fixedSource);
            var after = await Compile.AllDiagnosticsAsync(Compile.Create(false, fixedSource));
            Assert.DoesNotContain(after, d => d.Id == "GL2005" || d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
            Assert.Contains(await Compile.AllDiagnosticsAsync(Compile.Create(false, source)), d => d.Id == "GL2005");
        }
    }
}

using System.Threading.Tasks;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.PrecisionLossAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.PrecisionLossAnalyzer, GradLint.CodeFixes.Rules.PrecisionLossFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2004PrecisionLossTests
    {
        [Fact]
        public Task Reports_log_of_one_plus_x_and_exp_minus_one_in_every_form()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => {|GL2004:(1 + x).log()|};
                    Tensor B(Tensor x) => {|GL2004:torch.log(x + 1)|};
                    Tensor C(Tensor x) => {|GL2004:log(1.0 + x.abs())|};
                    Tensor D(Tensor x) => {|GL2004:x.exp() - 1|};
                    Tensor E(Tensor x) => {|GL2004:torch.exp(x * 2) - 1.0|};
                }
                """);
        }

        [Fact]
        public Task Does_not_report_other_constants_or_log1p_and_expm1()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x) => (x.abs() + 2).log() + x.log1p() + x.expm1();
                    Tensor B(Tensor x) => x.exp() - 2 + (1 - x.exp());
                }
                """);
        }

        [Fact]
        public Task Fix_uses_log1p_and_expm1_with_parentheses_where_needed()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x, Tensor y) => -{|GL2004:log(1 + x * y)|}.mean();
                    Tensor B(Tensor x) => ({|GL2004:x.exp() - 1|}) * 3;
                    Tensor C(Tensor x) => {|GL2004:x.exp() - 1|};
                }
                """, """
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor x, Tensor y) => -(x * y).log1p().mean();
                    Tensor B(Tensor x) => x.expm1() * 3;
                    Tensor C(Tensor x) => x.expm1();
                }
                """);
        }
    }
}

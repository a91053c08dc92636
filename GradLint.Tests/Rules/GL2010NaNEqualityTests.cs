using System.Threading.Tasks;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.NaNEqualityAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.NaNEqualityAnalyzer, GradLint.CodeFixes.Rules.NaNEqualityFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2010NaNEqualityTests
    {
        [Fact]
        public Task Reports_NaN_equality_on_tensors_and_on_item_results()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Checks
                {
                    bool A(Tensor loss) => {|GL2010:loss.item<float>() == float.NaN|};
                    bool B(Tensor loss) => {|GL2010:double.NaN != loss.ToDouble()|};
                    Tensor C(Tensor x) => {|GL2010:x == float.NaN|};
                    Tensor D(Tensor x) => {|GL2010:x.eq(double.NaN)|};
                    Tensor E(Tensor x) => {|GL2010:torch.eq(x, float.NaN)|};
                    Tensor F(Tensor x) => {|GL2010:x.ne(float.NaN)|};
                }
                """);
        }

        [Fact]
        public Task Does_not_report_correct_checks_or_plain_numbers()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Checks
                {
                    bool A(Tensor loss) => float.IsNaN(loss.item<float>());
                    Tensor B(Tensor x) => x.isnan();
                    bool C(double v) => v == 0.0;
                    Tensor D(Tensor x) => x == 0;
                }
                """);
        }

        [Fact]
        public Task Fix_uses_isnan_and_IsNaN_and_keeps_negation()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Checks
                {
                    bool A(Tensor loss) => {|GL2010:loss.item<float>() == float.NaN|};
                    bool B(Tensor loss) => {|GL2010:loss.ToDouble() != double.NaN|};
                    Tensor C(Tensor x, Tensor y) => {|GL2010:(x + y) == float.NaN|};
                    Tensor D(Tensor x) => {|GL2010:x.ne(float.NaN)|};
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Checks
                {
                    bool A(Tensor loss) => float.IsNaN(loss.item<float>());
                    bool B(Tensor loss) => !double.IsNaN(loss.ToDouble());
                    Tensor C(Tensor x, Tensor y) => (x + y).isnan();
                    Tensor D(Tensor x) => x.isnan().logical_not();
                }
                """);
        }
    }
}

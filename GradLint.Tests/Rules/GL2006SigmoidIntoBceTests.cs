using System.Threading.Tasks;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.SigmoidIntoBceAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.SigmoidIntoBceAnalyzer, GradLint.CodeFixes.Rules.SigmoidIntoBceFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2006SigmoidIntoBceTests
    {
        [Fact]
        public Task Reports_sigmoid_into_binary_cross_entropy_in_functional_and_module_forms()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    private readonly TorchSharp.Modules.BCELoss criterion = nn.BCELoss();
                    private readonly TorchSharp.Modules.Sigmoid squash = nn.Sigmoid();

                    Tensor A(Tensor logits, Tensor y) => {|GL2006:nn.functional.binary_cross_entropy(logits.sigmoid(), y)|};
                    Tensor B(Tensor logits, Tensor y) => {|GL2006:nn.functional.binary_cross_entropy(torch.sigmoid(logits), y)|};
                    Tensor C(Tensor logits, Tensor y) => {|GL2006:criterion.call(squash.call(logits), y)|};
                    Tensor D(Tensor logits, Tensor y) { var p = nn.functional.sigmoid(logits); return {|GL2006:criterion.forward(p, y)|}; }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_logits_losses_or_other_probabilities()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor logits, Tensor y) => nn.functional.binary_cross_entropy_with_logits(logits, y);
                    Tensor B(Tensor p, Tensor y) => nn.functional.binary_cross_entropy(p, y);
                    Tensor C(Tensor logits, Tensor y) => nn.functional.mse_loss(logits.sigmoid(), y);
                }
                """);
        }

        [Fact]
        public Task Fix_switches_to_with_logits_keeping_the_other_arguments()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor logits, Tensor y, Tensor w) => {|GL2006:nn.functional.binary_cross_entropy(logits.sigmoid(), y, w, nn.Reduction.Sum)|};
                    Tensor B(Tensor a, Tensor b, Tensor y) => {|GL2006:nn.functional.binary_cross_entropy(torch.sigmoid(a + b), y)|};
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor logits, Tensor y, Tensor w) => nn.functional.binary_cross_entropy_with_logits(logits, y, w, nn.Reduction.Sum);
                    Tensor B(Tensor a, Tensor b, Tensor y) => nn.functional.binary_cross_entropy_with_logits(a + b, y);
                }
                """);
        }
    }
}

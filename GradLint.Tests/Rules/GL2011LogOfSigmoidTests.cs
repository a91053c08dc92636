using System.Linq;
using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.LogOfSigmoidAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.LogOfSigmoidAnalyzer, GradLint.CodeFixes.Rules.LogOfSigmoidFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2011LogOfSigmoidTests
    {
        [Fact]
        public Task Reports_log_of_sigmoid_and_of_its_complement_in_every_form()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class LogisticPolicy
                {
                    Tensor A(Tensor logits) => {|GL2011:logits.sigmoid().log()|};
                    Tensor B(Tensor logits) => {|GL2011:torch.log(torch.sigmoid(logits))|};
                    Tensor C(Tensor logits) => {|GL2011:log(sigmoid(logits))|};
                    Tensor D(Tensor logits) => {|GL2011:torch.log(1 - nn.functional.sigmoid(logits))|};
                    Tensor Bce(Tensor z, Tensor y) => -(y * {|GL2011:torch.log(torch.sigmoid(z))|} + (1 - y) * {|GL2011:torch.log(1 - torch.sigmoid(z))|}).mean();
                }
                """);
        }

        [Fact]
        public Task Does_not_report_other_logs()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Other
                {
                    Tensor A(Tensor x) => nn.functional.logsigmoid(x);
                    Tensor B(Tensor x) => torch.log(x.softmax(1));
                    Tensor C(Tensor x) => torch.log(2 - torch.sigmoid(x));
                    Tensor D(Tensor x) => torch.sigmoid(x).log2();
                }
                """);
        }

        [Fact]
        public async Task GL2001_leaves_the_complement_form_to_this_rule()
        {
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Loss
                {
                    public static Tensor LogNotP(Tensor z) => torch.log(1 - torch.sigmoid(z));
                }
                """;
            var diagnostics = await Compile.AllDiagnosticsAsync(Compile.Create(false, source));
            Assert.Single(diagnostics, d => d.Id == "GL2011");
            Assert.DoesNotContain(diagnostics, d => d.Id == "GL2001");
        }

        [Fact]
        public Task Fix_uses_logsigmoid_named_as_the_file_names_things()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class LogisticPolicy
                {
                    Tensor A(Tensor logits) => {|GL2011:logits.sigmoid().log()|};
                    Tensor D(Tensor a, Tensor b) => {|GL2011:torch.log(1 - torch.sigmoid(a + b))|};
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class LogisticPolicy
                {
                    Tensor A(Tensor logits) => nn.functional.logsigmoid(logits);
                    Tensor D(Tensor a, Tensor b) => nn.functional.logsigmoid(-(a + b));
                }
                """);
        }

        [Fact]
        public void Why_it_matters_log_of_a_rounded_sigmoid_is_minus_infinity_and_logsigmoid_is_exact()
        {
            using var scope = NewDisposeScope();
            var x = tensor(new[] { -100f, 0f, 5f }).requires_grad_(true);
            var naive = x.sigmoid().log();
            var exact = nn.functional.logsigmoid(x);
            Assert.True(float.IsNegativeInfinity(naive.data<float>()[0]));
            Assert.Equal(-100f, exact.data<float>()[0], 3);
            Assert.Equal(naive.data<float>()[1], exact.data<float>()[1], 6);
            exact.sum().backward();
            Assert.True(x.grad!.isfinite().all().item<bool>());

            var twenty = tensor(new[] { 20f });
            Assert.True(float.IsNegativeInfinity((1 - twenty.sigmoid()).log().data<float>()[0]));
            Assert.Equal(-20f, nn.functional.logsigmoid(-twenty).data<float>()[0], 3);
        }
    }
}

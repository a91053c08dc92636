using System.Threading.Tasks;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.SoftmaxIntoLossAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.SoftmaxIntoLossAnalyzer, GradLint.CodeFixes.Rules.SoftmaxIntoLossFixer>;

namespace GradLint.Tests.Rules
{
    public class GL2007SoftmaxIntoLossTests
    {
        [Fact]
        public Task Reports_softmax_into_cross_entropy_and_nll_loss_in_functional_and_module_forms()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Losses
                {
                    private readonly TorchSharp.Modules.CrossEntropyLoss criterion = nn.CrossEntropyLoss();

                    Tensor A(Tensor logits, Tensor y) => {|GL2007:nn.functional.cross_entropy(logits.softmax(1), y)|};
                    Tensor B(Tensor logits, Tensor y) => {|GL2007:criterion.call(torch.softmax(logits, 1), y)|};
                    Tensor C(Tensor logits, Tensor y) => {|GL2007:nn.functional.nll_loss(nn.functional.softmax(logits, -1), y)|};
                    Tensor D(Tensor logits, Tensor y) { var p = logits.softmax(1); return {|GL2007:nn.NLLLoss().forward(p, y)|}; }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_logits_log_softmax_or_other_models()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor logits, Tensor y) => nn.functional.cross_entropy(logits, y);
                    Tensor B(Tensor logits, Tensor y) => nn.functional.nll_loss(nn.functional.log_softmax(logits, 1), y);
                    Tensor C(Tensor x, nn.Module<Tensor, Tensor> model) => model.call(x.softmax(1));
                    Tensor D(Tensor p, Tensor y) => nn.functional.mse_loss(p.softmax(1), y);
                }
                """);
        }

        [Fact]
        public Task Fix_drops_the_softmax_for_cross_entropy_and_uses_log_softmax_for_nll_loss()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor logits, Tensor y) => {|GL2007:nn.functional.cross_entropy(logits.softmax(1), y)|};
                    Tensor B(Tensor a, Tensor b, Tensor y) => {|GL2007:nn.functional.nll_loss(softmax(a + b, 1), y)|};
                }
                """, """
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor logits, Tensor y) => nn.functional.cross_entropy(logits, y);
                    Tensor B(Tensor a, Tensor b, Tensor y) => nn.functional.nll_loss((a + b).log_softmax(1), y);
                }
                """);
        }

        [Fact]
        public Task No_fix_when_the_softmax_is_held_in_a_local()
        {
            var source = """
                using static TorchSharp.torch;

                class Losses
                {
                    Tensor A(Tensor logits, Tensor y)
                    {
                        var probabilities = logits.softmax(1);
                        return {|GL2007:nn.functional.cross_entropy(probabilities, y)|};
                    }
                }
                """;
            return Fixer.CodeFixAsync(source, source);
        }

        [Fact]
        public Task An_nn_Softmax_module_fed_to_a_loss_is_found_and_fixed_where_its_dim_is_known()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Classifier
                {
                    private readonly nn.Module<Tensor, Tensor> net = nn.Linear(4, 3);
                    private readonly nn.Module<Tensor, Tensor> probabilities = nn.Softmax(1);
                    private readonly TorchSharp.Modules.CrossEntropyLoss ce = nn.CrossEntropyLoss();

                    Tensor CrossEntropy(Tensor x, Tensor y) => {|GL2007:ce.call(probabilities.call(net.call(x)), y)|};
                    Tensor Nll(Tensor x, Tensor y) => {|GL2007:nn.functional.nll_loss(probabilities.call(net.call(x)), y)|};
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Classifier
                {
                    private readonly nn.Module<Tensor, Tensor> net = nn.Linear(4, 3);
                    private readonly nn.Module<Tensor, Tensor> probabilities = nn.Softmax(1);
                    private readonly TorchSharp.Modules.CrossEntropyLoss ce = nn.CrossEntropyLoss();

                    Tensor CrossEntropy(Tensor x, Tensor y) => ce.call(net.call(x), y);
                    Tensor Nll(Tensor x, Tensor y) => nn.functional.nll_loss(net.call(x).log_softmax(1), y);
                }
                """);
        }

        [Fact]
        public Task A_Softmax_module_of_unknown_dim_into_nll_loss_is_reported_without_a_fix_and_LogSoftmax_is_fine()
        {
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                class Classifier
                {
                    Tensor Nll(nn.Module<Tensor, Tensor> net, TorchSharp.Modules.Softmax softmax, Tensor x, Tensor y) =>
                        {|GL2007:nn.functional.nll_loss(softmax.call(net.call(x)), y)|};

                    Tensor Fine(nn.Module<Tensor, Tensor> net, TorchSharp.Modules.LogSoftmax logSoftmax, Tensor x, Tensor y) =>
                        nn.functional.nll_loss(logSoftmax.call(net.call(x)), y);
                }
                """;
            return Fixer.CodeFixAsync(source, source);
        }

        [Fact]
        public Task A_loss_fed_by_a_modules_own_forward_is_not_a_softmax_and_does_not_crash()
        {
            // Found on third-party code: this.forward(x) names no variable (it threw before).
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Model : nn.Module<Tensor, Tensor>
                {
                    private readonly nn.Module<Tensor, Tensor> fc = nn.Linear(4, 3);
                    public Model() : base(nameof(Model)) => RegisterComponents();
                    public override Tensor forward(Tensor x) => fc.call(x);

                    public Tensor Loss(Tensor x, Tensor y)
                    {
                        var loss = nn.CrossEntropyLoss();
                        return loss.forward(this.forward(x), y) + nn.functional.cross_entropy(Self().call(x), y);
                    }

                    private Model Self() => this;
                }
                """);
        }
    }
}

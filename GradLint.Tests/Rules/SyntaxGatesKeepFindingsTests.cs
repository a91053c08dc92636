using System.Threading.Tasks;
using GradLint.Tests.Infrastructure;
using Xunit;

namespace GradLint.Tests.Rules
{
    /// <summary>
    /// The forms a rule's syntax gate could wrongly skip, each beside the plain code the gate exists to skip: a finding
    /// reached only through a static-imported functional, a helper with any name, a loss module's two-argument call or
    /// a tensor accumulated next to a loop counter is still reported (see <c>Analysis/SyntaxGateTests</c> for the gates).
    /// </summary>
    [Collection(TensorCountCollection.Name)]
    public class SyntaxGatesKeepFindingsTests
    {
        [Fact]
        public Task GL3001_a_script_loop_whose_only_tensor_work_is_a_static_imported_functional_is_reported_and_a_batch_iterator_is_not()
        {
            return Verify<GradLint.Analyzers.Rules.TensorsWithoutDisposeScopeAnalyzer>.AnalyzerAsync("""
                using System;
                using System.Collections.Generic;
                using static TorchSharp.torch;
                using static TorchSharp.torch.nn.functional;

                static class Script
                {
                    public static IEnumerable<Tensor> Batches(Tensor x, int batch)
                    {
                        for (long start = 0; start < x.shape[0]; start += batch)
                        {
                            yield return x.narrow(0, start, Math.Min(batch, x.shape[0] - start));
                        }
                    }

                    public static void Score(Tensor w, Tensor x)
                    {
                        {|GL3001:foreach|} (var batch in Batches(x, 32))
                        {
                            var hidden = relu(batch.matmul(w));
                            Console.WriteLine(hidden.mean().item<float>());
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task GL1001_a_step_called_through_a_conditional_access_is_analysed_like_any_other_call()
        {
            // The call inside `?.` is an invocation of its own (`.step()`, bound on the receiver's placeholder): its name
            // passes the gate and its operation is a step like any other.
            return Verify<GradLint.Analyzers.Rules.MissingGradientClippingAnalyzer>.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    public void Step(Tensor loss, optim.Optimizer? optimizer)
                    {
                        loss.backward();
                        optimizer?{|GL1001:.step()|};
                    }
                }
                """);
        }

        [Fact]
        public Task GL2009_a_divisor_built_by_a_helper_of_the_file_is_reported_whatever_the_helpers_name_and_a_Math_scaling_is_not()
        {
            return Verify<GradLint.Analyzers.Rules.UnguardedDivisionAnalyzer>.AnalyzerAsync("""
                using System;
                using static TorchSharp.torch;

                class Features
                {
                    static Tensor Total(Tensor t) => t.abs().sum(1, true);

                    Tensor Share(Tensor x) => {|GL2009:x / Total(x)|};
                    Tensor Init(int inputs) => randn(inputs, 1) / Math.Sqrt(inputs);
                    Tensor Local(Tensor x) { Tensor Mass(Tensor t) => t.abs().sum(); return {|GL2009:x / Mass(x)|}; }
                    Tensor Spread(Tensor x) { var t = x; t /= {|GL2009:Total(x)|}; return t; }
                }
                """.Replace("t /= {|GL2009:Total(x)|}", "{|GL2009:t /= Total(x)|}"));
        }

        [Fact]
        public Task GL2003_a_softmax_written_with_a_helper_on_both_sides_is_reported_and_a_random_draw_over_Math_is_not()
        {
            return Verify<GradLint.Analyzers.Rules.HandWrittenLogSumExpAnalyzer>.AnalyzerAsync("""
                using System;
                using static TorchSharp.torch;

                class Attention
                {
                    static Tensor Num(Tensor x) => (x - x.max()).exp();

                    Tensor Weights(Tensor scores) => {|GL2003:Num(scores) / Num(scores).sum(1, true)|};
                    Tensor Init(int n) => randn(n, n) / Math.Sqrt(n);
                }
                """);
        }

        [Fact]
        public Task GL2006_and_GL2007_a_loss_modules_two_argument_call_is_reported_and_one_argument_forward_passes_are_not_bound()
        {
            return Task.WhenAll(
                Verify<GradLint.Analyzers.Rules.SigmoidIntoBceAnalyzer>.AnalyzerAsync("""
                    using TorchSharp;
                    using static TorchSharp.torch;

                    class Discriminator
                    {
                        private readonly TorchSharp.Modules.BCELoss criterion = nn.BCELoss();
                        private readonly TorchSharp.Modules.Linear head = nn.Linear(8, 1);

                        Tensor Loss(Tensor x, Tensor real) => {|GL2006:criterion.forward(sigmoid(head.forward(x)), real)|};
                    }
                    """),
                Verify<GradLint.Analyzers.Rules.SoftmaxIntoLossAnalyzer>.AnalyzerAsync("""
                    using TorchSharp;
                    using static TorchSharp.torch;

                    class Classifier
                    {
                        private readonly TorchSharp.Modules.CrossEntropyLoss criterion = nn.CrossEntropyLoss();
                        private readonly TorchSharp.Modules.Linear head = nn.Linear(8, 4);

                        Tensor Loss(Tensor x, Tensor labels) => {|GL2007:criterion.call(head.call(x).softmax(1), labels)|};
                    }
                    """));
        }

        [Fact]
        public Task GL3002_a_loss_summed_into_a_tensor_is_reported_beside_the_loop_counters_the_gate_skips()
        {
            return Verify<GradLint.Analyzers.Rules.LossKeptAcrossIterationsAnalyzer>.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = nn.Linear(4, 1);

                    void Train(List<(Tensor X, Tensor Y)> batches)
                    {
                        var total = zeros(1);
                        var seen = 0;
                        for (long i = 0; i < batches.Count; i += 1)
                        {
                            var loss = nn.functional.mse_loss(model.call(batches[(int)i].X), batches[(int)i].Y);
                            total += {|GL3002:loss|};
                            seen += 1;
                        }
                    }
                }
                """);
        }
    }
}

using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.EvaluationBuildsGraphsAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.EvaluationBuildsGraphsAnalyzer, GradLint.CodeFixes.Rules.EvaluationBuildsGraphsFixer>;

namespace GradLint.Tests.Rules
{
    public class GL3003EvaluationBuildsGraphsTests
    {
        [Fact]
        public Task Reports_an_evaluation_loop_with_gradients_on()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Classifier
                {
                    nn.Module<Tensor, Tensor> model = nn.Linear(4, 3);

                    double Accuracy(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        long correct = 0, total = 0;
                        {|#0:foreach|} (var (x, y) in batches)
                        {
                            using var scope = torch.NewDisposeScope();
                            correct += model.call(x).argmax(1).eq(y).sum().item<long>();
                            total += y.shape[0];
                        }

                        return (double)correct / total;
                    }
                }
                """,
                Analyzer.Diagnostic("GL3003").WithLocation(0)
                    .WithMessage("This loop runs 'model.call(…)' with gradients on but its function never calls backward(): every forward pass records an autograd graph and keeps its activations for nothing; run the evaluation under 'using var noGrad = torch.no_grad();'"));
        }

        [Fact]
        public async Task Reports_a_script_style_validation_loop()
        {
            var findings = await Compile.ScriptFindingsAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                var model = nn.Linear(4, 1);
                var loss = 0.0;
                for (int i = 0; i < 10; i++)
                {
                    using var scope = torch.NewDisposeScope();
                    loss += nn.functional.mse_loss(model.call(torch.randn(8, 4)), torch.randn(8, 1)).item<float>();
                }
                """);
            Assert.Equal(new[] { ("GL3003", "for (int i = 0; i < 10; i++)") }, findings);
        }

        [Fact]
        public Task Does_not_report_evaluation_under_no_grad_training_loops_or_kept_graphs()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = nn.Linear(4, 3);
                    optim.Optimizer optimizer = null!;

                    double NoGrad(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        long correct = 0;
                        using (torch.no_grad())
                        {
                            foreach (var (x, y) in batches)
                            {
                                correct += model.call(x).argmax(1).eq(y).sum().item<long>();
                            }
                        }

                        return correct;
                    }

                    double InferenceMode(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        long correct = 0;
                        foreach (var (x, y) in batches)
                        {
                            using var mode = torch.inference_mode();
                            correct += model.call(x).argmax(1).eq(y).sum().item<long>();
                        }

                        return correct;
                    }

                    // Forward passes whose losses are differentiated after the loop: training.
                    void Accumulate(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        var losses = new List<Tensor>();
                        foreach (var (x, y) in batches)
                        {
                            losses.Add(nn.functional.cross_entropy(model.call(x), y));
                        }

                        torch.stack(losses).mean().backward();
                        optimizer.step();
                    }

                    // Returns what it computed: the caller may differentiate it.
                    Tensor Rollout(Tensor state)
                    {
                        var total = torch.zeros(1);
                        for (int t = 0; t < 10; t++)
                        {
                            state = model.call(state).tanh();
                            total = total + state.sum();
                        }

                        return total;
                    }

                    // Called only under no_grad.
                    long Count(IEnumerable<Tensor> batches)
                    {
                        long n = 0;
                        foreach (var x in batches)
                        {
                            n += model.call(x).argmax(1).sum().item<long>();
                        }

                        return n;
                    }

                    void Report(IEnumerable<Tensor> batches)
                    {
                        using var noGrad = torch.no_grad();
                        System.Console.WriteLine(Count(batches));
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_one_epoch_loop_for_training_and_validation_with_a_conditional_no_grad()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Runner
                {
                    nn.Module<Tensor, Tensor> model = nn.Linear(4, 1);

                    float Validate(IEnumerable<(Tensor X, Tensor Y)> batches, bool training)
                    {
                        using var noGradGuard = training ? null : torch.no_grad();
                        float total = 0;
                        foreach (var (x, y) in batches)
                        {
                            using var scope = torch.NewDisposeScope();
                            total += nn.functional.mse_loss(model.call(x), y).item<float>();
                        }

                        return total;
                    }
                }
                """);
        }

        [Theory]
        [InlineData("nn.Dropout(0.5)")]
        [InlineData(@"nn.Dr\u006fpout(0.5)")]   // spelled with a Unicode escape: the type's text does not show the name
        [InlineData("TorchSharp.torch.nn.@Dropout(p: 0.5)")]
        [InlineData("nn.Sequential(nn.Linear(16, 16), nn.BatchNorm1d(16))")]
        public Task Reports_evaluation_of_a_dropout_model_after_training_with_no_eval_call(string dropout)
        {
            return Analyzer.AnalyzerAsync($$"""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Net : nn.Module<Tensor, Tensor>
                {
                    private readonly nn.Module<Tensor, Tensor> fc1 = nn.Linear(4, 16), drop = {{dropout}}, fc2 = nn.Linear(16, 3);
                    public Net() : base(nameof(Net)) => RegisterComponents();
                    public override Tensor forward(Tensor x) => fc2.call(drop.call(fc1.call(x).relu()));
                }

                class Experiment
                {
                    void Run(IList<(Tensor X, Tensor Y)> train, IList<(Tensor X, Tensor Y)> test)
                    {
                        var model = new Net();
                        var optimizer = optim.Adam(model.parameters());
                        foreach (var (x, y) in train)
                        {
                            using var scope = torch.NewDisposeScope();
                            optimizer.zero_grad();
                            nn.functional.cross_entropy(model.call(x), y).backward();
                            optimizer.step();
                        }

                        long correct = 0;
                        using var noGrad = torch.no_grad();
                        {|#0:foreach|} (var (x, y) in test)
                        {
                            using var scope = torch.NewDisposeScope();
                            correct += model.call(x).argmax(1).eq(y).sum().item<long>();
                        }
                    }
                }
                """,
                Analyzer.Diagnostic("GL3003").WithLocation(0)
                    .WithMessage("'model' has Dropout or BatchNorm layers and this evaluation runs after 'the training loop 'foreach (var (x, y) in train)'' with no 'model.eval()' in between: dropout stays on and batch statistics are updated with evaluation data; call 'model.eval()' before it"));
        }

        [Fact]
        public Task Does_not_take_a_mention_of_dropout_that_builds_no_layer_for_one()
        {
            // The model's type names Dropout in a comment, a string, a property and a method of its own that is not
            // called: none of them builds a layer, so the evaluation after training needs no eval() call.
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Net : nn.Module<Tensor, Tensor>
                {
                    // A plain MLP: no nn.Dropout(0.5) here, it underfits already.
                    private readonly nn.Module<Tensor, Tensor> fc1 = nn.Linear(4, 16), fc2 = nn.Linear(16, 3);
                    public Net() : base(nameof(Net)) => RegisterComponents();
                    public double Dropout { get; } = 0.0;
                    public string Describe() => "Dropout(" + Dropout + ")";
                    public override Tensor forward(Tensor x) => fc2.call(fc1.call(x).relu());
                }

                class Experiment
                {
                    void Run(IList<(Tensor X, Tensor Y)> train, IList<(Tensor X, Tensor Y)> test)
                    {
                        var model = new Net();
                        var optimizer = optim.Adam(model.parameters());
                        foreach (var (x, y) in train)
                        {
                            using var scope = torch.NewDisposeScope();
                            optimizer.zero_grad();
                            nn.functional.cross_entropy(model.call(x), y).backward();
                            optimizer.step();
                        }

                        long correct = 0;
                        using var noGrad = torch.no_grad();
                        foreach (var (x, y) in test)
                        {
                            using var scope = torch.NewDisposeScope();
                            correct += model.call(x).argmax(1).eq(y).sum().item<long>();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_the_next_epochs_training_after_eval_with_no_train_call()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                static class Epochs
                {
                    static void Run(IList<(Tensor X, Tensor Y)> train, IList<(Tensor X, Tensor Y)> test)
                    {
                        var model = nn.Sequential(("fc1", nn.Linear(4, 16)), ("bn", nn.BatchNorm1d(16)), ("fc2", nn.Linear(16, 3)));
                        var optimizer = optim.SGD(model.parameters(), 0.1);
                        for (int epoch = 0; epoch < 10; epoch++)
                        {
                            {|#0:foreach|} (var (x, y) in train)
                            {
                                using var scope = torch.NewDisposeScope();
                                optimizer.zero_grad();
                                nn.functional.cross_entropy(model.call(x), y).backward();
                                optimizer.step();
                            }

                            model.eval();
                            using (torch.no_grad())
                            {
                                foreach (var (x, y) in test)
                                {
                                    using var scope = torch.NewDisposeScope();
                                    System.Console.WriteLine(model.call(x).argmax(1).eq(y).sum().item<long>());
                                }
                            }
                        }
                    }
                }
                """,
                Analyzer.Diagnostic("GL3003").WithLocation(0)
                    .WithMessage("'model' has Dropout or BatchNorm layers and this training loop runs after 'model.eval()' with no 'model.train()' in between: it trains with dropout off and frozen batch statistics; call 'model.train()' before it"));
        }

        [Fact]
        public Task Does_not_report_mode_changes_made_or_models_without_mode_dependent_layers()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                static class Epochs
                {
                    static void WithModes(IList<(Tensor X, Tensor Y)> train, IList<(Tensor X, Tensor Y)> test)
                    {
                        var model = nn.Sequential(("fc1", nn.Linear(4, 16)), ("drop", nn.Dropout(0.2)), ("fc2", nn.Linear(16, 3)));
                        var optimizer = optim.SGD(model.parameters(), 0.1);
                        for (int epoch = 0; epoch < 10; epoch++)
                        {
                            model.train();
                            foreach (var (x, y) in train)
                            {
                                using var scope = torch.NewDisposeScope();
                                optimizer.zero_grad();
                                nn.functional.cross_entropy(model.call(x), y).backward();
                                optimizer.step();
                            }

                            model.eval();
                            using var noGrad = torch.no_grad();
                            foreach (var (x, y) in test)
                            {
                                using var scope = torch.NewDisposeScope();
                                System.Console.WriteLine(model.call(x).argmax(1).eq(y).sum().item<long>());
                            }
                        }
                    }

                    static void PlainLayers(IList<(Tensor X, Tensor Y)> train, IList<(Tensor X, Tensor Y)> test)
                    {
                        var model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3));
                        var optimizer = optim.SGD(model.parameters(), 0.1);
                        foreach (var (x, y) in train)
                        {
                            using var scope = torch.NewDisposeScope();
                            optimizer.zero_grad();
                            nn.functional.cross_entropy(model.call(x), y).backward();
                            optimizer.step();
                        }

                        using var noGrad = torch.no_grad();
                        foreach (var (x, y) in test)
                        {
                            using var scope = torch.NewDisposeScope();
                            System.Console.WriteLine(model.call(x).argmax(1).eq(y).sum().item<long>());
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_turns_gradients_off_for_the_evaluation_loop()
        {
            return Fixer.CodeFixAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Classifier
                {
                    long Correct(nn.Module<Tensor, Tensor> model, IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        long correct = 0;
                        {|GL3003:foreach|} (var (x, y) in batches)
                        {
                            using var scope = torch.NewDisposeScope();
                            correct += model.call(x).argmax(1).eq(y).sum().item<long>();
                        }

                        return correct;
                    }
                }
                """, """
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Classifier
                {
                    long Correct(nn.Module<Tensor, Tensor> model, IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        long correct = 0;
                        foreach (var (x, y) in batches)
                        {
                            using var scope = torch.NewDisposeScope();
                            using var noGrad = no_grad();
                            correct += model.call(x).argmax(1).eq(y).sum().item<long>();
                        }

                        return correct;
                    }
                }
                """);
        }

        [Fact]
        public async Task Fix_inserts_eval_and_train_so_every_epoch_runs_in_the_right_mode()
        {
            const string source = """
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Epochs
                {
                    public static void Run(IList<(Tensor X, Tensor Y)> train, IList<(Tensor X, Tensor Y)> test)
                    {
                        var model = nn.Sequential(("fc1", nn.Linear(4, 16)), ("drop", nn.Dropout(0.5)), ("fc2", nn.Linear(16, 3)));
                        var optimizer = optim.SGD(model.parameters(), 0.1);
                        for (int epoch = 0; epoch < 10; epoch++)
                        {
                            foreach (var (x, y) in train)
                            {
                                using var scope = torch.NewDisposeScope();
                                optimizer.zero_grad();
                                nn.functional.cross_entropy(model.call(x), y).backward();
                                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                                optimizer.step();
                            }

                            using (torch.no_grad())
                            {
                                foreach (var (x, y) in test)
                                {
                                    using var scope = torch.NewDisposeScope();
                                    System.Console.WriteLine(model.call(x).argmax(1).eq(y).sum().item<long>());
                                }
                            }
                        }
                    }
                }
                """;
            var (fixedSource, _) = await Compile.ApplyFixesAndCompareAsync(source, new EvaluationBuildsGraphsAnalyzer(), new EvaluationBuildsGraphsFixer(), "GL3003");
            Assert.Contains("model.eval();", fixedSource);
            Assert.Contains("model.train();", fixedSource);
            Assert.True(fixedSource.IndexOf("model.train();") < fixedSource.IndexOf("foreach (var (x, y) in train)"), fixedSource);
            Assert.True(fixedSource.IndexOf("model.eval();") < fixedSource.IndexOf("foreach (var (x, y) in test)"), fixedSource);
        }

        [Fact]
        public void Why_it_matters_a_dropout_model_left_in_training_mode_gives_different_answers_to_the_same_input()
        {
            manual_seed(1);
            using var model = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.5), nn.Linear(32, 2));
            using var x = randn(4, 8);
            using var noGrad = no_grad();

            var first = model.call(x);
            var second = model.call(x);
            Assert.False(first.allclose(second));   // training mode: a different dropout mask each time

            model.eval();
            Assert.True(model.call(x).allclose(model.call(x)));

            // And with gradients on, an evaluation pass records a graph: its output requires grad.
            using var enabled = enable_grad();
            Assert.True(model.call(x).requires_grad);
        }
    }
}

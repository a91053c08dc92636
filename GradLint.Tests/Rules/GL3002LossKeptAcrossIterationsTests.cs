using System;
using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.LossKeptAcrossIterationsAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.LossKeptAcrossIterationsAnalyzer, GradLint.CodeFixes.Rules.LossKeptAcrossIterationsFixer>;

namespace GradLint.Tests.Rules
{
    [Collection(TensorCountCollection.Name)]
    public class GL3002LossKeptAcrossIterationsTests
    {
        [Fact]
        public Task Reports_a_loss_summed_or_listed_across_iterations_in_every_form()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = null!;
                    optim.Optimizer optimizer = null!;
                    readonly List<Tensor> history = new();
                    Tensor epochLoss = torch.zeros(1);

                    void Train(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        var total = torch.zeros(1);
                        var sum = torch.zeros(1);
                        var losses = new List<Tensor>();
                        foreach (var (x, y) in batches)
                        {
                            optimizer.zero_grad();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            optimizer.step();
                            total += {|GL3002:loss|};
                            sum = sum + {|GL3002:loss * x.shape[0]|};
                            losses.Add({|GL3002:loss|});
                            history.Add({|GL3002:loss|});
                            epochLoss += {|GL3002:loss|};
                        }
                    }
                }
                """);
        }

        [Fact]
        public async Task Reports_model_outputs_collected_in_an_evaluation_loop_with_gradients_on()
        {
            var findings = await Compile.ScriptFindingsAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                var model = nn.Linear(4, 2);
                var outputs = new List<Tensor>();
                foreach (var batch in new[] { torch.randn(8, 4), torch.randn(8, 4) })
                {
                    outputs.Add(model.call(batch));
                }
                """);
            Assert.Contains(("GL3002", "outputs.Add(model.call(batch));"), findings);
        }

        [Fact]
        public Task Does_not_report_numbers_detached_tensors_no_grad_or_per_iteration_accumulators()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = null!;
                    optim.Optimizer optimizer = null!;

                    void Train(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        float total = 0;
                        double sum = 0;
                        var detached = torch.zeros(1);
                        var values = new List<float>();
                        var kept = new List<Tensor>();
                        foreach (var (x, y) in batches)
                        {
                            optimizer.zero_grad();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            optimizer.step();
                            total += loss.item<float>();
                            sum += loss.ToSingle();
                            detached += loss.detach();
                            values.Add(loss.item<float>());
                            kept.Add(loss.detach().cpu());

                            var perBatch = torch.zeros(1);   // lives one iteration
                            perBatch += loss;
                        }
                    }

                    void Evaluate(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        var total = torch.zeros(1);
                        using var noGrad = torch.no_grad();
                        foreach (var (x, y) in batches)
                        {
                            total += nn.functional.mse_loss(model.call(x), y);
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_losses_summed_to_be_differentiated_once()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Bptt
                {
                    TorchSharp.Modules.GRUCell cell = nn.GRUCell(4, 8);
                    nn.Module<Tensor, Tensor> head = nn.Linear(8, 1);
                    optim.Optimizer optimizer = null!;

                    // Truncated BPTT: the loss of every time step, differentiated once after the window.
                    void Window(Tensor[] inputs, Tensor[] targets)
                    {
                        var h = torch.zeros(1, 8);
                        var loss = torch.zeros(1);
                        for (int t = 0; t < inputs.Length; t++)
                        {
                            h = cell.call(inputs[t], h);
                            loss = loss + nn.functional.mse_loss(head.call(h), targets[t]);
                        }

                        optimizer.zero_grad();
                        loss.backward();
                        optimizer.step();
                    }

                    // REINFORCE: log-probabilities kept over the episode for one policy-gradient step.
                    void Episode(nn.Module<Tensor, Tensor> policy, Tensor[] states, long[] actions, Tensor returns)
                    {
                        var logProbs = new List<Tensor>();
                        for (int t = 0; t < states.Length; t++)
                        {
                            logProbs.Add(nn.functional.log_softmax(policy.call(states[t]), 0)[actions[t]]);
                        }

                        var policyLoss = -(torch.stack(logProbs) * returns).sum();
                        optimizer.zero_grad();
                        policyLoss.backward();
                        optimizer.step();
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_a_modules_forward_collecting_its_layers_outputs()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Encoder : nn.Module<Tensor, Tensor>
                {
                    private readonly List<nn.Module<Tensor, Tensor>> layers = new();

                    public Encoder() : base(nameof(Encoder)) { }

                    public override Tensor forward(Tensor x)
                    {
                        var skips = new List<Tensor>();
                        foreach (var layer in layers)
                        {
                            x = layer.call(x);
                            skips.Add(x);
                        }

                        return torch.cat(skips, 1);
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_keeps_the_loss_detached()
        {
            return Fixer.CodeFixAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    Tensor Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        var total = torch.zeros(1);
                        var losses = new List<Tensor>();
                        foreach (var (x, y) in batches)
                        {
                            optimizer.zero_grad();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            optimizer.step();
                            total += {|GL3002:loss * 2|};
                            losses.Add({|GL3002:loss|});
                        }

                        return total / losses.Count;
                    }
                }
                """, """
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    Tensor Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        var total = torch.zeros(1);
                        var losses = new List<Tensor>();
                        foreach (var (x, y) in batches)
                        {
                            optimizer.zero_grad();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            optimizer.step();
                            total += (loss * 2).detach();
                            losses.Add(loss.detach());
                        }

                        return total / losses.Count;
                    }
                }
                """);
        }

        [Fact]
        public async Task Fixed_code_compiles_with_no_new_diagnostics()
        {
            const string source = """
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Epoch
                {
                    public static float Run(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        var total = torch.zeros(1);
                        for (int i = 0; i < 10; i++)
                        {
                            using var scope = torch.NewDisposeScope();
                            optimizer.zero_grad();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                            optimizer.step();
                            total = (total + loss).MoveToOuterDisposeScope();
                        }

                        return total.item<float>();
                    }
                }
                """;
            await Compile.ApplyFixesAndCompareAsync(source, new LossKeptAcrossIterationsAnalyzer(), new LossKeptAcrossIterationsFixer(), "GL3002");
        }

        [Fact]
        public void Why_it_matters_a_running_total_keeps_every_steps_activations_alive_and_the_detached_total_does_not()
        {
            // Native memory (MiB) still held when an 80-batch validation pass is over: each batch's tensors are freed by
            // its own scope, but a total that is not detached keeps the graph, and the graph keeps the activations it saved.
            // Measured as growth of the working set, which memory freed by earlier tests and kept by the allocator can
            // hide: 80 batches keep about 320 MiB, far more than that slack (40 batches once read 61 MiB in CI).
            static double HeldMiB(bool detach)
            {
                using var model = nn.Sequential(nn.Linear(1024, 1024), nn.ReLU());
                using var x = randn(512, 1024);
                using var y = randn(512, 1024);
                TensorCountCollection.LiveTensors();
                var start = Environment.WorkingSet;
                var total = zeros(1);
                for (int i = 0; i < 80; i++)
                {
                    using var scope = NewDisposeScope();
                    var loss = nn.functional.mse_loss(model.call(x), y);
                    total = (total + (detach ? loss.detach() : loss)).MoveToOuterDisposeScope();
                }

                TensorCountCollection.LiveTensors();
                var held = (Environment.WorkingSet - start) / (1024.0 * 1024.0);
                total.Dispose();
                return held;
            }

            var attached = HeldMiB(detach: false);
            var detached = HeldMiB(detach: true);

            // Two saved activations of 2 MiB per batch: about 320 MiB kept by the graph.
            Assert.True(attached > 100, $"a total with the graph kept {attached:F0} MiB after the pass");
            Assert.True(detached < 40, $"a detached total kept {detached:F0} MiB after the pass");
        }
    }
}

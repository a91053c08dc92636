using System;
using System.Linq;
using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace GradLint.Tests.Rules
{
    /// <summary>
    /// GL3001–GL3003 on whole programs written the ways TorchSharp users write them — RL agents, trainer
    /// hierarchies, GANs, async and LINQ loops, notebook-style scripts — each asserting exactly which
    /// memory findings it gets (by rule and source line), negatives beside positives.
    /// </summary>
    public class MemoryRulesAcrossFormsTests
    {
        private static async Task<(string Id, string Line)[]> MemoryFindingsAsync(string source)
        {
            var diagnostics = await Compile.AllDiagnosticsAsync(Compile.Create(false, source));
            Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error || d.Id == "AD0001");
            return diagnostics.Where(d => d.Id.StartsWith("GL3", StringComparison.Ordinal))
                .Select(d => (d.Id, d.Location.SourceTree!.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim()))
                .OrderBy(f => f.Id).ThenBy(f => f.Item2, StringComparer.Ordinal)
                .ToArray();
        }

        [Fact]
        public async Task A_PPO_update_with_a_scope_per_minibatch_and_a_no_grad_rollout_is_clean()
        {
            var findings = await MemoryFindingsAsync("""
                using System;
                using System.Linq;
                using TorchSharp;
                using static TorchSharp.torch;

                public sealed class PpoAgent
                {
                    private readonly nn.Module<Tensor, Tensor> actor = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 4));
                    private readonly nn.Module<Tensor, Tensor> critic = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 1));
                    private readonly optim.Optimizer optimizer;

                    public PpoAgent() => optimizer = optim.Adam(actor.parameters().Concat(critic.parameters()), 3e-4);

                    public long Act(Tensor state)
                    {
                        using var scope = torch.NewDisposeScope();
                        using var noGrad = torch.no_grad();
                        return actor.call(state).softmax(-1).multinomial(1).item<long>();
                    }

                    public float Update(Tensor states, Tensor actions, Tensor oldLogProbs, Tensor returns, Tensor advantages, int epochs, int minibatch)
                    {
                        float last = 0;
                        for (int epoch = 0; epoch < epochs; epoch++)
                        {
                            var order = torch.randperm(states.shape[0]);
                            for (long start = 0; start < states.shape[0]; start += minibatch)
                            {
                                using var scope = torch.NewDisposeScope();
                                var idx = order.narrow(0, start, Math.Min(minibatch, states.shape[0] - start));
                                var logProbs = actor.call(states[idx]).log_softmax(-1).gather(1, actions[idx]).squeeze(1);
                                var ratio = (logProbs - oldLogProbs[idx]).exp();
                                var clipped = ratio.clamp(0.8, 1.2) * advantages[idx];
                                var policyLoss = -torch.minimum(ratio * advantages[idx], clipped).mean();
                                var valueLoss = nn.functional.mse_loss(critic.call(states[idx]).squeeze(1), returns[idx]);
                                var loss = policyLoss + 0.5 * valueLoss;
                                optimizer.zero_grad();
                                loss.backward();
                                nn.utils.clip_grad_norm_(actor.parameters().Concat(critic.parameters()), 0.5);
                                optimizer.step();
                                last = loss.item<float>();
                            }
                        }

                        return last;
                    }
                }
                """);
            Assert.Empty(findings);
        }

        [Fact]
        public async Task The_same_PPO_update_without_scopes_is_reported_on_the_minibatch_loop_only()
        {
            var findings = await MemoryFindingsAsync("""
                using System;
                using TorchSharp;
                using static TorchSharp.torch;

                public sealed class PpoAgent
                {
                    private readonly nn.Module<Tensor, Tensor> actor = nn.Linear(8, 4);
                    private readonly optim.Optimizer optimizer = null!;

                    public void Update(Tensor states, Tensor actions, Tensor advantages, int epochs, int minibatch)
                    {
                        for (int epoch = 0; epoch < epochs; epoch++)
                        {
                            for (long start = 0; start < states.shape[0]; start += minibatch)
                            {
                                var logProbs = actor.call(states).log_softmax(-1).gather(1, actions).squeeze(1);
                                var loss = -(logProbs * advantages).mean();
                                optimizer.zero_grad();
                                loss.backward();
                                nn.utils.clip_grad_norm_(actor.parameters(), 0.5);
                                optimizer.step();
                            }
                        }
                    }
                }
                """);
            Assert.Equal(new[] { ("GL3001", "for (long start = 0; start < states.shape[0]; start += minibatch)") }, findings);
        }

        [Fact]
        public async Task A_trainer_hierarchy_with_scopes_no_grad_and_modes_is_clean()
        {
            var findings = await MemoryFindingsAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                public abstract class TrainerBase
                {
                    protected readonly nn.Module<Tensor, Tensor> Model;
                    protected readonly optim.Optimizer Optimizer;

                    protected TrainerBase(nn.Module<Tensor, Tensor> model)
                    {
                        Model = model;
                        Optimizer = optim.AdamW(model.parameters(), 1e-3);
                    }

                    protected abstract Tensor ComputeLoss(Tensor prediction, Tensor target);

                    public void Fit(IReadOnlyList<(Tensor X, Tensor Y)> batches, int epochs)
                    {
                        for (int epoch = 0; epoch < epochs; epoch++)
                        {
                            Model.train();
                            foreach (var (x, y) in batches)
                            {
                                using var scope = torch.NewDisposeScope();
                                Optimizer.zero_grad();
                                var loss = ComputeLoss(Model.call(x), y);
                                loss.backward();
                                nn.utils.clip_grad_norm_(Model.parameters(), 1.0);
                                Optimizer.step();
                            }

                            System.Console.WriteLine(Validate(batches));
                        }
                    }

                    public double Validate(IReadOnlyList<(Tensor X, Tensor Y)> batches)
                    {
                        Model.eval();
                        double total = 0;
                        using var noGrad = torch.no_grad();
                        foreach (var (x, y) in batches)
                        {
                            using var scope = torch.NewDisposeScope();
                            total += ComputeLoss(Model.call(x), y).item<float>();
                        }

                        return total / batches.Count;
                    }
                }

                public sealed class RegressionTrainer : TrainerBase
                {
                    public RegressionTrainer() : base(nn.Sequential(nn.Linear(4, 32), nn.Dropout(0.1), nn.Linear(32, 1))) { }

                    protected override Tensor ComputeLoss(Tensor prediction, Tensor target) => nn.functional.huber_loss(prediction, target);
                }
                """);
            Assert.Empty(findings);
        }

        [Fact]
        public async Task A_GAN_trainer_step_method_called_per_batch_is_reported_once_on_the_method()
        {
            var findings = await MemoryFindingsAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                public sealed class GanTrainer
                {
                    private readonly nn.Module<Tensor, Tensor> generator = nn.Linear(16, 64);
                    private readonly nn.Module<Tensor, Tensor> discriminator = nn.Linear(64, 1);
                    private readonly optim.Optimizer gOpt = null!, dOpt = null!;

                    public (float D, float G) TrainStep(Tensor real)
                    {
                        var fake = generator.call(torch.randn(real.shape[0], 16));
                        dOpt.zero_grad();
                        var dLoss = nn.functional.binary_cross_entropy_with_logits(discriminator.call(real), torch.ones(real.shape[0], 1))
                                  + nn.functional.binary_cross_entropy_with_logits(discriminator.call(fake.detach()), torch.zeros(real.shape[0], 1));
                        dLoss.backward();
                        dOpt.step();

                        gOpt.zero_grad();
                        var gLoss = nn.functional.binary_cross_entropy_with_logits(discriminator.call(fake), torch.ones(real.shape[0], 1));
                        gLoss.backward();
                        gOpt.step();
                        return (dLoss.item<float>(), gLoss.item<float>());
                    }

                    public void Fit(IEnumerable<Tensor> data, int epochs)
                    {
                        for (int epoch = 0; epoch < epochs; epoch++)
                        {
                            foreach (var real in data)
                            {
                                var (d, g) = TrainStep(real);
                                System.Console.WriteLine($"{d} {g}");
                            }
                        }
                    }
                }
                """);
            Assert.Equal(new[] { ("GL3001", "public (float D, float G) TrainStep(Tensor real)") }, findings);
        }

        [Fact]
        public async Task An_async_loop_is_reported_and_gets_no_fix_because_a_scope_cannot_span_an_await()
        {
            const string source = """
                using System.Threading.Tasks;
                using TorchSharp;
                using static TorchSharp.torch;

                public sealed class AsyncTrainer
                {
                    private readonly nn.Module<Tensor, Tensor> model = nn.Linear(4, 1);
                    private readonly optim.Optimizer optimizer = null!;

                    public async Task TrainAsync(Tensor x, Tensor y, int steps)
                    {
                        for (int i = 0; i < steps; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                            await Task.Yield();
                        }
                    }
                }
                """;
            var findings = await MemoryFindingsAsync(source);
            Assert.Equal(new[] { ("GL3001", "for (int i = 0; i < steps; i++)") }, findings);
            Assert.Equal(source, await CodeFixRunner.ApplyAllAsync(source, new TensorsWithoutDisposeScopeAnalyzer(), new TensorsWithoutDisposeScopeFixer()));
        }

        [Fact]
        public async Task A_LINQ_fed_loop_and_a_loss_list_summed_for_one_backward()
        {
            var findings = await MemoryFindingsAsync("""
                using System.Collections.Generic;
                using System.Linq;
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Losses
                {
                    public static void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        // Per-sample losses kept on purpose: differentiated once, after the loop.
                        var losses = new List<Tensor>();
                        foreach (var loss in batches.Select(b => nn.functional.mse_loss(model.call(b.X), b.Y)))
                        {
                            losses.Add(loss);
                        }

                        optimizer.zero_grad();
                        torch.stack(losses).mean().backward();
                        optimizer.step();

                        // The same with no backward after it: the list keeps every graph.
                        var kept = new List<Tensor>();
                        foreach (var (x, y) in batches.Where(b => b.X.shape[0] > 1))
                        {
                            using var scope = torch.NewDisposeScope();
                            kept.Add(nn.functional.mse_loss(model.call(x), y).MoveToOuterDisposeScope());
                        }
                    }
                }
                """);
            Assert.Equal(new[]
            {
                // One optimizer step per call and no caller in sight: a step method with no scope.
                ("GL3001", "public static void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, IEnumerable<(Tensor X, Tensor Y)> batches)"),
                ("GL3002", "kept.Add(nn.functional.mse_loss(model.call(x), y).MoveToOuterDisposeScope());"),
            }, findings);
        }

        [Fact]
        public async Task A_notebook_style_script_that_trains_then_evaluates_a_dropout_model()
        {
            var findings = await Compile.ScriptFindingsAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                var model = nn.Sequential(("fc1", nn.Linear(2, 32)), ("act", nn.ReLU()), ("drop", nn.Dropout(0.3)), ("fc2", nn.Linear(32, 2)));
                var optimizer = optim.Adam(model.parameters(), 1e-3);
                var x = torch.randn(256, 2);
                var y = (x[.., 0] * x[.., 1] > 0).to(int64);

                for (int step = 0; step < 500; step++)
                {
                    using var scope = torch.NewDisposeScope();
                    optimizer.zero_grad();
                    var loss = nn.functional.cross_entropy(model.call(x), y);
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                    optimizer.step();
                }

                var accuracy = 0.0;
                for (int trial = 0; trial < 5; trial++)
                {
                    using var scope = torch.NewDisposeScope();
                    accuracy += model.call(x).argmax(1).eq(y).to(float32).mean().item<float>() / 5;
                }
                """);
            Assert.Equal(new[]
            {
                ("GL3003", "for (int trial = 0; trial < 5; trial++)"),   // dropout still on: no model.eval()
            }, findings.Where(f => f.Id.StartsWith("GL3", StringComparison.Ordinal)).ToArray());
        }

        [Fact]
        public async Task An_evaluation_helper_taking_a_loss_module_names_the_model_in_its_message()
        {
            var diagnostics = await Compile.AllDiagnosticsAsync(Compile.Create(false, """
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Test
                {
                    public static double Run(nn.Module<Tensor, Tensor> model, Loss<Tensor, Tensor, Tensor> loss, IEnumerable<(Tensor X, Tensor Y)> data)
                    {
                        model.eval();
                        double total = 0;
                        foreach (var (x, y) in data)
                        {
                            using var scope = torch.NewDisposeScope();
                            total += loss.call(model.call(x), y).item<float>();
                        }

                        return total;
                    }
                }
                """));
            var finding = Assert.Single(diagnostics, d => d.Id == "GL3003");
            Assert.StartsWith("This loop runs 'model.call(…)'", finding.GetMessage());
        }

        [Fact]
        public async Task A_DQN_driver_and_agent_get_one_report_on_the_agent_and_none_after_its_fix()
        {
            const string source = """
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                public sealed record Transition(Tensor State, long Action, float Reward, Tensor Next, bool Done);

                public sealed class DqnAgent
                {
                    private readonly nn.Module<Tensor, Tensor> online = nn.Linear(4, 2), target = nn.Linear(4, 2);
                    private readonly optim.Optimizer optimizer;
                    private readonly List<Transition> memory = new();
                    private readonly System.Random random = new(1);

                    public DqnAgent() => optimizer = optim.Adam(online.parameters(), 1e-3);

                    public void Remember(Transition t) => memory.Add(t);

                    public float Learn(int batchSize)
                    {
                        var batch = new List<Transition>();
                        for (int i = 0; i < batchSize; i++)
                        {
                            batch.Add(memory[random.Next(memory.Count)]);
                        }

                        var states = torch.stack(batch.ConvertAll(t => t.State));
                        var next = torch.stack(batch.ConvertAll(t => t.Next));
                        var actions = torch.tensor(batch.ConvertAll(t => t.Action).ToArray()).unsqueeze(1);
                        var rewards = torch.tensor(batch.ConvertAll(t => t.Reward).ToArray());
                        Tensor targets;
                        using (torch.no_grad())
                        {
                            targets = rewards + 0.99f * target.call(next).amax(1);
                        }

                        var predicted = online.call(states).gather(1, actions).squeeze(1);
                        var loss = nn.functional.smooth_l1_loss(predicted, targets);
                        optimizer.zero_grad();
                        loss.backward();
                        foreach (var p in online.parameters())
                        {
                            p.grad?.clamp_(-1, 1);
                        }

                        optimizer.step();
                        return loss.item<float>();
                    }
                }

                public static class Driver
                {
                    public static void Run(DqnAgent agent, int steps)
                    {
                        var state = torch.randn(4);
                        for (int step = 0; step < steps; step++)
                        {
                            using var scope = torch.NewDisposeScope();
                            var next = torch.randn(4);
                            agent.Remember(new Transition(state.MoveToOuterDisposeScope(), step % 2, 1f, next.MoveToOuterDisposeScope(), false));
                            if (step > 32)
                            {
                                agent.Learn(32);
                            }

                            state = next;
                        }
                    }
                }
                """;
            var findings = await MemoryFindingsAsync(source);
            Assert.Empty(findings);   // the driver opens a scope per step around Learn

            var unscopedDriver = source.Replace("using var scope = torch.NewDisposeScope();", "");
            var unscopedFindings = await MemoryFindingsAsync(unscopedDriver);
            Assert.Equal(new[] { ("GL3001", "public float Learn(int batchSize)") }, unscopedFindings);

            var (fixedSource, after) = await Compile.ApplyFixesAndCompareAsync(unscopedDriver, new TensorsWithoutDisposeScopeAnalyzer(), new TensorsWithoutDisposeScopeFixer(), "GL3001");
            Assert.Contains("using var scope = NewDisposeScope();", fixedSource);
            Assert.DoesNotContain(after, d => d.Id.StartsWith("GL3", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Gradient_accumulation_with_a_scope_per_micro_step_and_numbers_kept_is_clean()
        {
            var findings = await MemoryFindingsAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Accumulation
                {
                    public static float Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, IReadOnlyList<(Tensor X, Tensor Y)> batches, int accumulate)
                    {
                        float running = 0;
                        var history = new List<float>();
                        optimizer.zero_grad();
                        for (int i = 0; i < batches.Count; i++)
                        {
                            using var scope = torch.NewDisposeScope();
                            var loss = nn.functional.cross_entropy(model.call(batches[i].X), batches[i].Y) / accumulate;
                            loss.backward();
                            running += loss.item<float>();
                            if ((i + 1) % accumulate == 0)
                            {
                                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                                optimizer.step();
                                optimizer.zero_grad();
                                history.Add(running);
                                running = 0;
                            }
                        }

                        return history.Count > 0 ? history[^1] : running;
                    }
                }
                """);
            Assert.Empty(findings);
        }
    }
}

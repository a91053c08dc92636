using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.TensorsWithoutDisposeScopeAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.TensorsWithoutDisposeScopeAnalyzer, GradLint.CodeFixes.Rules.TensorsWithoutDisposeScopeFixer>;

namespace GradLint.Tests.Rules
{
    [Collection(TensorCountCollection.Name)]
    public class GL3001TensorsWithoutDisposeScopeTests
    {
        [Fact]
        public Task Reports_training_and_evaluation_loops_with_no_scope_per_step()
        {
            return Analyzer.AnalyzerAsync("""
                using System;
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = null!;
                    optim.Optimizer optimizer = null!;
                    nn.Module<Tensor, Tensor, Tensor> criterion = nn.CrossEntropyLoss();

                    void Train(IEnumerable<(Tensor X, Tensor Y)> batches, int epochs)
                    {
                        for (int epoch = 0; epoch < epochs; epoch++)
                        {
                            {|GL3001:foreach|} (var (x, y) in batches)
                            {
                                optimizer.zero_grad();
                                var loss = criterion.call(model.call(x), y);
                                loss.backward();
                                optimizer.step();
                            }
                        }
                    }

                    double Evaluate(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        long correct = 0;
                        using var noGrad = torch.no_grad();
                        {|GL3001:foreach|} (var (x, y) in batches)
                        {
                            correct += model.call(x).argmax(1).eq(y).sum().item<long>();
                        }

                        return correct;
                    }

                    void Steps(Tensor x, Tensor y)
                    {
                        int step = 0;
                        {|GL3001:while|} (step++ < 1000)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }

                        {|GL3001:do|}
                        {
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }
                        while (step-- > 0);
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_a_training_loop_inside_a_scope_opened_once_before_it()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        // The scope frees nothing until training ends (dotnet/TorchSharp#1278's "I added NewDisposeScope to every function").
                        using var scope = torch.NewDisposeScope();
                        {|#0:for|} (int i = 0; i < 10_000; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }
                    }
                }
                """,
                Analyzer.Diagnostic("GL3001").WithLocation(0)
                    .WithMessage("this loop runs '….backward()' with no dispose scope per step (the scope opened before the loop frees them only when it ends): the tensors each step creates hold native (CPU or GPU) memory the GC does not see, so memory grows with every step until the process or the GPU runs out; add 'using var scope = torch.NewDisposeScope();' at the start of its body"));
        }

        [Fact]
        public async Task Reports_a_script_style_loop_and_a_GAN_step_with_two_optimizers()
        {
            var findings = await Compile.ScriptFindingsAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                var generator = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4));
                var discriminator = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1));
                var gOpt = optim.Adam(generator.parameters(), 2e-4);
                var dOpt = optim.Adam(discriminator.parameters(), 2e-4);
                var real = torch.randn(64, 4);

                for (int step = 0; step < 5000; step++)
                {
                    var fake = generator.call(torch.randn(64, 8));
                    dOpt.zero_grad();
                    var dLoss = nn.functional.binary_cross_entropy_with_logits(discriminator.call(real), torch.ones(64, 1))
                              + nn.functional.binary_cross_entropy_with_logits(discriminator.call(fake.detach()), torch.zeros(64, 1));
                    dLoss.backward();
                    dOpt.step();

                    gOpt.zero_grad();
                    nn.functional.binary_cross_entropy_with_logits(discriminator.call(fake), torch.ones(64, 1)).backward();
                    gOpt.step();
                }
                """);
            Assert.Contains(("GL3001", "for (int step = 0; step < 5000; step++)"), findings);
            Assert.Single(findings, f => f.Id == "GL3001");
        }

        [Fact]
        public Task Does_not_report_loops_that_free_each_step()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = null!;
                    optim.Optimizer optimizer = null!;

                    void UsingBlock(Tensor x, Tensor y)
                    {
                        for (int i = 0; i < 100; i++)
                        {
                            using (var d = torch.NewDisposeScope())
                            {
                                optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x), y).backward();
                                optimizer.step();
                            }
                        }
                    }

                    void UsingDeclaration(IEnumerable<(Tensor, Tensor)> batches)
                    {
                        foreach (var (x, y) in batches)
                        {
                            using var scope = NewDisposeScope();
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }
                    }

                    // The TorchSharp examples' form: one scope, emptied on every iteration.
                    void DisposeEverything(IEnumerable<(Tensor, Tensor)> batches)
                    {
                        using (var d = torch.NewDisposeScope())
                        {
                            foreach (var (x, y) in batches)
                            {
                                optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x), y).backward();
                                optimizer.step();
                                d.DisposeEverything();
                            }
                        }
                    }

                    // …and keeping a tensor made before the loop.
                    void DisposeEverythingBut(IEnumerable<(Tensor, Tensor)> batches, Tensor mask)
                    {
                        using (var d = torch.NewDisposeScope())
                        {
                            var causal = mask.triu(1);
                            foreach (var (x, y) in batches)
                            {
                                optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x * causal), y).backward();
                                optimizer.step();
                                d.DisposeEverythingBut(causal);
                            }
                        }
                    }

                    // A scope per epoch bounds what the inner loop keeps to one epoch.
                    void ScopePerEpoch(IEnumerable<(Tensor, Tensor)> batches)
                    {
                        for (int epoch = 0; epoch < 10; epoch++)
                        {
                            using var scope = torch.NewDisposeScope();
                            foreach (var (x, y) in batches)
                            {
                                optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x), y).backward();
                                optimizer.step();
                            }
                        }
                    }

                    // Every tensor has an owner.
                    void EveryTensorDisposed(Tensor x, Tensor y)
                    {
                        for (int i = 0; i < 100; i++)
                        {
                            optimizer.zero_grad();
                            using var prediction = model.call(x);
                            var loss = nn.functional.mse_loss(prediction, y);
                            loss.backward();
                            optimizer.step();
                            loss.Dispose();
                        }
                    }

                    // Forward-only work inside a scope the caller opened around the loop is bounded by that scope.
                    Tensor Predict(IList<Tensor> inputs)
                    {
                        using var scope = torch.NewDisposeScope();
                        var outputs = new List<Tensor>();
                        foreach (var input in inputs)
                        {
                            outputs.Add(model.call(input).softmax(1));
                        }

                        return torch.cat(outputs, 0).MoveToOuterDisposeScope();
                    }

                    // No tensor work: nothing to free.
                    void Log(IEnumerable<float> losses)
                    {
                        foreach (var loss in losses)
                        {
                            System.Console.WriteLine(loss);
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_loops_inside_a_modules_forward()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Stack : nn.Module<Tensor, Tensor>
                {
                    private readonly List<nn.Module<Tensor, Tensor>> blocks = new();

                    public Stack() : base(nameof(Stack)) { }

                    public override Tensor forward(Tensor x)
                    {
                        foreach (var block in blocks)
                        {
                            x = x + nn.functional.gelu(block.call(x));   // the caller's scope owns these
                        }

                        return x;
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_an_agents_learn_method_called_once_per_step_by_a_driver_loop()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class DqnAgent
                {
                    nn.Module<Tensor, Tensor> online = null!, target = null!;
                    optim.Optimizer optimizer = null!;

                    public float {|GL3001:Learn|}(Tensor states, Tensor actions, Tensor rewards, Tensor next)
                    {
                        Tensor targets;
                        using (torch.no_grad())
                        {
                            targets = rewards + 0.99 * target.call(next).amax(1);
                        }

                        var predicted = online.call(states).gather(1, actions).squeeze(1);
                        var loss = nn.functional.smooth_l1_loss(predicted, targets);
                        optimizer.zero_grad();
                        loss.backward();
                        optimizer.step();
                        return loss.item<float>();
                    }
                }

                static class Driver
                {
                    static void Run(DqnAgent agent, Tensor s, Tensor a, Tensor r, Tensor n)
                    {
                        for (int step = 0; step < 100_000; step++)
                        {
                            agent.Learn(s, a, r, n);
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_a_learn_method_whose_callers_open_a_scope_or_call_it_once()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Agent
                {
                    nn.Module<Tensor, Tensor> policy = null!;
                    optim.Optimizer optimizer = null!;

                    public void Learn(Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.mse_loss(policy.call(x), y).backward();
                        optimizer.step();
                    }

                    public void Calibrate(Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.mse_loss(policy.call(x), y).backward();
                        optimizer.step();
                    }

                    public void Scoped(Tensor x, Tensor y)
                    {
                        using var scope = torch.NewDisposeScope();
                        optimizer.zero_grad();
                        nn.functional.mse_loss(policy.call(x), y).backward();
                        optimizer.step();
                    }
                }

                static class Program
                {
                    static void Main()
                    {
                        var agent = new Agent();
                        var x = torch.randn(4, 2);
                        var y = torch.randn(4, 1);
                        agent.Calibrate(x, y);   // once
                        for (int step = 0; step < 1000; step++)
                        {
                            using (torch.NewDisposeScope())
                            {
                                agent.Learn(x, y);
                            }

                            agent.Scoped(x, y);
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_opens_a_scope_first_in_the_body()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        {|GL3001:for|} (int i = 0; i < 100; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        for (int i = 0; i < 100; i++)
                        {
                            using var scope = NewDisposeScope();
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_moves_out_every_tensor_that_outlives_the_step()
        {
            return Fixer.CodeFixAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                record Transition(Tensor State, long Action, float Reward, Tensor Next);

                class Runner
                {
                    Tensor? lastLoss;
                    readonly List<Transition> memory = new();

                    void Run(nn.Module<Tensor, Tensor> policy, optim.Optimizer optimizer, Tensor start)
                    {
                        var state = start;
                        Tensor total = torch.zeros(1);
                        var history = new List<Tensor>();
                        {|GL3001:for|} (int step = 0; step < 1000; step++)
                        {
                            var scores = policy.call(state);
                            var action = scores.argmax().item<long>();
                            var next = state.roll(1, 0) * 0.9;
                            memory.Add(new Transition(state, action, 1f, next));
                            var loss = scores.square().mean();
                            optimizer.zero_grad();
                            loss.backward();
                            optimizer.step();
                            total += loss.detach();
                            history.Add(loss.detach());
                            lastLoss = loss;
                            state = next;
                        }
                    }
                }
                """, """
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                record Transition(Tensor State, long Action, float Reward, Tensor Next);

                class Runner
                {
                    Tensor? lastLoss;
                    readonly List<Transition> memory = new();

                    void Run(nn.Module<Tensor, Tensor> policy, optim.Optimizer optimizer, Tensor start)
                    {
                        var state = start;
                        Tensor total = torch.zeros(1);
                        var history = new List<Tensor>();
                        for (int step = 0; step < 1000; step++)
                        {
                            using var scope = NewDisposeScope();
                            var scores = policy.call(state);
                            var action = scores.argmax().item<long>();
                            var next = state.roll(1, 0) * 0.9;
                            memory.Add(new Transition(state.MoveToOuterDisposeScope(), action, 1f, next.MoveToOuterDisposeScope()));
                            var loss = scores.square().mean();
                            optimizer.zero_grad();
                            loss.backward();
                            optimizer.step();
                            total = (total + loss.detach()).MoveToOuterDisposeScope();
                            history.Add(loss.detach().MoveToOuterDisposeScope());
                            lastLoss = loss.MoveToOuterDisposeScope();
                            state = next.MoveToOuterDisposeScope();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_on_a_learn_method_moves_its_returned_tensor_out()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                public class Agent
                {
                    nn.Module<Tensor, Tensor> policy = null!;
                    optim.Optimizer optimizer = null!;

                    public Tensor {|GL3001:TrainStep|}(Tensor x, Tensor y)
                    {
                        x = x.to(torch.float32);
                        var loss = nn.functional.mse_loss(policy.call(x), y);
                        optimizer.zero_grad();
                        loss.backward();
                        optimizer.step();
                        return loss.detach();
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                public class Agent
                {
                    nn.Module<Tensor, Tensor> policy = null!;
                    optim.Optimizer optimizer = null!;

                    public Tensor TrainStep(Tensor x, Tensor y)
                    {
                        using var scope = NewDisposeScope();
                        x = x.to(torch.float32);
                        var loss = nn.functional.mse_loss(policy.call(x), y);
                        optimizer.zero_grad();
                        loss.backward();
                        optimizer.step();
                        return loss.detach().MoveToOuterDisposeScope();
                    }
                }
                """);
        }

        [Fact]
        public Task No_fix_where_a_tensor_leaves_the_step_in_a_form_that_cannot_be_moved()
        {
            // An LSTM's state carried across steps by deconstruction: a scope would free it under the next step.
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                class Sequence
                {
                    void Run(TorchSharp.Modules.LSTM lstm, optim.Optimizer optimizer, Tensor[] chunks)
                    {
                        Tensor h = torch.zeros(1, 1, 8), c = torch.zeros(1, 1, 8);
                        {|GL3001:foreach|} (var chunk in chunks)
                        {
                            Tensor output;
                            (output, h, c) = lstm.call(chunk, (h.detach(), c.detach()));
                            output.square().mean().backward();
                            optimizer.step();
                        }
                    }
                }
                """;
            return Fixer.CodeFixAsync(source, source);
        }

        [Fact]
        public async Task Fixed_code_compiles_with_no_new_diagnostics()
        {
            var (fixedSource, _) = await Compile.ApplyFixesAndCompareAsync(ProofSource, new TensorsWithoutDisposeScopeAnalyzer(), new TensorsWithoutDisposeScopeFixer(), "GL3001");
            Assert.Contains("using var scope = NewDisposeScope();", fixedSource);
            Assert.Contains("last = loss.MoveToOuterDisposeScope();", fixedSource);
        }

        // The loop of the proof: a plain training loop that keeps its last loss for a report after the loop.
        private const string ProofSource = """
            using System;
            using TorchSharp;
            using static TorchSharp.torch;

            public static class Proof
            {
                public static float Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y, int steps)
                {
                    Tensor? last = null;
                    for (int i = 0; i < steps; i++)
                    {
                        optimizer.zero_grad();
                        var loss = nn.functional.mse_loss(model.call(x).tanh() * 2, y);
                        loss.backward();
                        optimizer.step();
                        last = loss;
                    }

                    return last!.item<float>();
                }
            }
            """;

        [Fact]
        public async Task Why_it_matters_live_tensors_grow_with_every_step_before_the_fix_and_stay_flat_after()
        {
            var fixedSource = await CodeFixRunner.ApplyAllAsync(ProofSource, new TensorsWithoutDisposeScopeAnalyzer(), new TensorsWithoutDisposeScopeFixer());
            var before = Load(ProofSource);
            var after = Load(fixedSource);

            var growthBefore = LiveTensorsAfter(before, 100) - LiveTensorsAfter(before, 50);
            var growthAfter = LiveTensorsAfter(after, 100) - LiveTensorsAfter(after, 50);

            // Before: every step leaves its output, product, loss and gradient aliases to the finalizer (≥ 4 per step).
            Assert.True(growthBefore >= 4 * 50, $"before the fix 50 more steps left {growthBefore} more live tensors");

            // After: what each step creates is freed, except the loss the code keeps (moved out, one per step).
            Assert.True(growthAfter <= 50, $"after the fix 50 more steps left {growthAfter} more live tensors");

            // And the kept tensor is still usable after the loop: the fix did not free it.
            Assert.True(float.IsFinite(Train(after, 5)));
        }

        private static long LiveTensorsAfter(MethodInfo train, int steps)
        {
            TensorCountCollection.LiveTensors();   // start from a collected heap
            var start = TorchSharp.torch.Tensor.TotalCount;
            using var model = TorchSharp.torch.nn.Linear(16, 4);
            using var optimizer = TorchSharp.torch.optim.SGD(model.parameters(), 0.01);
            using var x = TorchSharp.torch.randn(32, 16);
            using var y = TorchSharp.torch.randn(32, 4);

            // No collection while the loop runs: the point is what the step leaves for the GC.
            var noGc = GC.TryStartNoGCRegion(100_000_000);
            try
            {
                train.Invoke(null, new object[] { model, optimizer, x, y, steps });
                return TorchSharp.torch.Tensor.TotalCount - start;
            }
            finally
            {
                if (noGc && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                {
                    GC.EndNoGCRegion();
                }
            }
        }

        private static float Train(MethodInfo train, int steps)
        {
            using var model = TorchSharp.torch.nn.Linear(16, 4);
            using var optimizer = TorchSharp.torch.optim.SGD(model.parameters(), 0.01);
            return (float)train.Invoke(null, new object[] { model, optimizer, TorchSharp.torch.randn(32, 16), TorchSharp.torch.randn(32, 4), steps })!;
        }

        private static MethodInfo Load(string source)
        {
            var compilation = Compile.Create(false, source).WithAssemblyName("Proof" + Guid.NewGuid().ToString("N"));
            using var image = new MemoryStream();
            var emitted = compilation.Emit(image);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
            return Assembly.Load(image.ToArray()).GetType("Proof")!.GetMethod("Train")!;
        }
    }
}

using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.MissingGradientClippingAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.MissingGradientClippingAnalyzer, GradLint.CodeFixes.Rules.MissingGradientClippingFixer>;

namespace GradLint.Tests.Rules
{
    public class GL1001MissingGradientClippingTests
    {
        // ---- Reported, in every form -------------------------------------------------------

        [Fact]
        public Task Reports_for_loop_with_fully_qualified_names_and_explicit_types()
        {
            return Analyzer.AnalyzerAsync("""
                class Trainer
                {
                    void Train(TorchSharp.torch.Tensor x, TorchSharp.torch.Tensor y)
                    {
                        TorchSharp.Modules.Linear model = TorchSharp.torch.nn.Linear(4, 1);
                        TorchSharp.torch.optim.Optimizer optimizer = TorchSharp.torch.optim.SGD(model.parameters(), 0.01);
                        for (int i = 0; i < 100; i++)
                        {
                            optimizer.zero_grad();
                            TorchSharp.torch.Tensor loss = TorchSharp.torch.nn.functional.mse_loss(model.forward(x), y);
                            loss.backward();
                            {|GL1001:optimizer.step()|};
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_foreach_and_while_loops_with_fields_properties_call_and_forward()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    private readonly nn.Module<Tensor, Tensor> model = nn.Linear(4, 1);
                    private optim.Optimizer optimizer = null!;
                    public optim.Optimizer Optimizer { get; set; } = null!;

                    void Epoch(IEnumerable<(Tensor x, Tensor y)> batches)
                    {
                        foreach (var (x, y) in batches)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|GL1001:this.optimizer.step()|};
                        }
                    }

                    void Until(Tensor x, Tensor y)
                    {
                        int i = 0;
                        while (i++ < 10)
                        {
                            Optimizer.zero_grad();
                            torch.autograd.backward(nn.functional.mse_loss(model.forward(x), y));
                            {|GL1001:Optimizer.step()|};
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_in_lambdas_local_functions_async_methods_dispose_scopes_and_single_steps()
        {
            return Analyzer.AnalyzerAsync("""
                using System;
                using System.Threading.Tasks;
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        Action run = () =>
                        {
                            using var scope = NewDisposeScope();
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|GL1001:optimizer.step()|};
                        };

                        void Step()
                        {
                            using (NewDisposeScope())
                            {
                                optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x), y).backward();
                                {|GL1001:optimizer.step()|};
                            }
                        }

                        run();
                        Step();
                    }

                    async Task TrainAsync(Func<Task<(Tensor, Tensor)>> next, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        do
                        {
                            var (x, y) = await next();
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|GL1001:optimizer.step()|};
                        } while (true);
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_accumulation_whose_conditional_step_is_not_clipped()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor[] xs, Tensor[] ys, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int b = 0; b < xs.Length; b++)
                        {
                            nn.functional.mse_loss(model.call(xs[b]), ys[b]).backward();
                            if (b % 4 == 3)
                            {
                                {|GL1001:optimizer.step()|};
                                optimizer.zero_grad();
                            }
                        }
                    }
                }
                """);
        }

        // ---- Not reported --------------------------------------------------------------------

        [Theory]
        [InlineData("using static TorchSharp.torch;", "nn.utils.clip_grad_norm_(model.parameters(), 1.0);")]
        [InlineData("using static TorchSharp.torch;", "nn.utils.clip_grad_value_(model.parameters(), 0.5);")]
        [InlineData("using static TorchSharp.torch; using static TorchSharp.torch.nn.utils;", "clip_grad_norm_(model.parameters(), 1.0);")]
        [InlineData("using static TorchSharp.torch; using TorchSharp;", "torch.nn.utils.clip_grad_norm_(optimizer.parameters(), max_norm: 1.0);")]
        [InlineData("using static TorchSharp.torch;", "var norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0);")]
        public Task Does_not_report_when_gradients_are_clipped_between_backward_and_step(string usings, string clip)
        {
            return Analyzer.AnalyzerAsync($$"""
                {{usings}}

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 8; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {{clip}}
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_accumulation_that_clips_inside_the_if()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor[] xs, Tensor[] ys, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int b = 0; b < xs.Length; b++)
                        {
                            nn.functional.mse_loss(model.call(xs[b]), ys[b]).backward();
                            if (b % 4 == 3)
                            {
                                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                                optimizer.step();
                                optimizer.zero_grad();
                            }
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_clipping_through_a_helper_in_this_file_or_another()
        {
            var test = new GradLintAnalyzerTest<MissingGradientClippingAnalyzer>();
            test.TestState.Sources.Add(("Trainer.cs", """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Clip(nn.Module<Tensor, Tensor> m) => nn.utils.clip_grad_norm_(m.parameters(), 1.0);

                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        optimizer.zero_grad();
                        nn.functional.mse_loss(model.call(x), y).backward();
                        Clip(model);
                        optimizer.step();

                        optimizer.zero_grad();
                        nn.functional.mse_loss(model.call(x), y).backward();
                        Helpers.ClipAll(model);
                        optimizer.step();
                    }
                }
                """));
            test.TestState.Sources.Add(("Helpers.cs", """
                using static TorchSharp.torch;

                static class Helpers
                {
                    public static void ClipAll(nn.Module<Tensor, Tensor> m) { nn.utils.clip_grad_value_(m.parameters(), 0.1); }
                }
                """));
            return test.RunAsync();
        }

        [Fact]
        public Task Does_not_report_clipping_through_a_method_configured_in_editorconfig()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                namespace MyLab
                {
                    public static class Safety { public static void Clamp(optim.Optimizer o) { } }

                    class Trainer
                    {
                        void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            Safety.Clamp(optimizer);
                            optimizer.step();
                        }
                    }
                }
                """, withRuntime: false, editorConfig: "gradlint.clipping_methods = Other.Thing.Clip, MyLab.Safety.Clamp\n");
        }

        [Fact]
        public Task Does_not_report_a_guarded_optimizer()
        {
            return Analyzer.AnalyzerAsync("""
                using GradLint;
                using static TorchSharp.torch;

                class Trainer
                {
                    private readonly GuardedOptimizer guarded = null!;
                    private optim.Optimizer wrapped;

                    Trainer(nn.Module<Tensor, Tensor> model) { wrapped = optim.Adam(model.parameters()).WithGradientGuard(); }

                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        var local = optim.SGD(model.parameters(), 0.1).WithGradientGuard(new GuardOptions(), model);
                        for (int i = 0; i < 3; i++)
                        {
                            local.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            local.step();
                            guarded.step();
                            wrapped.step();
                        }
                    }
                }
                """, withRuntime: true, editorConfig: null);
        }

        [Fact]
        public Task Does_not_report_lbfgs_whose_closure_clips_or_a_step_without_backward()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        var optimizer = optim.LBFGS(model.parameters());
                        optimizer.step(() =>
                        {
                            optimizer.zero_grad();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                            return loss;
                        });
                    }

                    void OnlyStep(optim.Optimizer optimizer) => optimizer.step();
                }
                """);
        }

        [Fact]
        public Task Does_not_report_look_alikes_or_code_without_TorchSharp()
        {
            var test = new GradLintAnalyzerTest<MissingGradientClippingAnalyzer>
            {
                TestCode = """
                    class Loss { public void backward() { } }
                    class Optimizer { public void step() { } }

                    class Trainer
                    {
                        void Train(Loss loss, Optimizer optimizer) { loss.backward(); optimizer.step(); }
                    }
                    """,
            };
            test.TestState.AdditionalReferences.Clear();
            test.TestState.AdditionalReferences.AddRange(TestReferences.Framework);
            return test.RunAsync();
        }

        [Fact]
        public Task Does_not_report_generated_or_suppressed_code()
        {
            var test = new GradLintAnalyzerTest<MissingGradientClippingAnalyzer>();
            test.TestState.Sources.Add(("Generated.g.cs", """
                // <auto-generated/>
                using static TorchSharp.torch;
                class Generated { void T(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer o) { m.call(x).sum().backward(); o.step(); } }
                """));
            test.TestState.Sources.Add(("Suppressed.cs", """
                using System.Diagnostics.CodeAnalysis;
                using static TorchSharp.torch;
                class Suppressed
                {
                    [SuppressMessage("TrainingLoop", "GL1001")]
                    void T(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer o) { m.call(x).sum().backward(); o.step(); }
                #pragma warning disable GL1001
                    void U(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer o) { m.call(x).sum().backward(); o.step(); }
                #pragma warning restore GL1001
                }
                """));
            return test.RunAsync();
        }

        // ---- Code fixes ----------------------------------------------------------------------

        [Fact]
        public Task Fix_clips_the_models_parameters_before_step_under_using_static()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y)
                    {
                        var model = nn.Linear(4, 1);
                        var optimizer = optim.Adam(model.parameters(), 1e-3);
                        for (int i = 0; i < 8; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|GL1001:optimizer.step()|};
                        }
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y)
                    {
                        var model = nn.Linear(4, 1);
                        var optimizer = optim.Adam(model.parameters(), 1e-3);
                        for (int i = 0; i < 8; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            nn.utils.clip_grad_norm_(model.parameters(), max_norm: 1.0);
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_qualifies_as_the_file_does_and_uses_the_optimizers_parameters_when_the_model_is_out_of_scope()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;

                class Trainer
                {
                    private readonly torch.optim.Optimizer optimizer;

                    Trainer(torch.nn.Module<torch.Tensor, torch.Tensor> net) { optimizer = torch.optim.SGD(net.parameters(), 0.1); }

                    void Step(torch.Tensor loss)
                    {
                        loss.backward();
                        {|GL1001:optimizer.step()|};
                    }
                }
                """, """
                using TorchSharp;

                class Trainer
                {
                    private readonly torch.optim.Optimizer optimizer;

                    Trainer(torch.nn.Module<torch.Tensor, torch.Tensor> net) { optimizer = torch.optim.SGD(net.parameters(), 0.1); }

                    void Step(torch.Tensor loss)
                    {
                        loss.backward();
                        torch.nn.utils.clip_grad_norm_(optimizer.parameters(), max_norm: 1.0);
                        optimizer.step();
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_takes_max_norm_from_editorconfig_and_wraps_an_embedded_step()
        {
            return Fixer.CodeFixAsync("""
                class Trainer
                {
                    private TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> net = null!;
                    private TorchSharp.torch.optim.Optimizer opt = null!;

                    Trainer() { opt = TorchSharp.torch.optim.SGD(net.parameters(), 0.1); }

                    void Step(TorchSharp.torch.Tensor loss, bool apply)
                    {
                        loss.backward();
                        if (apply)
                            {|GL1001:opt.step()|};
                    }
                }
                """, """
                class Trainer
                {
                    private TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> net = null!;
                    private TorchSharp.torch.optim.Optimizer opt = null!;

                    Trainer() { opt = TorchSharp.torch.optim.SGD(net.parameters(), 0.1); }

                    void Step(TorchSharp.torch.Tensor loss, bool apply)
                    {
                        loss.backward();
                        if (apply)
                        {
                            TorchSharp.torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm: 0.5);
                            opt.step();
                        }
                    }
                }
                """, iterations: null, withRuntime: false, editorConfig: "gradlint.default_max_norm = 0.5\n", actionIndex: null);
        }

        [Fact]
        public Task Fix_all_in_a_document_clips_before_every_step()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Gan
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, optim.Optimizer optG, optim.Optimizer optD)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            optD.zero_grad();
                            d.call(x).mean().backward();
                            {|GL1001:optD.step()|};
                            optG.zero_grad();
                            d.call(g.call(x)).mean().backward();
                            {|GL1001:optG.step()|};
                        }
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Gan
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, optim.Optimizer optG, optim.Optimizer optD)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            optD.zero_grad();
                            d.call(x).mean().backward();
                            nn.utils.clip_grad_norm_(optD.parameters(), max_norm: 1.0);
                            optD.step();
                            optG.zero_grad();
                            d.call(g.call(x)).mean().backward();
                            nn.utils.clip_grad_norm_(optG.parameters(), max_norm: 1.0);
                            optG.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Guard_fix_wraps_the_optimizer_where_it_is_created_and_adds_the_using()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        var optimizer = optim.Adam(model.parameters(), 1e-3);
                        for (int i = 0; i < 8; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|GL1001:optimizer.step()|};
                        }
                    }
                }
                """, """
                using GradLint;
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        var optimizer = optim.Adam(model.parameters(), 1e-3).WithGradientGuard();
                        for (int i = 0; i < 8; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }
                    }
                }
                """, iterations: null, withRuntime: true, editorConfig: null, actionIndex: 1);
        }

        [Theory]
        [InlineData(true, "var", new[] { MissingGradientClippingFixer.ClipKey, MissingGradientClippingFixer.GuardKey })]
        [InlineData(true, "optim.Optimizer", new[] { MissingGradientClippingFixer.ClipKey, MissingGradientClippingFixer.GuardKey })]
        [InlineData(true, "TorchSharp.Modules.Adam", new[] { MissingGradientClippingFixer.ClipKey })]
        [InlineData(false, "var", new[] { MissingGradientClippingFixer.ClipKey })]
        public async Task Guard_fix_is_offered_only_with_the_runtime_and_a_variable_that_can_hold_a_guard(bool withRuntime, string type, string[] expectedKeys)
        {
            var source = $$"""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor loss, nn.Module<Tensor, Tensor> model)
                    {
                        {{type}} optimizer = optim.Adam(model.parameters());
                        loss.backward();
                        optimizer.step();
                    }
                }
                """;
            var keys = await CodeFixRunner.OfferedActionKeysAsync(source, new MissingGradientClippingAnalyzer(), new MissingGradientClippingFixer(), withRuntime);
            Assert.Equal(expectedKeys, keys);
        }

        [Fact]
        public async Task Fixed_code_compiles_with_no_new_diagnostics()
        {
            const string source = """
                using System.Collections.Generic;
                using static TorchSharp.torch;

                public class Trainer
                {
                    public void Train(IEnumerable<(Tensor x, Tensor y)> batches)
                    {
                        var model = nn.Sequential(("lin", nn.Linear(4, 8)), ("act", nn.ReLU()), ("out", nn.Linear(8, 1)));
                        var optimizer = optim.Adam(model.parameters(), 1e-3);
                        foreach (var (x, y) in batches)
                        {
                            using (NewDisposeScope())
                            {
                                optimizer.zero_grad();
                                var loss = nn.functional.mse_loss(model.call(x), y);
                                loss.backward();
                                optimizer.step();
                            }
                        }
                    }
                }
                """;
            var (_, after) = await Compile.ApplyFixesAndCompareAsync(source, new MissingGradientClippingAnalyzer(), new MissingGradientClippingFixer(), "GL1001");
            Assert.Empty(after);
        }

        [Fact]
        public Task Does_not_report_gradients_clamped_by_hand_over_every_parameter()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class DqnAgent
                {
                    nn.Module<Tensor, Tensor> online = nn.Linear(4, 2);
                    optim.Optimizer optimizer = null!;

                    // The classic DQN recipe: clamp every gradient to [-1, 1].
                    void Learn(Tensor q, Tensor target)
                    {
                        optimizer.zero_grad();
                        nn.functional.smooth_l1_loss(q, target).backward();
                        foreach (var p in online.parameters())
                        {
                            p.grad?.clamp_(-1, 1);
                        }

                        optimizer.step();
                    }

                    void Named(Tensor q, Tensor target)
                    {
                        optimizer.zero_grad();
                        nn.functional.mse_loss(q, target).backward();
                        foreach (var (name, p) in online.named_parameters())
                            p.grad.clamp_(-0.5, 0.5);
                        optimizer.step();
                    }

                    void ByValue(Tensor q, Tensor target)
                    {
                        optimizer.zero_grad();
                        nn.functional.mse_loss(q, target).backward();
                        nn.utils.clip_grad_value_(online.parameters(), 1.0);
                        optimizer.step();
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_a_parameter_loop_that_does_not_clamp_gradients_and_a_clamp_of_one_tensor()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = nn.Linear(4, 2);
                    optim.Optimizer optimizer = null!;

                    void LogsNorms(Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.mse_loss(model.call(x), y).backward();
                        foreach (var p in model.parameters())
                        {
                            System.Console.WriteLine(p.grad?.norm().item<float>());
                        }

                        {|GL1001:optimizer.step()|};
                    }

                    void ClampsTheLossNotTheGradients(Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.mse_loss(model.call(x), y).clamp_(0, 10).backward();
                        {|GL1001:optimizer.step()|};
                    }
                }
                """);
        }

        [Fact]
        public async Task A_clipping_call_that_does_not_bind_counts_as_clipping()
        {
            // A missing reference, or the IDE while the user types: the call is named like clipping, so it is not "no clipping".
            var findings = await Compile.ScriptFindingsAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                var model = nn.Linear(4, 1);
                var optimizer = optim.SGD(model.parameters(), 0.01);
                for (int i = 0; i < 10; i++)
                {
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    nn.functional.mse_loss(model.call(randn(8, 4)), randn(8, 1)).backward();
                    optimizer.step();
                }
                """);
            Assert.Contains(findings, f => f.Id == "GL1001");   // the positive beside the negative below

            var compilation = Compile.Create(false, """
                using TorchSharp;
                using static TorchSharp.torch;

                static class Trainer
                {
                    static void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        for (int i = 0; i < 10; i++)
                        {
                            using var scope = NewDisposeScope();
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            GradUtils.clip_grad_norm_(model.parameters(), 1.0);   // GradUtils: a library not referenced
                            optimizer.step();
                        }
                    }
                }
                """);
            var diagnostics = await Compile.AllDiagnosticsAsync(compilation);
            Assert.Contains(diagnostics, d => d.Id == "CS0103");   // it really does not bind
            Assert.DoesNotContain(diagnostics, d => d.Id == "GL1001" || d.Id == "AD0001");
        }

        [Fact]
        public Task Follows_clipping_helpers_two_calls_deep_in_the_same_type_and_no_deeper_than_configured()
        {
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = nn.Linear(4, 2);
                    optim.Optimizer optimizer = null!;

                    void Train(Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.mse_loss(model.call(x), y).backward();
                        BeforeStep();
                        {|#0:optimizer.step()|};
                    }

                    void BeforeStep()
                    {
                        LogGradients();
                        ClipGradients();
                    }

                    void LogGradients() { }

                    void ClipGradients() => nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                }
                """;
            return Task.WhenAll(
                Analyzer.AnalyzerAsync(source.Replace("{|#0:", string.Empty).Replace("()|};", "();")),
                Analyzer.AnalyzerAsync(source, withRuntime: false, editorConfig: "gradlint.clipping_helper_depth = 1", Analyzer.Diagnostic("GL1001").WithLocation(0)));
        }
    }
}

using System.Linq;
using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.MissingZeroGradAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.MissingZeroGradAnalyzer, GradLint.CodeFixes.Rules.MissingZeroGradFixer>;

namespace GradLint.Tests.Rules
{
    public class GL1002MissingZeroGradTests
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
                            TorchSharp.torch.Tensor loss = TorchSharp.torch.nn.functional.mse_loss(model.forward(x), y);
                            loss.backward();
                            {|GL1002:optimizer.step()|};
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_foreach_loop_under_using_static_with_var_and_call()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(IEnumerable<(Tensor x, Tensor y)> batches)
                    {
                        var model = nn.Sequential(("lin", nn.Linear(4, 8)), ("act", nn.ReLU()), ("out", nn.Linear(8, 1)));
                        var optimizer = optim.Adam(model.parameters(), 1e-3);
                        foreach (var (x, y) in batches)
                        {
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            {|GL1002:optimizer.step()|};
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_while_loop_with_optimizer_in_a_field()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;
                using static TorchSharp.torch.nn;

                class Trainer
                {
                    private readonly nn.Module<Tensor, Tensor> model = nn.Linear(4, 1);
                    private readonly optim.Optimizer optimizer;

                    Trainer() { optimizer = optim.SGD(model.parameters(), 0.1); }

                    void Train(Tensor x, Tensor y)
                    {
                        int step = 0;
                        while (step++ < 10)
                        {
                            var loss = functional.mse_loss(model.call(x), y);
                            loss.backward();
                            {|GL1002:this.optimizer.step()|};
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_do_loop_with_optimizer_in_a_property_and_autograd_backward()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    public nn.Module<Tensor, Tensor> Model { get; } = nn.Linear(4, 1);
                    public optim.Optimizer Optimizer { get; set; } = null!;

                    void Train(Tensor x, Tensor y)
                    {
                        int epoch = 0;
                        do
                        {
                            var loss = torch.nn.functional.mse_loss(Model.forward(x), y);
                            torch.autograd.backward(loss);
                            {|GL1002:Optimizer.step()|};
                        } while (++epoch < 5);
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_loops_inside_lambdas_local_functions_and_async_methods()
        {
            return Analyzer.AnalyzerAsync("""
                using System;
                using System.Threading.Tasks;
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y)
                    {
                        var model = nn.Linear(4, 1);
                        var optimizer = optim.Adam(model.parameters());

                        Action run = () =>
                        {
                            for (int i = 0; i < 3; i++)
                            {
                                var loss = nn.functional.mse_loss(model.call(x), y);
                                loss.backward();
                                {|GL1002:optimizer.step()|};
                            }
                        };

                        void Epoch()
                        {
                            for (int i = 0; i < 3; i++)
                            {
                                var loss = nn.functional.mse_loss(model.call(x), y);
                                loss.backward();
                                {|GL1002:optimizer.step()|};
                            }
                        }

                        run();
                        Epoch();
                    }

                    async Task TrainAsync(Func<Task<(Tensor, Tensor)>> next, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            var (x, y) = await next();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            {|GL1002:optimizer.step()|};
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_inside_a_dispose_scope()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            using (var scope = NewDisposeScope())
                            {
                                var loss = nn.functional.mse_loss(model.call(x), y);
                                loss.backward();
                                {|GL1002:optimizer.step()|};
                            }
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_the_inner_batch_loop_when_only_the_epoch_loop_clears_gradients()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor[] xs, Tensor[] ys, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int epoch = 0; epoch < 3; epoch++)
                        {
                            optimizer.zero_grad();
                            for (int b = 0; b < xs.Length; b++)
                            {
                                nn.functional.mse_loss(model.call(xs[b]), ys[b]).backward();
                                {|GL1002:optimizer.step()|};
                            }
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_each_optimizer_of_a_two_optimizer_loop()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Gan
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, optim.Optimizer optG, optim.Optimizer optD)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            d.call(x).mean().backward();
                            {|GL1002:optD.step()|};
                            d.call(g.call(x)).mean().backward();
                            {|GL1002:optG.step()|};
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_when_only_another_optimizer_clears_its_gradients()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Gan
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, optim.Optimizer optG, optim.Optimizer optD)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            optD.zero_grad();
                            d.call(g.call(x)).mean().backward();
                            optD.step();
                            {|GL1002:optG.step()|};
                        }
                    }
                }
                """);
        }

        // ---- Not reported --------------------------------------------------------------------

        [Theory]
        [InlineData("optimizer.zero_grad();", "")]
        [InlineData("", "optimizer.zero_grad();")]
        [InlineData("model.zero_grad();", "")]
        [InlineData("{ { optimizer.zero_grad(); } }", "")]
        [InlineData("using (var s = NewDisposeScope()) { optimizer.zero_grad(); }", "")]
        [InlineData("", "if (i % 4 == 3) { optimizer.zero_grad(); }")]
        public Task Does_not_report_when_the_loop_body_clears_gradients(string before, string after)
        {
            return Analyzer.AnalyzerAsync($$"""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 8; i++)
                        {
                            {{before}}
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                            {{after}}
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_gradient_accumulation_with_step_and_zero_grad_inside_an_if()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor[] xs, Tensor[] ys, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, int accumulate)
                    {
                        for (int b = 0; b < xs.Length; b++)
                        {
                            (nn.functional.mse_loss(model.call(xs[b]), ys[b]) / accumulate).backward();
                            if ((b + 1) % accumulate == 0)
                            {
                                optimizer.step();
                                optimizer.zero_grad();
                            }
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_when_a_helper_method_or_local_function_of_the_loop_clears_gradients()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    private optim.Optimizer optimizer = null!;

                    void ResetGradients() => optimizer.zero_grad();

                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        for (int i = 0; i < 8; i++)
                        {
                            ResetGradients();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }

                        for (int i = 0; i < 8; i++)
                        {
                            Clear();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }

                        void Clear() { model.zero_grad(); }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_when_a_helper_in_another_file_clears_gradients()
        {
            var test = new GradLintAnalyzerTest<MissingZeroGradAnalyzer>();
            test.TestState.Sources.Add(("Trainer.cs", """
                using static TorchSharp.torch;

                partial class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 8; i++)
                        {
                            Helpers.Reset(optimizer);
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                        }
                    }
                }
                """));
            test.TestState.Sources.Add(("Helpers.cs", """
                using static TorchSharp.torch;

                static class Helpers
                {
                    public static void Reset(optim.Optimizer o) => o.zero_grad();
                }
                """));
            return test.RunAsync();
        }

        [Fact]
        public Task Does_not_report_lbfgs_whose_closure_clears_gradients()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        var optimizer = optim.LBFGS(model.parameters());
                        for (int i = 0; i < 8; i++)
                        {
                            optimizer.step(() =>
                            {
                                optimizer.zero_grad();
                                var loss = nn.functional.mse_loss(model.call(x), y);
                                loss.backward();
                                return loss;
                            });
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_a_step_outside_loops_or_a_loop_without_backward()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void TrainStep(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        nn.functional.mse_loss(model.call(x), y).backward();
                        optimizer.step();
                    }

                    void Warmup(optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++) { optimizer.step(); }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_look_alike_methods_that_are_not_TorchSharp()
        {
            return Analyzer.AnalyzerAsync("""
                class Loss { public void backward() { } }
                class Optimizer { public void step() { } }

                class Trainer
                {
                    void Train(Loss loss, Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            loss.backward();
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_in_a_compilation_without_TorchSharp()
        {
            var test = new GradLintAnalyzerTest<MissingZeroGradAnalyzer>
            {
                TestCode = """
                    class Trainer
                    {
                        void Train(dynamic loss, dynamic optimizer)
                        {
                            for (int i = 0; i < 3; i++) { loss.backward(); optimizer.step(); }
                        }
                    }
                    """,
            };
            test.TestState.AdditionalReferences.Clear();
            test.TestState.AdditionalReferences.AddRange(TestReferences.Framework);
            return test.RunAsync();
        }

        [Fact]
        public Task Does_not_report_generated_code_or_suppressed_code()
        {
            var test = new GradLintAnalyzerTest<MissingZeroGradAnalyzer>();
            test.TestState.Sources.Add(("Generated.g.cs", """
                // <auto-generated/>
                using static TorchSharp.torch;

                class Generated
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++) { model.call(x).sum().backward(); optimizer.step(); }
                    }
                }
                """));
            test.TestState.Sources.Add(("Suppressed.cs", """
                using System.Diagnostics.CodeAnalysis;
                using static TorchSharp.torch;

                class Suppressed
                {
                    void Pragma(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                #pragma warning disable GL1002
                        for (int i = 0; i < 3; i++) { model.call(x).sum().backward(); optimizer.step(); }
                #pragma warning restore GL1002
                    }

                    [SuppressMessage("TrainingLoop", "GL1002", Justification = "accumulates on purpose")]
                    void Attribute(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++) { model.call(x).sum().backward(); optimizer.step(); }
                    }
                }
                """));
            return test.RunAsync();
        }

        [Fact]
        public async Task Message_names_the_optimizer_and_what_to_do()
        {
            var compilation = Compile.Create(false, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer adam)
                    {
                        for (int i = 0; i < 3; i++) { model.call(x).sum().backward(); adam.step(); }
                    }
                }
                """);
            var diagnostic = Assert.Single(await Compile.AllDiagnosticsAsync(compilation), d => d.Id == "GL1002");
            var message = diagnostic.GetMessage();
            Assert.Contains("'adam.step()'", message);
            Assert.Contains("call 'adam.zero_grad()' at the start of the loop body", message);
            Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, diagnostic.Severity);
        }

        // ---- Code fix ------------------------------------------------------------------------

        [Fact]
        public Task Fix_inserts_zero_grad_as_the_first_statement_of_the_loop_body()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 8; i++)
                        {
                            // forward
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            {|GL1002:optimizer.step()|};
                        }
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 8; i++)
                        {
                            optimizer.zero_grad();
                            // forward
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_goes_inside_a_leading_dispose_scope_block()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    private optim.Optimizer Optimizer { get; } = null!;

                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        foreach (var _ in new int[3])
                        {
                            using (var scope = torch.NewDisposeScope())
                            {
                                nn.functional.mse_loss(model.call(x), y).backward();
                                {|GL1002:Optimizer.step()|};
                            }
                        }
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    private optim.Optimizer Optimizer { get; } = null!;

                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        foreach (var _ in new int[3])
                        {
                            using (var scope = torch.NewDisposeScope())
                            {
                                Optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x), y).backward();
                                Optimizer.step();
                            }
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_goes_after_a_leading_using_declaration_of_a_dispose_scope()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    private optim.Optimizer optimizer = null!;

                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        while (true)
                        {
                            using var scope = NewDisposeScope();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|GL1002:this.optimizer.step()|};
                        }
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    private optim.Optimizer optimizer = null!;

                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        while (true)
                        {
                            using var scope = NewDisposeScope();
                            this.optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            this.optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_all_in_a_document_fixes_every_loop_and_both_optimizers_of_one_loop()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Gan(Tensor x, nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, optim.Optimizer optG, optim.Optimizer optD)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            d.call(x).mean().backward();
                            {|GL1002:optD.step()|};
                            d.call(g.call(x)).mean().backward();
                            {|GL1002:optG.step()|};
                        }
                    }

                    void Plain(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            m.call(x).mean().backward();
                            {|GL1002:opt.step()|};
                        }
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Gan(Tensor x, nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, optim.Optimizer optG, optim.Optimizer optD)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            optD.zero_grad();
                            optG.zero_grad();
                            d.call(x).mean().backward();
                            optD.step();
                            d.call(g.call(x)).mean().backward();
                            optG.step();
                        }
                    }

                    void Plain(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            opt.zero_grad();
                            m.call(x).mean().backward();
                            opt.step();
                        }
                    }
                }
                """, iterations: 3);
        }

        [Fact]
        public Task Fix_all_in_a_project_fixes_every_document()
        {
            const string before = """
                using static TorchSharp.torch;

                class Trainer{0}
                {{
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {{
                        for (int i = 0; i < 3; i++)
                        {{
                            m.call(x).mean().backward();
                            {{|GL1002:opt.step()|}};
                        }}
                    }}
                }}
                """;
            const string after = """
                using static TorchSharp.torch;

                class Trainer{0}
                {{
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {{
                        for (int i = 0; i < 3; i++)
                        {{
                            opt.zero_grad();
                            m.call(x).mean().backward();
                            opt.step();
                        }}
                    }}
                }}
                """;
            var test = new GradLintCodeFixTest<MissingZeroGradAnalyzer, MissingZeroGradFixer>
            {
                CodeFixTestBehaviors = CodeFixTestBehaviors.SkipFixAllInDocumentCheck,
            };
            for (int i = 0; i < 2; i++)
            {
                test.TestState.Sources.Add(($"Trainer{i}.cs", string.Format(before, i)));
                test.FixedState.Sources.Add(($"Trainer{i}.cs", string.Format(after, i)));
            }

            return test.RunAsync();
        }

        [Fact]
        public Task Fix_wraps_a_single_using_statement_body()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {
                        for (int i = 0; i < 3; i++)
                            using (var scope = NewDisposeScope())
                            {
                                m.call(x).mean().backward();
                                {|GL1002:opt.step()|};
                            }
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {
                        for (int i = 0; i < 3; i++)
                            using (var scope = NewDisposeScope())
                            {
                                opt.zero_grad();
                                m.call(x).mean().backward();
                                opt.step();
                            }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_wraps_a_body_that_is_not_a_block()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt, bool train)
                    {
                        for (int i = 0; i < 3; i++)
                            if (train) { m.call(x).mean().backward(); {|GL1002:opt.step()|}; }
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt, bool train)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            opt.zero_grad();
                            if (train) { m.call(x).mean().backward(); opt.step(); }
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task No_fix_is_offered_when_the_optimizer_is_created_inside_the_loop()
        {
            var source = """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            m.call(x).mean().backward();
                            var opt = optim.SGD(m.parameters(), 0.1);
                            {|GL1002:opt.step()|};
                        }
                    }
                }
                """;
            return Fixer.CodeFixAsync(source, source);
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
                                var loss = nn.functional.mse_loss(model.call(x), y);
                                loss.backward();
                                optimizer.step();
                            }
                        }
                    }
                }
                """;
            var (fixedSource, _) = await Compile.ApplyFixesAndCompareAsync(source, new MissingZeroGradAnalyzer(), new MissingZeroGradFixer(), "GL1002");
            Assert.Contains("optimizer.zero_grad();", fixedSource);
        }

        [Fact]
        public async Task The_fix_works_on_a_loop_in_top_level_statements()
        {
            // Was broken: the loop's span is also its global statement's, and the fix found the wrong node.
            const string script = """
                using TorchSharp;
                using static TorchSharp.torch;

                var model = nn.Linear(4, 1);
                var optimizer = optim.SGD(model.parameters(), 0.01);
                for (int i = 0; i < 10; i++)
                {
                    using var scope = NewDisposeScope();
                    nn.functional.mse_loss(model.call(randn(8, 4)), randn(8, 1)).backward();
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                    optimizer.step();
                }
                """;
            Assert.Contains(("GL1002", "optimizer.step();"), await Compile.ScriptFindingsAsync(script));
            var fixedScript = await CodeFixRunner.ApplyAllAsync(script, new GradLint.Analyzers.Rules.MissingZeroGradAnalyzer(), new GradLint.CodeFixes.Rules.MissingZeroGradFixer());
            Assert.Contains("    using var scope = NewDisposeScope();\n    optimizer.zero_grad();\n", fixedScript.Replace("\r\n", "\n"));
            Assert.DoesNotContain(await Compile.ScriptFindingsAsync(fixedScript), f => f.Id == "GL1002");
        }
    }
}

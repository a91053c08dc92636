using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace GradLint.Tests.Rules
{
    /// <summary>
    /// GL1003 and GL1004 in the forms not covered by their own files (local functions, lambdas,
    /// while loops, properties), the cases every rule must stay silent on, and Fix All across the
    /// documents of a project for GL1001, GL1003 and GL1004.
    /// </summary>
    public class TrainingLoopRulesAcrossFormsTests
    {
        [Fact]
        public Task GL1003_reports_in_local_functions_lambdas_and_while_loops()
        {
            return Verify<ZeroGradBeforeStepAnalyzer>.AnalyzerAsync("""
                using System;
                using static TorchSharp.torch;

                class Trainer
                {
                    public optim.Optimizer Optimizer { get; set; } = null!;

                    void Train(Tensor x, nn.Module<Tensor, Tensor> model)
                    {
                        void Step()
                        {
                            model.call(x).sum().backward();
                            {|GL1003:Optimizer.zero_grad()|};
                            Optimizer.step();
                        }

                        Func<int> run = () =>
                        {
                            int i = 0;
                            while (i++ < 3)
                            {
                                model.forward(x).sum().backward();
                                {|GL1003:Optimizer.zero_grad()|};
                                Optimizer.step();
                            }

                            return i;
                        };

                        Step();
                        run();
                    }
                }
                """);
        }

        [Fact]
        public Task GL1004_reports_in_local_functions_and_while_loops_with_properties()
        {
            return Verify<MisplacedClippingAnalyzer>.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    public optim.Optimizer Optimizer { get; set; } = null!;
                    public nn.Module<Tensor, Tensor> Model { get; set; } = null!;

                    void Train(Tensor x)
                    {
                        void Step()
                        {
                            {|GL1004:nn.utils.clip_grad_norm_(Model.parameters(), 1.0)|};
                            Model.call(x).sum().backward();
                            Optimizer.step();
                        }

                        int i = 0;
                        while (i++ < 3)
                        {
                            Model.forward(x).sum().backward();
                            Optimizer.step();
                            {|GL1004:nn.utils.clip_grad_value_(Model.parameters(), 0.1)|};
                        }

                        Step();
                    }
                }
                """, withRuntime: false, editorConfig: null,
                new DiagnosticResult[0]);
        }

        [Fact]
        public async Task GL1003_reports_in_foreach_loops_and_GL1004_in_for_loops_and_async_methods()
        {
            var test = new GradLintAnalyzerTest<ZeroGradBeforeStepAnalyzer>
            {
                TestCode = """
                    using System.Collections.Generic;
                    using static TorchSharp.torch;

                    class Trainer
                    {
                        void Epoch(IEnumerable<Tensor> batches, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                        {
                            foreach (var x in batches)
                            {
                                model.call(x).sum().backward();
                                {|GL1003:optimizer.zero_grad()|};
                                optimizer.step();
                            }
                        }
                    }
                    """,
            };
            await test.RunAsync();
            await Verify<MisplacedClippingAnalyzer>.AnalyzerAsync("""
                using System;
                using System.Threading.Tasks;
                using static TorchSharp.torch;

                class Trainer
                {
                    async Task Train(Func<Task<Tensor>> next, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            var x = await next();
                            optimizer.zero_grad();
                            model.call(x).sum().backward();
                            optimizer.step();
                            {|GL1004:nn.utils.clip_grad_norm_(model.parameters(), 1.0)|};
                        }
                    }
                }
                """);
        }

        [Theory]
        [InlineData("GL1003")]
        [InlineData("GL1004")]
        public Task Silent_on_generated_suppressed_and_TorchSharp_free_code(string id)
        {
            var body = id == "GL1003"
                ? "l.backward(); o.zero_grad(); o.step();"
                : "l.backward(); o.step(); nn.utils.clip_grad_norm_(o.parameters(), 1.0);";
            var test = id == "GL1003"
                ? (AnalyzerTest<DefaultVerifier>)new GradLintAnalyzerTest<ZeroGradBeforeStepAnalyzer>()
                : new GradLintAnalyzerTest<MisplacedClippingAnalyzer>();
            test.TestState.Sources.Add(("Generated.g.cs", $$"""
                // <auto-generated/>
                using static TorchSharp.torch;
                class Generated { void T(Tensor l, optim.Optimizer o) { {{body}} } }
                """));
            test.TestState.Sources.Add(("Suppressed.cs", $$"""
                using System.Diagnostics.CodeAnalysis;
                using static TorchSharp.torch;
                class Suppressed
                {
                    [SuppressMessage("TrainingLoop", "{{id}}")]
                    void T(Tensor l, optim.Optimizer o) { {{body}} }
                #pragma warning disable {{id}}
                    void U(Tensor l, optim.Optimizer o) { {{body}} }
                #pragma warning restore {{id}}
                }
                """));
            test.TestState.Sources.Add(("LookAlike.cs", """
                namespace Other
                {
                    class Loss { public void backward() { } }
                    class Opt { public void zero_grad() { } public void step() { } public System.Collections.Generic.IEnumerable<int> parameters() => new int[0]; }
                    static class nn { public static class utils { public static void clip_grad_norm_(object p, double m) { } } }
                    class Trainer { void T(Loss l, Opt o) { l.backward(); o.zero_grad(); o.step(); nn.utils.clip_grad_norm_(o.parameters(), 1.0); } }
                }
                """));
            return test.RunAsync();
        }

        // ---- Fix All across a project ----------------------------------------------------------

        private static Task FixAllInProject<TAnalyzer, TFixer>(string before, string after)
            where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
            where TFixer : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
        {
            var test = new GradLintCodeFixTest<TAnalyzer, TFixer> { CodeFixTestBehaviors = CodeFixTestBehaviors.SkipFixAllInDocumentCheck };
            for (int i = 0; i < 2; i++)
            {
                test.TestState.Sources.Add(($"Trainer{i}.cs", before.Replace("Trainer", "Trainer" + i)));
                test.FixedState.Sources.Add(($"Trainer{i}.cs", after.Replace("Trainer", "Trainer" + i)));
            }

            return test.RunAsync();
        }

        [Fact]
        public Task GL1001_fix_all_in_a_project_fixes_every_document() =>
            FixAllInProject<MissingGradientClippingAnalyzer, MissingGradientClippingFixer>("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor loss, optim.Optimizer opt)
                    {
                        loss.backward();
                        {|GL1001:opt.step()|};
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor loss, optim.Optimizer opt)
                    {
                        loss.backward();
                        nn.utils.clip_grad_norm_(opt.parameters(), max_norm: 1.0);
                        opt.step();
                    }
                }
                """);

        [Fact]
        public Task GL1003_fix_all_in_a_project_fixes_every_document() =>
            FixAllInProject<ZeroGradBeforeStepAnalyzer, ZeroGradBeforeStepFixer>("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {
                        m.call(x).sum().backward();
                        {|GL1003:opt.zero_grad()|};
                        opt.step();
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {
                        opt.zero_grad();
                        m.call(x).sum().backward();
                        opt.step();
                    }
                }
                """);

        [Fact]
        public Task GL1004_fix_all_in_a_project_fixes_every_document() =>
            FixAllInProject<MisplacedClippingAnalyzer, MisplacedClippingFixer>("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {
                        m.call(x).sum().backward();
                        opt.step();
                        {|GL1004:nn.utils.clip_grad_norm_(m.parameters(), 1.0)|};
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, nn.Module<Tensor, Tensor> m, optim.Optimizer opt)
                    {
                        m.call(x).sum().backward();
                        nn.utils.clip_grad_norm_(m.parameters(), 1.0);
                        opt.step();
                    }
                }
                """);
    }
}

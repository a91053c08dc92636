using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.ZeroGradBeforeStepAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.ZeroGradBeforeStepAnalyzer, GradLint.CodeFixes.Rules.ZeroGradBeforeStepFixer>;

namespace GradLint.Tests.Rules
{
    public class GL1003ZeroGradBeforeStepTests
    {
        [Fact]
        public Task Reports_optimizer_zero_grad_between_backward_and_step_in_every_form()
        {
            return Analyzer.AnalyzerAsync("""
                using System;
                using System.Threading.Tasks;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    private optim.Optimizer optimizer = null!;
                    public optim.Optimizer Optimizer { get; } = null!;

                    void ForLoop(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            using (NewDisposeScope())
                            {
                                nn.functional.mse_loss(model.call(x), y).backward();
                                {|GL1003:this.optimizer.zero_grad()|};
                                optimizer.step();
                            }
                        }
                    }

                    void Fully(TorchSharp.torch.Tensor loss)
                    {
                        torch.autograd.backward(loss);
                        if (loss.requires_grad) { {|GL1003:Optimizer.zero_grad()|}; }
                        Optimizer.step();
                    }

                    async Task Later(Func<Task<Tensor>> loss, optim.Optimizer opt)
                    {
                        Action run = () => { };
                        (await loss()).backward();
                        {|GL1003:opt.zero_grad()|};
                        opt.step();
                    }
                }
                """);
        }

        [Fact]
        public Task Reports_module_zero_grad_when_the_optimizer_was_built_from_that_module()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y)
                    {
                        var model = nn.Linear(4, 1);
                        var optimizer = optim.SGD(model.parameters(), 0.1);
                        for (int i = 0; i < 3; i++)
                        {
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|GL1003:model.zero_grad()|};
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Is_an_error_whose_message_names_the_call_and_the_optimizer()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor loss, optim.Optimizer adam)
                    {
                        loss.backward();
                        {|#0:adam.zero_grad()|};
                        {|#1:adam.step()|};
                    }
                }
                """,
                new Microsoft.CodeAnalysis.Testing.DiagnosticResult("GL1003", DiagnosticSeverity.Error).WithLocation(0).WithLocation(1).WithArguments("adam.zero_grad()", "adam"));
        }

        [Fact]
        public Task Does_not_report_zero_grad_in_its_place_or_on_other_optimizers_and_modules()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Gan
                {
                    void Train(Tensor x, Tensor[] xs, nn.Module<Tensor, Tensor> netG, nn.Module<Tensor, Tensor> netD, bool bad)
                    {
                        var optD = optim.Adam(netD.parameters());
                        var optG = optim.Adam(netG.parameters());
                        for (int i = 0; i < 3; i++)
                        {
                            optD.zero_grad();
                            netD.call(x).mean().backward();
                            optG.zero_grad();
                            netG.zero_grad();
                            optD.step();
                            optD.zero_grad();

                            netD.call(netG.call(x)).mean().backward();
                            if (bad) { optG.zero_grad(); continue; }
                            optG.step();
                        }

                        for (int b = 0; b < xs.Length; b++)
                        {
                            netD.call(xs[b]).mean().backward();
                            if (b % 4 == 3) { optD.step(); optD.zero_grad(); }
                        }
                    }

                    void NoBackward(optim.Optimizer o) { o.zero_grad(); o.step(); }
                }
                """);
        }

        [Fact]
        public Task Fix_moves_zero_grad_to_the_start_of_the_loop_body()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            using var scope = NewDisposeScope();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            {|GL1003:optimizer.zero_grad()|};
                            optimizer.step();
                        }
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            using var scope = NewDisposeScope();
                            optimizer.zero_grad();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_moves_to_the_start_of_the_method_or_after_the_step_it_shares_a_block_with()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Step(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        var loss = model.call(x).sum();
                        loss.backward();
                        {|GL1003:optimizer.zero_grad()|};
                        optimizer.step();
                    }

                    void Accumulate(Tensor[] xs, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int b = 0; b < xs.Length; b++)
                        {
                            model.call(xs[b]).sum().backward();
                            if (b % 4 == 3)
                            {
                                {|GL1003:optimizer.zero_grad()|};
                                optimizer.step();
                            }
                        }
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void Step(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        optimizer.zero_grad();
                        var loss = model.call(x).sum();
                        loss.backward();
                        optimizer.step();
                    }

                    void Accumulate(Tensor[] xs, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int b = 0; b < xs.Length; b++)
                        {
                            model.call(xs[b]).sum().backward();
                            if (b % 4 == 3)
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
        public async Task Fixed_code_compiles_with_no_new_diagnostics()
        {
            const string source = """
                using static TorchSharp.torch;

                public class Trainer
                {
                    public void Train(Tensor x, Tensor y)
                    {
                        var model = nn.Linear(4, 1);
                        var optimizer = optim.SGD(model.parameters(), 0.1);
                        for (int i = 0; i < 10; i++)
                        {
                            using var scope = NewDisposeScope();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            loss.backward();
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                            optimizer.zero_grad();
                            optimizer.step();
                        }
                    }
                }
                """;
            var (_, after) = await Compile.ApplyFixesAndCompareAsync(source, new ZeroGradBeforeStepAnalyzer(), new ZeroGradBeforeStepFixer(), "GL1003");
            Assert.Empty(after);
        }
    }
}

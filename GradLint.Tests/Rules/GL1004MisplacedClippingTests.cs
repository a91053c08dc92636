using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.MisplacedClippingAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.MisplacedClippingAnalyzer, GradLint.CodeFixes.Rules.MisplacedClippingFixer>;

namespace GradLint.Tests.Rules
{
    public class GL1004MisplacedClippingTests
    {
        [Fact]
        public Task Reports_clipping_after_step_and_before_backward_in_every_form()
        {
            return Analyzer.AnalyzerAsync("""
                using System;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    private optim.Optimizer optimizer = null!;

                    void AfterStep(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        foreach (var _ in new int[3])
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|#3:optimizer.step()|};
                            {|#0:nn.utils.clip_grad_norm_(model.parameters(), 1.0)|};
                        }
                    }

                    void BeforeBackward(Tensor x, Tensor y, nn.Module<Tensor, Tensor> model)
                    {
                        Action run = () =>
                        {
                            optimizer.zero_grad();
                            {|#1:TorchSharp.torch.nn.utils.clip_grad_value_(model.parameters(), 0.5)|};
                            torch.autograd.backward(nn.functional.mse_loss(model.forward(x), y));
                            {|#4:optimizer.step()|};
                        };
                    }

                    void BetweenTwoBackwards(Tensor a, Tensor b)
                    {
                        a.backward();
                        {|#2:nn.utils.clip_grad_norm_(optimizer.parameters(), 1.0)|};
                        b.backward();
                        {|#5:optimizer.step()|};
                    }
                }
                """,
                Verify<MisplacedClippingAnalyzer>.Diagnostic("GL1004").WithLocation(0).WithLocation(3).WithArguments("clip_grad_norm_(…)", "after step()", "optimizer"),
                Verify<MisplacedClippingAnalyzer>.Diagnostic("GL1004").WithLocation(1).WithLocation(4).WithArguments("clip_grad_value_(…)", "before backward()", "optimizer"),
                Verify<MisplacedClippingAnalyzer>.Diagnostic("GL1004").WithLocation(2).WithLocation(5).WithArguments("clip_grad_norm_(…)", "before backward()", "optimizer"));
        }

        [Fact]
        public Task Does_not_report_clipping_in_the_window_in_helpers_accumulation_or_lbfgs_closures()
        {
            return Analyzer.AnalyzerAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void Clip(nn.Module<Tensor, Tensor> m) => nn.utils.clip_grad_norm_(m.parameters(), 1.0);

                    void Train(Tensor[] xs, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int b = 0; b < xs.Length; b++)
                        {
                            model.call(xs[b]).sum().backward();
                            if (b % 4 == 3)
                            {
                                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                                optimizer.step();
                                optimizer.zero_grad();
                            }
                        }

                        var lbfgs = optim.LBFGS(model.parameters());
                        lbfgs.step(() =>
                        {
                            lbfgs.zero_grad();
                            var loss = model.call(xs[0]).sum();
                            loss.backward();
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                            return loss;
                        });
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_moves_the_clip_to_just_before_step_from_either_side()
        {
            return Fixer.CodeFixAsync("""
                using static TorchSharp.torch;

                class Trainer
                {
                    void After(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            optimizer.zero_grad();
                            model.call(x).sum().backward();
                            optimizer.step();
                            {|GL1004:nn.utils.clip_grad_norm_(model.parameters(), 1.0)|};
                        }
                    }

                    void Before(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, bool apply)
                    {
                        {|GL1004:nn.utils.clip_grad_norm_(model.parameters(), 1.0)|};
                        model.call(x).sum().backward();
                        if (apply)
                            optimizer.step();
                    }
                }
                """, """
                using static TorchSharp.torch;

                class Trainer
                {
                    void After(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            optimizer.zero_grad();
                            model.call(x).sum().backward();
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                            optimizer.step();
                        }
                    }

                    void Before(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, bool apply)
                    {
                        model.call(x).sum().backward();
                        if (apply)
                        {
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                            optimizer.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public Task No_fix_when_the_clips_value_is_used()
        {
            var source = """
                using static TorchSharp.torch;

                class Trainer
                {
                    double Train(Tensor x, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
                    {
                        model.call(x).sum().backward();
                        optimizer.step();
                        var norm = {|GL1004:nn.utils.clip_grad_norm_(model.parameters(), 1.0)|};
                        return norm;
                    }
                }
                """;
            return Fixer.CodeFixAsync(source, source);
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
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                        }
                    }
                }
                """;
            var (_, after) = await Compile.ApplyFixesAndCompareAsync(source, new MisplacedClippingAnalyzer(), new MisplacedClippingFixer(), "GL1004");
            Assert.Empty(after);
        }
    }
}

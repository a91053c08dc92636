using System.Linq;
using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.SchedulerBeforeOptimizerStepAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.SchedulerBeforeOptimizerStepAnalyzer, GradLint.CodeFixes.Rules.SchedulerBeforeOptimizerStepFixer>;

namespace GradLint.Tests.Rules
{
    public class GL1005SchedulerBeforeOptimizerStepTests
    {
        [Fact]
        public Task Reports_a_scheduler_stepped_before_the_optimizer_in_every_shape()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = null!;
                    optim.Optimizer optimizer = null!;
                    optim.lr_scheduler.LRScheduler scheduler = null!;

                    void PerBatch(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        foreach (var (x, y) in batches)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|GL1005:scheduler.step()|};
                            optimizer.step();
                        }
                    }

                    void PerEpochAtTheTop(List<(Tensor X, Tensor Y)> batches, int epochs)
                    {
                        for (int epoch = 0; epoch < epochs; epoch++)
                        {
                            {|GL1005:scheduler.step()|};
                            foreach (var (x, y) in batches)
                            {
                                optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x), y).backward();
                                optimizer.step();
                            }
                        }
                    }

                    // Called once per batch by a driver loop (an RL agent's Learn()).
                    void TrainStep(Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        var loss = nn.functional.mse_loss(model.call(x), y);
                        {|GL1005:scheduler.step()|};
                        loss.backward();
                        optimizer.step();
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_a_scheduler_stepped_after_the_optimizer()
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
                    optim.lr_scheduler.LRScheduler scheduler = null!;

                    void Epochs(List<(Tensor X, Tensor Y)> batches, int epochs)
                    {
                        for (int epoch = 0; epoch < epochs; epoch++)
                        {
                            foreach (var (x, y) in batches)
                            {
                                optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x), y).backward();
                                optimizer.step();
                                scheduler.step();   // per batch, after the step
                            }

                            scheduler.step();       // per epoch, after the batches
                        }
                    }

                    void Deferred(Tensor x, Tensor y)
                    {
                        scheduler.step();
                        Action later = () => optimizer.step();   // not this iteration's step
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_moves_the_scheduler_after_the_optimizer_or_after_the_inner_loop()
        {
            return Fixer.CodeFixAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = null!;
                    optim.Optimizer optimizer = null!;
                    optim.lr_scheduler.LRScheduler scheduler = null!;

                    void PerBatch(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        foreach (var (x, y) in batches)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            {|GL1005:scheduler.step()|};
                            optimizer.step();
                        }
                    }

                    void PerEpoch(List<(Tensor X, Tensor Y)> batches, int epochs)
                    {
                        for (int epoch = 0; epoch < epochs; epoch++)
                        {
                            {|GL1005:scheduler.step()|};
                            foreach (var (x, y) in batches)
                            {
                                optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x), y).backward();
                                optimizer.step();
                            }
                        }
                    }
                }
                """, """
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = null!;
                    optim.Optimizer optimizer = null!;
                    optim.lr_scheduler.LRScheduler scheduler = null!;

                    void PerBatch(IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        foreach (var (x, y) in batches)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            optimizer.step();
                            scheduler.step();
                        }
                    }

                    void PerEpoch(List<(Tensor X, Tensor Y)> batches, int epochs)
                    {
                        for (int epoch = 0; epoch < epochs; epoch++)
                        {
                            foreach (var (x, y) in batches)
                            {
                                optimizer.zero_grad();
                                nn.functional.mse_loss(model.call(x), y).backward();
                                optimizer.step();
                            }
                            scheduler.step();
                        }
                    }
                }
                """);
        }

        [Fact]
        public async Task Fixed_code_compiles_with_no_new_diagnostics()
        {
            const string source = """
                using TorchSharp;
                using static TorchSharp.torch;

                public static class Script
                {
                    public static void Train(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
                    {
                        var optimizer = optim.SGD(model.parameters(), 0.1);
                        var scheduler = optim.lr_scheduler.StepLR(optimizer, 1, 0.5);
                        for (int i = 0; i < 3; i++)
                        {
                            optimizer.zero_grad();
                            nn.functional.mse_loss(model.call(x), y).backward();
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                            scheduler.step();
                            optimizer.step();
                        }
                    }
                }
                """;
            await Compile.ApplyFixesAndCompareAsync(source, new SchedulerBeforeOptimizerStepAnalyzer(), new SchedulerBeforeOptimizerStepFixer(), "GL1005");
        }

        [Fact]
        public void Why_it_matters_the_first_update_uses_the_second_rate_of_the_schedule()
        {
            static double FirstStepRate(bool schedulerFirst)
            {
                var w = new Parameter(zeros(1));
                var optimizer = optim.SGD(new[] { w }, 0.1);
                var scheduler = optim.lr_scheduler.StepLR(optimizer, 1, 0.1);
                optimizer.zero_grad();
                (w * 1.0).sum().backward();   // gradient 1
                if (schedulerFirst) scheduler.step();
                optimizer.step();
                if (!schedulerFirst) scheduler.step();
                return -w.data<float>()[0];   // = the rate the update used
            }

            Assert.Equal(0.01, FirstStepRate(schedulerFirst: true), 6);    // the schedule's first value, 0.1, is skipped
            Assert.Equal(0.1, FirstStepRate(schedulerFirst: false), 6);
        }
    }
}

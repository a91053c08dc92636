using System.Linq;
using System.Threading.Tasks;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Rules;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.BackwardUnderNoGradAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.BackwardUnderNoGradAnalyzer, GradLint.CodeFixes.Rules.BackwardUnderNoGradFixer>;

namespace GradLint.Tests.Rules
{
    public class GL1006BackwardUnderNoGradTests
    {
        [Fact]
        public Task Reports_backward_on_a_loss_computed_under_no_grad_in_every_shape()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class C51Agent
                {
                    nn.Module<Tensor, Tensor> online = null!, target = null!;
                    optim.Optimizer optimizer = null!;

                    // The shape seen in the wild: the whole update under one using-declaration.
                    void Update(Tensor states, Tensor next, Tensor rewards)
                    {
                        using var _ = torch.no_grad();
                        var targets = rewards + 0.99 * target.call(next).amax(1);
                        var predicted = online.call(states).amax(1);
                        var loss = nn.functional.mse_loss(predicted, targets);
                        optimizer.zero_grad();
                        {|GL1006:loss.backward()|};
                        optimizer.step();
                    }

                    void Block(Tensor x, Tensor y)
                    {
                        using (torch.no_grad())
                        {
                            var loss = nn.functional.mse_loss(online.call(x), y);
                            {|GL1006:loss.backward()|};
                        }
                    }

                    void Helper(Tensor x, Tensor y)
                    {
                        using (inference_mode())
                        {
                            var loss = Loss(x, y);
                            {|GL1006:torch.autograd.backward(new[] { loss })|};
                        }
                    }

                    void Inline(Tensor x, Tensor y)
                    {
                        using var scope = no_grad();
                        {|GL1006:nn.functional.mse_loss(online.call(x), y).backward()|};
                    }

                    // Reassigned under the scope: the last assignment before backward() counts, not the declaration —
                    // the local's name in a comment, a string or a longer name is not an assignment of it.
                    void Reassigned(Tensor x, Tensor y)
                    {
                        var @loss = nn.functional.mse_loss(online.call(x), y);
                        using var _ = no_grad();
                        loss = nn.functional.mse_loss(online.call(x), y);   // loss = the validation loss
                        var lossName = "loss = ";
                        {|GL1006:loss.backward()|};
                    }

                    // The same with an escape in a string between them: read by a walk of the syntax instead of the text.
                    void ReassignedWithAnEscape(Tensor x, Tensor y)
                    {
                        var loss = nn.functional.mse_loss(online.call(x), y);
                        using var _ = no_grad();
                        loss = nn.functional.mse_loss(online.call(x), y);
                        System.Console.WriteLine("epoch\tloss");
                        {|GL1006:loss.backward()|};
                    }

                    Tensor Loss(Tensor x, Tensor y) => nn.functional.mse_loss(online.call(x), y);
                }
                """);
        }

        [Fact]
        public Task Does_not_report_a_no_grad_scope_opened_only_when_not_training()
        {
            // Seen in a text-to-motion trainer: one epoch loop for training and validation.
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    nn.Module<Tensor, Tensor> model = null!;
                    optim.Optimizer? optimizer;

                    float RunEpoch(IEnumerable<(Tensor X, Tensor Y)> batches, bool training)
                    {
                        model.train(training);
                        using var noGradGuard = training ? null : torch.no_grad();
                        float total = 0;
                        foreach (var (x, y) in batches)
                        {
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            if (training && optimizer is not null)
                            {
                                optimizer.zero_grad();
                                loss.backward();
                                optimizer.step();
                            }

                            total += loss.item<float>();
                        }

                        return total;
                    }
                }
                """);
        }

        [Fact]
        public Task Does_not_report_a_loss_computed_with_gradients_on()
        {
            return Analyzer.AnalyzerAsync("""
                using System;
                using TorchSharp;
                using static TorchSharp.torch;

                class DqnAgent
                {
                    nn.Module<Tensor, Tensor> online = null!, target = null!;

                    // Targets under no_grad, the loss outside: the usual, correct form.
                    void Update(Tensor states, Tensor next, Tensor rewards)
                    {
                        Tensor targets;
                        using (no_grad())
                        {
                            targets = rewards + 0.99 * target.call(next).amax(1);
                        }

                        var loss = nn.functional.mse_loss(online.call(states).amax(1), targets);
                        loss.backward();
                    }

                    // Computed before the scope, backward inside it: backward does not need grad mode.
                    void LateScope(Tensor x, Tensor y)
                    {
                        var loss = nn.functional.mse_loss(online.call(x), y);
                        using var _ = no_grad();
                        loss.backward();
                    }

                    // enable_grad() inside the no_grad scope switches recording back on.
                    void Reenabled(Tensor x, Tensor y)
                    {
                        using var _ = no_grad();
                        using var on = enable_grad();
                        var loss = nn.functional.mse_loss(online.call(x), y);
                        loss.backward();
                    }

                    // A no_grad scope in a lambda is not the method's.
                    void Lambda(Tensor x, Tensor y)
                    {
                        Func<Tensor> evaluate = () => { using var _ = no_grad(); return online.call(x); };
                        var loss = nn.functional.mse_loss(online.call(x), y);
                        loss.backward();
                    }

                    // A lambda's own 'loss', computed under its no_grad scope between the declaration and backward(),
                    // is another local: the method's loss is still the one computed with gradients on.
                    void Shadowed(Tensor x, Tensor y)
                    {
                        var loss = nn.functional.mse_loss(online.call(x), y);
                        Func<Tensor> validation = () => { using var _ = no_grad(); var loss = nn.functional.mse_loss(online.call(x), y); return loss; };
                        validation();
                        loss.backward();
                    }
                }
                """);
        }

        [Fact]
        public Task Fix_enables_gradients_from_the_first_forward_pass_that_feeds_the_loss()
        {
            // Statements before the first module call that feeds the loss stay gradient-free (the
            // returns below); a target network's forward that comes first is recorded too — every
            // module call feeding the loss must be, for the fix to be sure to repair backward().
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class C51Agent
                {
                    nn.Module<Tensor, Tensor> online = null!, target = null!;

                    void Update(Tensor states, Tensor rewards, Tensor nextValues)
                    {
                        using var _ = torch.no_grad();
                        var returns = rewards + 0.99 * nextValues;
                        var predicted = online.call(states).amax(1);
                        var loss = nn.functional.mse_loss(predicted, returns);
                        {|GL1006:loss.backward()|};
                    }

                    void TargetFirst(Tensor states, Tensor next, Tensor rewards)
                    {
                        using var _ = torch.no_grad();
                        var targets = rewards + 0.99 * target.call(next).amax(1);
                        var predicted = online.call(states).amax(1);
                        var loss = nn.functional.mse_loss(predicted, targets);
                        {|GL1006:loss.backward()|};
                    }

                    void Block(Tensor x, Tensor y)
                    {
                        using (torch.no_grad())
                        {
                            var gradients = 1;
                            var loss = nn.functional.mse_loss(online.call(x), y);
                            {|GL1006:loss.backward()|};
                        }
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class C51Agent
                {
                    nn.Module<Tensor, Tensor> online = null!, target = null!;

                    void Update(Tensor states, Tensor rewards, Tensor nextValues)
                    {
                        using var _ = torch.no_grad();
                        var returns = rewards + 0.99 * nextValues;
                        using var gradients = enable_grad();
                        var predicted = online.call(states).amax(1);
                        var loss = nn.functional.mse_loss(predicted, returns);
                        loss.backward();
                    }

                    void TargetFirst(Tensor states, Tensor next, Tensor rewards)
                    {
                        using var _ = torch.no_grad();
                        using var gradients = enable_grad();
                        var targets = rewards + 0.99 * target.call(next).amax(1);
                        var predicted = online.call(states).amax(1);
                        var loss = nn.functional.mse_loss(predicted, targets);
                        loss.backward();
                    }

                    void Block(Tensor x, Tensor y)
                    {
                        using (torch.no_grad())
                        {
                            var gradients = 1;
                            using var gradients2 = enable_grad();
                            var loss = nn.functional.mse_loss(online.call(x), y);
                            loss.backward();
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

                public class Trainer
                {
                    public void Step(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
                    {
                        using (no_grad())
                        {
                            var output = model.call(x);
                            var loss = nn.functional.mse_loss(output, y);
                            loss.backward();
                        }
                    }
                }
                """;
            await Compile.ApplyFixesAndCompareAsync(source, new BackwardUnderNoGradAnalyzer(), new BackwardUnderNoGradFixer(), "GL1006");
        }

        [Fact]
        public async Task Reports_in_a_script_with_top_level_statements()
        {
            const string script = """
                using TorchSharp;
                using static TorchSharp.torch;

                var model = nn.Linear(4, 1);
                using var _ = no_grad();
                var loss = nn.functional.mse_loss(model.call(randn(8, 4)), randn(8, 1));
                loss.backward();
                """;
            var compilation = Compile.Create(false, script).WithOptions(new CSharpCompilationOptions(OutputKind.ConsoleApplication));
            var diagnostics = await Compile.AllDiagnosticsAsync(compilation);
            Assert.Single(diagnostics, d => d.Id == "GL1006");
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        }

        [Fact]
        public void Why_it_matters_backward_on_a_loss_computed_under_no_grad_throws_and_enable_grad_repairs_it()
        {
            manual_seed(1);
            var model = nn.Linear(4, 1);
            var (x, y) = (randn(8, 4), randn(8, 1));
            Tensor loss;
            using (no_grad())
            {
                loss = nn.functional.mse_loss(model.call(x), y);
            }

            Assert.False(loss.requires_grad);
            var error = Assert.ThrowsAny<System.Exception>(() => loss.backward());
            Assert.Contains("does not require grad", error.Message);

            using (no_grad())
            {
                using var gradients = enable_grad();
                loss = nn.functional.mse_loss(model.call(x), y);
            }

            loss.backward();
            Assert.All(model.parameters(), p => { using var g = p.grad!; Assert.True(g.abs().sum().item<float>() > 0); });
        }
    }
}

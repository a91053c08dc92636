using System.Threading.Tasks;
using GradLint.Tests.Infrastructure;
using Xunit;
using Analyzer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.MissingGradientClippingAnalyzer>;
using Fixer = GradLint.Tests.Infrastructure.Verify<GradLint.Analyzers.Rules.MissingGradientClippingAnalyzer, GradLint.CodeFixes.Rules.MissingGradientClippingFixer>;

namespace GradLint.Tests.Rules
{
    /// <summary>GL1001 is risk-aware: a low-risk step (a classification loss, no exposure) is GL1007, a suggestion; an exposed one stays GL1001.</summary>
    public class GL1007MissingGradientClippingLowRiskTests
    {
        [Fact]
        public Task A_feed_forward_classifier_trained_with_cross_entropy_is_low_risk()
        {
            return Analyzer.AnalyzerAsync("""
                using System.Collections.Generic;
                using TorchSharp;
                using static TorchSharp.torch;

                class MnistNet : nn.Module<Tensor, Tensor>
                {
                    private readonly nn.Module<Tensor, Tensor> conv = nn.Conv2d(1, 8, 3), fc = nn.Linear(8 * 26 * 26, 10);
                    public MnistNet() : base(nameof(MnistNet)) => RegisterComponents();
                    public override Tensor forward(Tensor x) => fc.call(conv.call(x).relu().flatten(1));
                }

                class Trainer
                {
                    void Train(MnistNet model, optim.Optimizer optimizer, IEnumerable<(Tensor X, Tensor Y)> batches)
                    {
                        var criterion = nn.CrossEntropyLoss();
                        foreach (var (x, y) in batches)
                        {
                            optimizer.zero_grad();
                            criterion.call(model.call(x), y).backward();
                            {|GL1007:optimizer.step()|};
                        }
                    }

                    void Functional(MnistNet model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.cross_entropy(model.call(x), y).backward();
                        {|GL1007:optimizer.step()|};
                    }

                    // An escape in the function's text: read by a walk of its syntax instead of a search of its text.
                    void FunctionalWithAnEscape(MnistNet model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.cross_entropy(model.call(x), y).backward();
                        {|GL1007:optimizer.step()|};
                        System.Console.WriteLine("step\tdone");
                    }
                }
                """);
        }

        [Fact]
        public Task Recurrent_attention_reward_regression_and_GAN_steps_stay_GL1001()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class SentimentLstm : nn.Module<Tensor, Tensor>
                {
                    private readonly TorchSharp.Modules.LSTM lstm = nn.LSTM(32, 64);
                    private readonly nn.Module<Tensor, Tensor> head = nn.Linear(64, 2);
                    public SentimentLstm() : base(nameof(SentimentLstm)) => RegisterComponents();
                    public override Tensor forward(Tensor x) => head.call(lstm.call(x).Item1[-1]);
                }

                class Steps
                {
                    optim.Optimizer optimizer = null!, dOpt = null!, gOpt = null!;

                    // Classification, but a recurrent model: exposed.
                    void Recurrent(SentimentLstm model, Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.cross_entropy(model.call(x), y).backward();
                        {|GL1001:optimizer.step()|};
                    }

                    // Cross-entropy over actions weighted by returns: a policy gradient.
                    void Policy(nn.Module<Tensor, Tensor> policy, Tensor states, Tensor actions, Tensor returns)
                    {
                        optimizer.zero_grad();
                        (nn.functional.cross_entropy(policy.call(states), actions, reduction: nn.Reduction.None) * returns).mean().backward();
                        {|GL1001:optimizer.step()|};
                    }

                    // The same, read by a walk (an escape in the text).
                    void PolicyWithAnEscape(nn.Module<Tensor, Tensor> policy, Tensor states, Tensor actions, Tensor returns)
                    {
                        optimizer.zero_grad();
                        (nn.functional.cross_entropy(policy.call(states), actions, reduction: nn.Reduction.None) * returns).mean().backward();
                        {|GL1001:optimizer.step()|};
                        System.Console.WriteLine("step\tdone");
                    }

                    // A regression head next to the classifier: the error is unbounded.
                    void MultiTask(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Tensor z)
                    {
                        optimizer.zero_grad();
                        var output = model.call(x);
                        (nn.functional.cross_entropy(output, y) + nn.functional.mse_loss(output, z)).backward();
                        {|GL1001:optimizer.step()|};
                    }

                    // Two optimizers: a GAN's adversarial pair.
                    void Gan(nn.Module<Tensor, Tensor> d, nn.Module<Tensor, Tensor> g, Tensor real, Tensor noise)
                    {
                        dOpt.zero_grad();
                        nn.functional.binary_cross_entropy_with_logits(d.call(real), torch.ones(8, 1)).backward();
                        {|GL1001:dOpt.step()|};
                        gOpt.zero_grad();
                        nn.functional.binary_cross_entropy_with_logits(d.call(g.call(noise)), torch.ones(8, 1)).backward();
                        {|GL1001:gOpt.step()|};
                    }

                    // No loss GradLint recognises: it cannot say the step is safe.
                    void Custom(nn.Module<Tensor, Tensor> model, Tensor x)
                    {
                        optimizer.zero_grad();
                        model.call(x).pow(4).mean().backward();
                        {|GL1001:optimizer.step()|};
                    }
                }
                """);
        }

        [Fact]
        public Task An_attention_classifier_is_exposed()
        {
            return Analyzer.AnalyzerAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Steps
                {
                    optim.Optimizer optimizer = null!;

                    void Attention(Tensor q, Tensor k, Tensor v, Tensor y, nn.Module<Tensor, Tensor> head)
                    {
                        optimizer.zero_grad();
                        var attended = nn.functional.scaled_dot_product_attention(q, k, v);
                        nn.functional.cross_entropy(head.call(attended.mean(new long[] { 1 })), y).backward();
                        {|GL1001:optimizer.step()|};
                    }
                }
                """);
        }

        [Fact]
        public Task The_GL1001_fix_repairs_GL1007_too()
        {
            return Fixer.CodeFixAsync("""
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.cross_entropy(model.call(x), y).backward();
                        {|GL1007:optimizer.step()|};
                    }
                }
                """, """
                using TorchSharp;
                using static TorchSharp.torch;

                class Trainer
                {
                    void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
                    {
                        optimizer.zero_grad();
                        nn.functional.cross_entropy(model.call(x), y).backward();
                        nn.utils.clip_grad_norm_(optimizer.parameters(), max_norm: 1.0);
                        optimizer.step();
                    }
                }
                """);
        }
    }
}

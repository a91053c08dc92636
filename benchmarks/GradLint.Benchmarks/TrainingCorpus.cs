using System;
using System.Collections.Generic;
using System.Text;

namespace GradLint.Benchmarks
{
    /// <summary>
    /// Generates realistic TorchSharp training files: a model class (layers, forward with a dispose
    /// scope), data generation, evaluation, a custom loss and numerical helpers (log of
    /// probabilities, normalisation, log-sum-exp, binary cross-entropy; each safe or risky), and a
    /// training loop in one of several shapes — correct,
    /// no zero_grad, no clipping, misplaced zero_grad, clipping after step, gradient accumulation,
    /// LBFGS — with names and sizes varied by a fixed seed.
    /// </summary>
    public static class TrainingCorpus
    {
        public static List<(string Path, string Text)> Generate(int files, int seed = 2026)
        {
            var random = new Random(seed);
            var result = new List<(string, string)>(files);
            for (int i = 0; i < files; i++)
            {
                result.Add(($"Corpus/File{i:0000}.cs", File(i, random)));
            }

            return result;
        }

        private static readonly string[] Activations = { "relu", "tanh", "sigmoid", "gelu" };
        private static readonly string[] Optimizers = { "Adam(model.parameters(), lr)", "AdamW(model.parameters(), lr)", "SGD(model.parameters(), lr, momentum: 0.9)", "RMSProp(model.parameters(), lr)" };

        private static string File(int i, Random random)
        {
            var act = Activations[random.Next(Activations.Length)];
            var opt = Optimizers[random.Next(Optimizers.Length)];
            var hidden = 16 << random.Next(4);
            var shape = random.Next(7);
            var logTerm = new[] { "probabilities.clamp_min(1e-7).log()", "probabilities.log()", "logits.log_softmax(1)" }[random.Next(3)];
            var divisor = random.Next(2) == 0 ? "(features.norm() + 1e-8)" : "features.norm()";
            var logSumExp = random.Next(2) == 0 ? "logits.logsumexp(1, true)" : "logits.exp().sum(1, true).log()";
            var bce = random.Next(2) == 0 ? "binary_cross_entropy_with_logits(logits, target)" : "binary_cross_entropy(logits.sigmoid(), target)";
            var sb = new StringBuilder();
            sb.Append($$"""
                using System;
                using System.Collections.Generic;
                using System.Linq;
                using TorchSharp;
                using static TorchSharp.torch;

                namespace Corpus.Project{{i % 37}}
                {
                    public sealed class Net{{i}} : nn.Module<Tensor, Tensor>
                    {
                        private readonly TorchSharp.Modules.Linear fc1, fc2, fc3;
                        private readonly TorchSharp.Modules.Dropout drop;

                        public Net{{i}}(int inputs, int hidden) : base(nameof(Net{{i}}))
                        {
                            fc1 = nn.Linear(inputs, hidden);
                            fc2 = nn.Linear(hidden, hidden);
                            fc3 = nn.Linear(hidden, 1);
                            drop = nn.Dropout(0.1);
                            RegisterComponents();
                        }

                        public override Tensor forward(Tensor x)
                        {
                            using var scope = NewDisposeScope();
                            var h = nn.functional.{{act}}(fc1.forward(x));
                            h = drop.forward(nn.functional.{{act}}(fc2.forward(h)));
                            return fc3.forward(h).MoveToOuterDisposeScope();
                        }
                    }

                    public static class Trainer{{i}}
                    {
                        public static (Tensor X, Tensor Y) MakeData(int rows, int inputs, long seed)
                        {
                            manual_seed(seed);
                            var x = randn(rows, inputs);
                            var w = randn(inputs, 1) / Math.Sqrt(inputs);
                            var y = (x.matmul(w) + 0.1 * randn(rows, 1)).tanh();
                            return (x, y);
                        }

                        public static double Evaluate(Net{{i}} model, Tensor x, Tensor y)
                        {
                            using var noGrad = no_grad();
                            model.eval();
                            var loss = nn.functional.mse_loss(model.call(x), y).item<float>();
                            model.train();
                            return loss;
                        }

                        public static Tensor CustomLoss(Tensor prediction, Tensor target, double weight)
                        {
                            var mse = (prediction - target).pow(2).mean();
                            var l1 = (prediction - target).abs().mean();
                            return mse + weight * l1;
                        }

                        public static Tensor Numerics(Tensor logits, Tensor target, Tensor features)
                        {
                            var probabilities = logits.softmax(1);
                            var nll = -(target * {{logTerm}}).sum(1).mean();
                            var normalized = features / {{divisor}};
                            var lse = {{logSumExp}};
                            var bce = nn.functional.{{bce}};
                            var distance = (features - normalized).pow(2).sum(1).add(1e-12).sqrt();
                            return nll + normalized.mean() + lse.mean() + bce + distance.mean();
                        }

                        public static IEnumerable<(Tensor X, Tensor Y)> Batches(Tensor x, Tensor y, int batch)
                        {
                            for (long start = 0; start < x.shape[0]; start += batch)
                            {
                                var length = Math.Min(batch, x.shape[0] - start);
                                yield return (x.narrow(0, start, length), y.narrow(0, start, length));
                            }
                        }

                        public static double Train(int epochs, int batch, double lr)
                        {
                            var model = new Net{{i}}(16, {{hidden}});
                            var optimizer = optim.{{opt}};
                            var (x, y) = MakeData(512, 16, {{i}});
                            double last = 0;
                            for (int epoch = 0; epoch < epochs; epoch++)
                            {

                """);
            sb.Append(Loop(shape));
            sb.Append($$"""
                                Console.WriteLine($"epoch {epoch}: loss {last:F4}, eval {Evaluate(model, x, y):F4}");
                            }

                            return last;
                        }
                    }
                }

                """);
            return sb.ToString();
        }

        private static string Loop(int shape) => shape switch
        {
            0 => """
                                foreach (var (xb, yb) in Batches(x, y, batch))
                                {
                                    using var scope = NewDisposeScope();
                                    optimizer.zero_grad();
                                    var loss = nn.functional.mse_loss(model.call(xb), yb);
                                    loss.backward();
                                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                                    optimizer.step();
                                    last = loss.item<float>();
                                }

                """,
            1 => """
                                foreach (var (xb, yb) in Batches(x, y, batch))
                                {
                                    using var scope = NewDisposeScope();
                                    var loss = CustomLoss(model.call(xb), yb, 0.1);
                                    loss.backward();
                                    optimizer.step();
                                    last = loss.item<float>();
                                }

                """,
            2 => """
                                for (long start = 0; start < x.shape[0]; start += batch)
                                {
                                    using (NewDisposeScope())
                                    {
                                        optimizer.zero_grad();
                                        var prediction = model.forward(x.narrow(0, start, Math.Min(batch, x.shape[0] - start)));
                                        var loss = nn.functional.mse_loss(prediction, y.narrow(0, start, prediction.shape[0]));
                                        loss.backward();
                                        optimizer.step();
                                        last = loss.item<float>();
                                    }
                                }

                """,
            3 => """
                                foreach (var (xb, yb) in Batches(x, y, batch))
                                {
                                    using var scope = NewDisposeScope();
                                    var loss = nn.functional.mse_loss(model.call(xb), yb);
                                    loss.backward();
                                    optimizer.zero_grad();
                                    optimizer.step();
                                    last = loss.item<float>();
                                }

                """,
            4 => """
                                foreach (var (xb, yb) in Batches(x, y, batch))
                                {
                                    using var scope = NewDisposeScope();
                                    optimizer.zero_grad();
                                    var loss = nn.functional.mse_loss(model.call(xb), yb);
                                    loss.backward();
                                    optimizer.step();
                                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                                    last = loss.item<float>();
                                }

                """,
            5 => """
                                int k = 0;
                                foreach (var (xb, yb) in Batches(x, y, batch))
                                {
                                    using var scope = NewDisposeScope();
                                    var loss = nn.functional.mse_loss(model.call(xb), yb) / 4;
                                    loss.backward();
                                    if (++k % 4 == 0)
                                    {
                                        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                                        optimizer.step();
                                        optimizer.zero_grad();
                                    }

                                    last = loss.item<float>() * 4;
                                }

                """,
            _ => """
                                var lbfgs = optim.LBFGS(model.parameters());
                                lbfgs.step(() =>
                                {
                                    lbfgs.zero_grad();
                                    var loss = nn.functional.mse_loss(model.call(x), y);
                                    loss.backward();
                                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                                    last = loss.item<float>();
                                    return loss;
                                });

                """,
        };
    }
}

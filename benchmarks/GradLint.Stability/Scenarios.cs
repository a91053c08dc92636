using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GradLint.Stability
{
    /// <summary>
    /// The suite's explosion scenarios. Each is a distinct cause (outlier data, a learning rate too
    /// high, depth, recurrence, attention, a loss that produces NaN, a precision) on its own
    /// architecture. Data come from the seed; outliers are part of the data, nothing is injected into
    /// gradients. None of these was used to write the runtime's tests.
    /// </summary>
    public static class Scenarios
    {
        public static IReadOnlyList<Scenario> All { get; } = new[]
        {
            new Scenario("tanh-mlp-outliers", "deep tanh MLP, SGD+momentum, rare batches with inputs x60", s => new RegressionTask(s, Mlp(8, 64, 5, () => nn.Tanh()), m => optim.SGD(m.parameters(), 0.01, momentum: 0.9), outlierBatchRate: 0.02, outlierScale: 60)),
            new Scenario("early-spikes", "ReLU MLP, SGD+momentum, outlier batches (x50) at steps 3-20", s => new RegressionTask(s, Mlp(8, 64, 3, () => nn.ReLU()), m => optim.SGD(m.parameters(), 0.01, momentum: 0.9), outlierSteps: new[] { 3, 6, 11, 19 }, outlierScale: 50)),
            new Scenario("tanh-mlp-lr-30x", "tanh MLP, SGD learning rate 30x too high (slow divergence)", s => new RegressionTask(s, Mlp(8, 64, 3, () => nn.Tanh()), m => optim.SGD(m.parameters(), 1.5, momentum: 0.9)), RateTooHighBy: 30),
            new Scenario("sigmoid-deep", "8-layer sigmoid MLP, no normalisation, SGD high LR", s => new RegressionTask(s, Mlp(8, 64, 8, () => nn.Sigmoid()), m => optim.SGD(m.parameters(), 0.5, momentum: 0.9))),
            new Scenario("rnn-long", "Elman RNN, 60-step sequences, SGD high LR", s => new SequenceTask(s, lstm: false, m => optim.SGD(m.parameters(), 0.3, momentum: 0.9))),
            new Scenario("lstm-long", "LSTM, 60-step sequences, SGD LR too high", s => new SequenceTask(s, lstm: true, m => optim.SGD(m.parameters(), 3.0, momentum: 0.9))),
            new Scenario("cnn-outlier-images", "small CNN on generated images, outlier images (x40) early", s => new ImageTask(s)),
            new Scenario("attention-adam", "self-attention block, Adam lr 0.01, rare outlier tokens (x30)", s => new AttentionTask(s)),
            new Scenario("nan-loss", "hand-written BCE: saturated batches make log(1-p) = -Inf", s => new NanLossTask(s)),
            new Scenario("large-norms", "targets in the thousands: natural gradient norms ~100-1000, no explosion; cosine-annealed rate", s => new RegressionTask(s, Mlp(8, 32, 2, () => nn.ReLU()), m => optim.SGD(m.parameters(), 1e-5, momentum: 0.9), targetScale: 1000, cosineSchedule: true)),
            new Scenario("bf16-mlp-outliers", "bf16 model, SGD+momentum, outlier batches (x60)", s => new RegressionTask(s, Mlp(8, 64, 3, () => nn.Tanh()), m => optim.SGD(m.parameters(), 0.01, momentum: 0.9), outlierBatchRate: 0.03, outlierScale: 60, dtype: ScalarType.BFloat16)),
            new Scenario("adam-lr-50x", "ReLU MLP, Adam learning rate 50x too high: clipping cannot help", s => new RegressionTask(s, Mlp(8, 64, 3, () => nn.ReLU()), m => optim.Adam(m.parameters(), 0.05)), RateTooHighBy: 50),
            new Scenario("sgd-lr-40x", "ReLU MLP, SGD learning rate 40x too high: clipping too slow", s => new RegressionTask(s, Mlp(8, 64, 3, () => nn.ReLU()), m => optim.SGD(m.parameters(), 0.4, momentum: 0.9)), RateTooHighBy: 40),
        };

        /// <summary>An MLP: input → hidden (depth layers, activation each) → 1.</summary>
        public static Func<nn.Module<Tensor, Tensor>> Mlp(int input, int width, int depth, Func<nn.Module<Tensor, Tensor>> activation) => () =>
        {
            var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
            var from = input;
            for (int i = 0; i < depth; i++)
            {
                layers.Add(($"fc{i + 1}", nn.Linear(from, width)));
                layers.Add(($"act{i + 1}", activation()));
                from = width;
            }

            layers.Add(("out", nn.Linear(from, 1)));
            return nn.Sequential(layers.ToArray());
        };

        /// <summary>Regression on a smooth teacher: y = targetScale · sin(x · w).</summary>
        private sealed class RegressionTask : StabilityTask
        {
            private const int BatchSize = 32;
            private readonly Func<nn.Module<Tensor, Tensor>> model;
            private readonly Func<nn.Module, optim.Optimizer> optimizer;
            private readonly ScalarType dtype;
            private readonly bool cosineSchedule;
            private readonly List<(Tensor, Tensor)> batches = new List<(Tensor, Tensor)>();

            public RegressionTask(int seed, Func<nn.Module<Tensor, Tensor>> model, Func<nn.Module, optim.Optimizer> optimizer,
                double outlierBatchRate = 0, double outlierScale = 1, int[]? outlierSteps = null, double targetScale = 1, ScalarType dtype = ScalarType.Float32, bool cosineSchedule = false)
                : base(seed)
            {
                this.model = model;
                this.cosineSchedule = cosineSchedule;
                this.optimizer = optimizer;
                this.dtype = dtype;
                using var scope = NewDisposeScope();
                var generator = new Generator((ulong)seed);
                var teacher = randn(8, 1, generator: generator);
                (Tensor, Tensor) Sample(int rows)
                {
                    var x = randn(rows, 8, generator: generator);
                    var y = (x.matmul(teacher) * 0.5).sin() * targetScale + 0.05 * targetScale * randn(rows, 1, generator: generator);
                    return (x, y);
                }

                var random = new Random(seed);
                for (int step = 1; step <= Steps; step++)
                {
                    var (x, y) = Sample(BatchSize);
                    var outlier = outlierSteps is not null ? outlierSteps.Contains(step) : random.NextDouble() < outlierBatchRate;
                    if (outlier)
                    {
                        x[TensorIndex.Slice(0, 4)] *= outlierScale;   // a few glitched rows; targets stay as measured
                    }

                    batches.Add((Keep(x.to(dtype)), Keep(y.to(dtype))));
                }

                var (hx, hy) = Sample(512);
                HeldOut = (Keep(hx.to(dtype)), Keep(hy.to(dtype)));
            }

            public override (Tensor Input, Tensor Target) HeldOut { get; }

            public override nn.Module CreateModel() => model().to(dtype);

            public override optim.Optimizer CreateOptimizer(nn.Module m) => optimizer(m);

            // Annealed to 0 over the run: the held-out figure is then read where training has settled.
            // At a constant rate this task's last-step loss wanders: nudging one step's gradients by
            // 0.1% moved plain SGD's held-out loss by up to 1.31x (the "nudged" control row shows it).
            public override optim.lr_scheduler.LRScheduler? CreateScheduler(optim.Optimizer o) =>
                cosineSchedule ? optim.lr_scheduler.CosineAnnealingLR(o, Steps) : null;

            public override (Tensor Input, Tensor Target) Batch(int step) => batches[step - 1];

            public override Tensor Loss(nn.Module m, Tensor input, Tensor target) => F.mse_loss(((nn.Module<Tensor, Tensor>)m).call(input), target);
        }

        /// <summary>Sequence regression: the mean of the first input channel over 60 steps, read at the end.</summary>
        private sealed class SequenceTask : StabilityTask
        {
            private const int Length = 60, BatchSize = 16;
            private readonly bool lstm;
            private readonly Func<nn.Module, optim.Optimizer> optimizer;
            private readonly List<(Tensor, Tensor)> batches = new List<(Tensor, Tensor)>();

            public SequenceTask(int seed, bool lstm, Func<nn.Module, optim.Optimizer> optimizer) : base(seed)
            {
                this.lstm = lstm;
                this.optimizer = optimizer;
                using var scope = NewDisposeScope();
                var generator = new Generator((ulong)seed);
                (Tensor, Tensor) Sample(int rows)
                {
                    var x = randn(rows, Length, 4, generator: generator);
                    var y = x[.., .., 0].mean(new long[] { 1 }, keepdim: true) * 3;
                    return (x, y);
                }

                for (int step = 1; step <= Steps; step++)
                {
                    var (x, y) = Sample(BatchSize);
                    batches.Add((Keep(x), Keep(y)));
                }

                var (hx, hy) = Sample(256);
                HeldOut = (Keep(hx), Keep(hy));
            }

            public override int Steps => 200;

            public override (Tensor Input, Tensor Target) HeldOut { get; }

            public override nn.Module CreateModel() => new Recurrent(lstm);

            public override optim.Optimizer CreateOptimizer(nn.Module m) => optimizer(m);

            public override (Tensor Input, Tensor Target) Batch(int step) => batches[step - 1];

            public override Tensor Loss(nn.Module m, Tensor input, Tensor target) => F.mse_loss(((Recurrent)m).call(input), target);

            private sealed class Recurrent : nn.Module<Tensor, Tensor>
            {
                private readonly RNN? rnn;
                private readonly LSTM? lstm;
                private readonly Linear head;

                public Recurrent(bool useLstm) : base(useLstm ? "lstm" : "rnn")
                {
                    if (useLstm) lstm = nn.LSTM(4, 32, batchFirst: true);
                    else rnn = nn.RNN(4, 32, batchFirst: true);
                    head = nn.Linear(32, 1);
                    RegisterComponents();
                }

                public override Tensor forward(Tensor input)
                {
                    var output = lstm is not null ? lstm.call(input).Item1 : rnn!.call(input, null).Item1;
                    return head.call(output[.., -1, ..]);
                }
            }
        }

        /// <summary>Four classes of 12×12 images (a bar in one of four orientations, plus noise); outlier images ×40 early.</summary>
        private sealed class ImageTask : StabilityTask
        {
            private const int BatchSize = 32;
            private readonly List<(Tensor, Tensor)> batches = new List<(Tensor, Tensor)>();

            public ImageTask(int seed) : base(seed)
            {
                using var scope = NewDisposeScope();
                var generator = new Generator((ulong)seed);
                var patterns = zeros(4, 12, 12);
                for (int i = 2; i < 10; i++)
                {
                    patterns[0, 6, i] = 1; patterns[1, i, 6] = 1; patterns[2, i, i] = 1; patterns[3, i, 11 - i] = 1;
                }

                (Tensor, Tensor) Sample(int rows)
                {
                    var labels = randint(0, 4, new long[] { rows }, generator: generator);
                    var images = patterns.index_select(0, labels) + 0.5 * randn(rows, 12, 12, generator: generator);
                    return (images.unsqueeze(1), labels);
                }

                var random = new Random(seed);
                for (int step = 1; step <= Steps; step++)
                {
                    var (x, y) = Sample(BatchSize);
                    if (step <= 40 && random.NextDouble() < 0.25)
                    {
                        x[TensorIndex.Slice(0, 3)] *= 40;   // over-exposed images
                    }

                    batches.Add((Keep(x), Keep(y)));
                }

                var (hx, hy) = Sample(512);
                HeldOut = (Keep(hx), Keep(hy));
            }

            public override (Tensor Input, Tensor Target) HeldOut { get; }

            public override nn.Module CreateModel() => nn.Sequential(
                ("conv1", nn.Conv2d(1, 8, 3, padding: 1)), ("relu1", nn.ReLU()), ("pool", nn.MaxPool2d(2)),
                ("conv2", nn.Conv2d(8, 16, 3, padding: 1)), ("relu2", nn.ReLU()), ("flatten", nn.Flatten()),
                ("fc", nn.Linear(16 * 6 * 6, 4)));

            public override optim.Optimizer CreateOptimizer(nn.Module m) => optim.SGD(m.parameters(), 0.05, momentum: 0.9);

            public override (Tensor Input, Tensor Target) Batch(int step) => batches[step - 1];

            public override Tensor Loss(nn.Module m, Tensor input, Tensor target) => F.cross_entropy(((nn.Module<Tensor, Tensor>)m).call(input), target);
        }

        /// <summary>One self-attention block over 8 tokens of 16 features; the target is a smooth function of the token mean.</summary>
        private sealed class AttentionTask : StabilityTask
        {
            private const int BatchSize = 32, Tokens = 8, Width = 16;
            private readonly List<(Tensor, Tensor)> batches = new List<(Tensor, Tensor)>();

            public AttentionTask(int seed) : base(seed)
            {
                using var scope = NewDisposeScope();
                var generator = new Generator((ulong)seed);
                var w = randn(Width, 1, generator: generator);
                (Tensor, Tensor) Sample(int rows)
                {
                    var x = randn(rows, Tokens, Width, generator: generator);
                    var y = (x.amax(1).matmul(w) * 0.3).tanh();
                    return (x, y);
                }

                var random = new Random(seed);
                for (int step = 1; step <= Steps; step++)
                {
                    var (x, y) = Sample(BatchSize);
                    if (random.NextDouble() < 0.03)
                    {
                        x[0, 0] *= 30;   // one corrupted token
                    }

                    batches.Add((Keep(x), Keep(y)));
                }

                var (hx, hy) = Sample(512);
                HeldOut = (Keep(hx), Keep(hy));
            }

            public override (Tensor Input, Tensor Target) HeldOut { get; }

            public override nn.Module CreateModel() => new AttentionBlock();

            public override optim.Optimizer CreateOptimizer(nn.Module m) => optim.Adam(m.parameters(), 0.01);

            public override (Tensor Input, Tensor Target) Batch(int step) => batches[step - 1];

            public override Tensor Loss(nn.Module m, Tensor input, Tensor target) => F.mse_loss(((AttentionBlock)m).call(input), target);

            private sealed class AttentionBlock : nn.Module<Tensor, Tensor>
            {
                private readonly Linear q = nn.Linear(Width, Width), k = nn.Linear(Width, Width), v = nn.Linear(Width, Width), ff = nn.Linear(Width, Width), head = nn.Linear(Width, 1);

                public AttentionBlock() : base("attention") => RegisterComponents();

                public override Tensor forward(Tensor x)
                {
                    var scores = q.call(x).matmul(k.call(x).transpose(1, 2)) / Math.Sqrt(Width);
                    var attended = F.softmax(scores, -1).matmul(v.call(x)) + x;
                    var hidden = F.relu(ff.call(attended)) + attended;
                    return head.call(hidden.mean(new long[] { 1 }));
                }
            }
        }

        /// <summary>
        /// Binary classification with a hand-written cross-entropy on sigmoid outputs. Some batches hold
        /// saturated inputs (x200): p rounds to exactly 1, log(1 - p) is -Inf and the gradient NaN.
        /// </summary>
        private sealed class NanLossTask : StabilityTask
        {
            private const int BatchSize = 32;
            private readonly List<(Tensor, Tensor)> batches = new List<(Tensor, Tensor)>();

            public NanLossTask(int seed) : base(seed)
            {
                using var scope = NewDisposeScope();
                var generator = new Generator((ulong)seed);
                var w = randn(8, 1, generator: generator);
                (Tensor, Tensor) Sample(int rows)
                {
                    var x = randn(rows, 8, generator: generator);
                    var y = (x.matmul(w) > 0).to(ScalarType.Float32);
                    return (x, y);
                }

                var random = new Random(seed);
                for (int step = 1; step <= Steps; step++)
                {
                    var (x, y) = Sample(BatchSize);
                    if (random.NextDouble() < 0.05)
                    {
                        x *= 200;
                    }

                    batches.Add((Keep(x), Keep(y)));
                }

                var (hx, hy) = Sample(512);
                HeldOut = (Keep(hx), Keep(hy));
            }

            public override (Tensor Input, Tensor Target) HeldOut { get; }

            public override nn.Module CreateModel() => Mlp(8, 32, 2, () => nn.ReLU())();

            public override optim.Optimizer CreateOptimizer(nn.Module m) => optim.SGD(m.parameters(), 0.1, momentum: 0.9);

            public override (Tensor Input, Tensor Target) Batch(int step) => batches[step - 1];

            public override Tensor Loss(nn.Module m, Tensor input, Tensor target)
            {
                var p = torch.sigmoid(((nn.Module<Tensor, Tensor>)m).call(input));
                return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean();
            }

            public override Tensor EvaluationLoss(nn.Module m, Tensor input, Tensor target) =>
                F.binary_cross_entropy_with_logits(((nn.Module<Tensor, Tensor>)m).call(input), target);
        }
    }
}

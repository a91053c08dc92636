using TorchSharp;
using static TorchSharp.torch;

namespace GradLint.Demo
{
    /// <summary>
    /// The runtime part's task: regression from 16 sensor readings with a deep ReLU MLP and plain
    /// SGD with momentum. A few readings are glitches — a sensor reports 30× its value (p = 0.5%
    /// per sample, so about one batch in four holds one). The learning rate is fine for clean
    /// batches; a glitched batch sends a gradient two orders of magnitude larger, and one such
    /// step is enough to throw an unprotected model's weights into overflow. Nothing is injected:
    /// the explosion comes from the data and the optimizer alone.
    /// </summary>
    public sealed class TrainingTask : IDisposable
    {
        public const int Features = 16;
        public const int BatchSize = 64;
        public const double LearningRate = 0.02;
        public const double Momentum = 0.9;
        public const double GlitchProbability = 0.005;
        public const double GlitchScale = 30;

        private readonly Generator generator;
        private readonly Tensor teacher;

        /// <summary>A task whose batches and model initialisation are fixed by <paramref name="seed"/>.</summary>
        public TrainingTask(int seed)
        {
            Seed = seed;
            generator = new Generator((ulong)seed + 1_000);
            teacher = randn(Features, 1, generator: generator);
        }

        public int Seed { get; }

        /// <summary>The same initial weights for every run of this seed.</summary>
        public nn.Module<Tensor, Tensor> CreateModel()
        {
            manual_seed(Seed);
            return nn.Sequential(
                ("fc1", nn.Linear(Features, 128)), ("relu1", nn.ReLU()),
                ("fc2", nn.Linear(128, 128)), ("relu2", nn.ReLU()),
                ("fc3", nn.Linear(128, 128)), ("relu3", nn.ReLU()),
                ("out", nn.Linear(128, 1)));
        }

        /// <summary>The next training batch: inputs as the sensors report them (glitches included) and clean targets.</summary>
        public (Tensor Inputs, Tensor Targets) NextBatch()
        {
            var clean = randn(BatchSize, Features, generator: generator);
            var glitched = (rand(BatchSize, 1, generator: generator) < GlitchProbability).to(float32);
            return (clean * (1 + glitched * (GlitchScale - 1)), Target(clean));
        }

        /// <summary>A held-out, glitch-free set to judge the trained model on (drawn from its own generator).</summary>
        public (Tensor Inputs, Tensor Targets) HeldOut(int count = 2048)
        {
            using var heldOut = new Generator((ulong)Seed + 2_000);
            var inputs = randn(count, Features, generator: heldOut);
            return (inputs, Target(inputs));
        }

        /// <summary>Releases the teacher weights and the generator (native memory).</summary>
        public void Dispose()
        {
            teacher.Dispose();
            generator.Dispose();
        }

        private Tensor Target(Tensor x) => (x.matmul(teacher) / 4).sin() + 0.5 * x.narrow(1, 0, 1) * x.narrow(1, 1, 1);
    }
}

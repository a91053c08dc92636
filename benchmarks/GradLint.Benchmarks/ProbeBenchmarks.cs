using System.Linq;
using BenchmarkDotNet.Attributes;
using static TorchSharp.torch;

namespace GradLint.Benchmarks
{
    /// <summary>
    /// One training step (zero_grad, forward, backward, step) of a 12-layer MLP on CPU, with and
    /// without an observing GradientProbe (23 hooked modules: 12 Linear, 11 ReLU). Baseline: the
    /// same step without the probe.
    /// </summary>
    [MedianColumn]
    public class ProbeBenchmarks
    {
        private nn.Module<Tensor, Tensor> plainModel = null!, probedModel = null!;
        private optim.Optimizer plainOptimizer = null!, probedOptimizer = null!;
        private GradientProbe probe = null!;
        private Tensor x = null!, y = null!;

        [GlobalSetup]
        public void Setup()
        {
            set_num_threads(1);   // see GuardStepBenchmarks
            plainModel = Mlp();
            probedModel = Mlp();
            plainOptimizer = optim.SGD(plainModel.parameters(), 1e-3);
            probedOptimizer = optim.SGD(probedModel.parameters(), 1e-3);
            probe = GradientProbe.Attach(probedModel);
            manual_seed(2);
            x = randn(128, 256);
            y = randn(128, 1);
        }

        private static nn.Module<Tensor, Tensor> Mlp()
        {
            manual_seed(1);
            var layers = Enumerable.Range(0, 12).SelectMany(i => i < 11
                    ? new[] { ($"fc{i}", (nn.Module<Tensor, Tensor>)nn.Linear(256, 256)), ($"act{i}", nn.ReLU()) }
                    : new[] { ($"fc{i}", (nn.Module<Tensor, Tensor>)nn.Linear(256, 1)) })
                .ToArray();
            return nn.Sequential(layers);
        }

        private void Step(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            optimizer.step();
        }

        [Benchmark(Baseline = true, Description = "training step, no probe")]
        public void WithoutProbe() => Step(plainModel, plainOptimizer);

        [Benchmark(Description = "training step, observing probe")]
        public void WithProbe() => Step(probedModel, probedOptimizer);

        [Benchmark(Description = "training step, observing probe + report read")]
        public int WithProbeAndReport()
        {
            Step(probedModel, probedOptimizer);
            return probe.LastBackward.Count;   // the one host read, as a guard or logger would do
        }
    }
}

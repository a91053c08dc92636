using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GradLint.Benchmarks
{
    /// <summary>
    /// The cost of one optimizer step on CPU with and without protection, for MLPs of about 1M and
    /// 25M parameters. Every case restores the same gradients before it runs (IterationSetup, not
    /// measured), so clipping really happens each time: the gradient norm is about 10× the limit.
    /// Baseline: TorchSharp's clip_grad_norm_ + step, the peer the guard replaces.
    /// </summary>
    [MemoryDiagnoser(false)]
    [MedianColumn]
    public class GuardStepBenchmarks
    {
        private const double MaxNorm = 1.0;
        private nn.Module<Tensor, Tensor> model = null!;
        private List<Parameter> parameters = null!;
        private List<Tensor> savedGrads = null!;
        private optim.Optimizer plain = null!;
        private GuardedOptimizer fixedNorm = null!, zScore = null!, percentile = null!, unitWise = null!, none = null!, adaptive = null!, guardDefault = null!;

        /// <summary>Parameters, in millions.</summary>
        [Params(1, 25)]
        public int Millions { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            // One LibTorch thread: on a 2-core machine, OpenMP workers competing with the benchmark
            // thread make the timings swing more than the differences being measured.
            set_num_threads(1);
            manual_seed(1);
            model = Millions == 1
                ? nn.Sequential(nn.Linear(1024, 768), nn.ReLU(), nn.Linear(768, 256), nn.ReLU(), nn.Linear(256, 10))
                : nn.Sequential(nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 2048), nn.ReLU(), nn.Linear(2048, 10));
            parameters = model.parameters().ToList();

            using (var scope = NewDisposeScope())
            {
                var x = randn(32, Millions == 1 ? 1024 : 4096);
                model.call(x).pow(2).sum().backward();
            }

            // Scale the gradients so that their total norm is 10 × MaxNorm: every policy clips.
            var norm = nn.utils.clip_grad_norm_(parameters, 1e30);
            savedGrads = parameters.Select(p =>
            {
                using var g = p.grad!;
                return (g * (10 * MaxNorm / norm)).DetachFromDisposeScope();
            }).ToList();

            plain = optim.Adam(parameters, 1e-4);
            fixedNorm = Guard(ClippingPolicy.FixedNorm(MaxNorm));
            zScore = Guard(ClippingPolicy.ZScore(warmupSteps: 1, maxNorm: MaxNorm));
            percentile = Guard(ClippingPolicy.Percentile());
            unitWise = Guard(ClippingPolicy.UnitWise());
            none = Guard(ClippingPolicy.None);
            adaptive = Guard(ClippingPolicy.Adaptive());
            guardDefault = optim.Adam(parameters, 1e-4).WithGradientGuard(model: model);   // Adaptive + repair (snapshots)
        }

        // Each policy alone: repair off, so the rows measure the policy, not the snapshots.
        private GuardedOptimizer Guard(ClippingPolicy policy) =>
            optim.Adam(parameters, 1e-4).WithGradientGuard(new GuardOptions { Clipping = policy, Repair = new RepairOptions { Enabled = false } }, model);

        [IterationSetup]
        public void RestoreGradients()
        {
            using var scope = NewDisposeScope();
            foreach (var (p, saved) in parameters.Zip(savedGrads))
            {
                using var g = p.grad!;
                g.copy_(saved);
            }
        }

        [Benchmark(Description = "inner step() alone")]
        public void InnerStepAlone() => plain.step();

        [Benchmark(Baseline = true, Description = "clip_grad_norm_ + step()")]
        public void ClipGradNormThenStep()
        {
            nn.utils.clip_grad_norm_(parameters, MaxNorm);
            plain.step();
        }

        [Benchmark(Description = "floor: read every grad once + step()")]
        public void FloorOneReadPassThenStep()
        {
            using (var scope = NewDisposeScope())
            {
                foreach (var p in parameters)
                {
                    using var g = p.grad!;
                    linalg.vector_norm(g, 2, null, false);
                }
            }

            plain.step();
        }

        [Benchmark(Description = "guard None")]
        public void GuardNone() => none.step();

        [Benchmark(Description = "guard FixedNorm")]
        public void GuardFixedNorm() => fixedNorm.step();

        [Benchmark(Description = "guard ZScore")]
        public void GuardZScore() => zScore.step();

        [Benchmark(Description = "guard Percentile")]
        public void GuardPercentile() => percentile.step();

        [Benchmark(Description = "guard Adaptive (repair off)")]
        public void GuardAdaptive() => adaptive.step();

        [Benchmark(Description = "guard default: Adaptive + repair")]
        public void GuardDefault() => guardDefault.step();

        [Benchmark(Description = "guard UnitWise (AGC)")]
        public void GuardUnitWise() => unitWise.step();
    }
}

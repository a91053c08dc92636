using TorchSharp;
using static TorchSharp.torch;

namespace GradLint.Stability
{
    /// <summary>
    /// One training problem of the suite: a model, an optimizer, batches (all generated from the seed,
    /// so every protection sees the same data and the same initial weights) and a held-out loss.
    /// </summary>
    public abstract class StabilityTask : IDisposable
    {
        private readonly List<Tensor> owned = new List<Tensor>();

        protected StabilityTask(int seed) => Seed = seed;

        public int Seed { get; }

        public virtual int Steps => 300;

        public abstract nn.Module CreateModel();

        public abstract optim.Optimizer CreateOptimizer(nn.Module model);

        /// <summary>The learning-rate schedule the task trains with, built on the optimizer each run steps
        /// (the guard, when there is one, as a user would); stepped once after every step. None by default.</summary>
        public virtual optim.lr_scheduler.LRScheduler? CreateScheduler(optim.Optimizer optimizer) => null;

        /// <summary>The training batch of a 1-based step.</summary>
        public abstract (Tensor Input, Tensor Target) Batch(int step);

        public abstract Tensor Loss(nn.Module model, Tensor input, Tensor target);

        /// <summary>The loss the held-out figure uses; the training loss unless that one is unsafe by design.</summary>
        public virtual Tensor EvaluationLoss(nn.Module model, Tensor input, Tensor target) => Loss(model, input, target);

        /// <summary>Loss on held-out data from the same (clean) distribution.</summary>
        public abstract (Tensor Input, Tensor Target) HeldOut { get; }

        /// <summary>Keeps a tensor alive for the task's lifetime (data made once).</summary>
        protected Tensor Keep(Tensor t)
        {
            owned.Add(t.DetachFromDisposeScope());
            return t;
        }

        public void Dispose()
        {
            foreach (var t in owned)
            {
                t.Dispose();
            }

            owned.Clear();
        }
    }

    /// <summary>A scenario: a named cause of explosion and how to build its task for a seed.</summary>
    /// <param name="RateTooHighBy">For a scenario whose learning rate is too high by a known factor, that factor:
    /// the suite also trains it at the rate divided by it (no protection), the "correctly tuned run" repair is judged against.</param>
    public sealed record Scenario(string Name, string Cause, Func<int, StabilityTask> Create, double RateTooHighBy = 0);
}

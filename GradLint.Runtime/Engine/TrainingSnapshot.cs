using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GradLint.Engine
{
    /// <summary>
    /// A known-good copy of the weights, the model's buffers (BatchNorm statistics), the optimizer's
    /// state and the clipping policy's statistics, taken at one step and restored bit for bit by a
    /// repair. Weights and buffers are copied on their device or to the host
    /// (<see cref="SnapshotLocation"/>); the optimizer's state goes through TorchSharp's own
    /// <c>save_state_dict</c> into host memory (LBFGS keeps its state natively: only weights are kept).
    /// </summary>
    internal sealed class TrainingSnapshot : IDisposable
    {
        private readonly List<Tensor> weights;
        private readonly List<Tensor> buffers;
        private readonly byte[]? optimizerState;
        private readonly byte[] policyState;

        private TrainingSnapshot(long step, List<Tensor> weights, List<Tensor> buffers, byte[]? optimizerState, byte[] policyState)
        {
            Step = step;
            this.weights = weights;
            this.buffers = buffers;
            this.optimizerState = optimizerState;
            this.policyState = policyState;
        }

        /// <summary>The guard step at which the copy was taken (before that step's update).</summary>
        public long Step { get; }

        /// <summary>Bytes held: weights and buffers (on the device or host) plus the serialised optimizer state.</summary>
        public long Bytes =>
            weights.Concat(buffers).Sum(t => t.NumberOfElements * t.ElementSize) + (optimizerState?.LongLength ?? 0) + policyState.LongLength;

        public static TrainingSnapshot Take(long step, IReadOnlyList<Parameter> parameters, nn.Module? model, optim.Optimizer optimizer, byte[] policyState, SnapshotLocation location)
        {
            using var noGrad = no_grad();
            var weights = parameters.Select(p => Copy(p, location)).ToList();
            var buffers = model is null ? new List<Tensor>() : model.buffers().Select(b => Copy(b, location)).ToList();
            byte[]? state = null;
            if (optimizer is OptimizerHelper helper)
            {
                state = StateBytes.Write(writer => helper.save_state_dict(writer));   // host copy of the moments (a device sync on CUDA)
            }

            return new TrainingSnapshot(step, weights, buffers, state, policyState);
        }

        /// <summary>Copies everything back; returns the policy's saved statistics for the caller to load.</summary>
        public byte[] Restore(IReadOnlyList<Parameter> parameters, nn.Module? model, optim.Optimizer optimizer)
        {
            using (no_grad())
            {
                if (parameters.Count != weights.Count)
                {
                    throw new InvalidOperationException($"The optimizer has {parameters.Count} parameters but the snapshot holds {weights.Count}; a parameter group was added after the snapshot.");
                }

                for (int i = 0; i < weights.Count; i++)
                {
                    parameters[i].copy_(weights[i]);
                }

                if (model is not null)
                {
                    var live = model.buffers().ToList();
                    for (int i = 0; i < Math.Min(live.Count, buffers.Count); i++)
                    {
                        live[i].copy_(buffers[i]);
                    }
                }
            }

            if (optimizerState is not null && optimizer is OptimizerHelper helper)
            {
                // TorchSharp's state also carries each group's learning rate; a repair rolls back the
                // weights and moments, not the schedule, so the current rates are put back afterwards.
                var rates = optimizer.ParamGroups.Select(g => g.LearningRate).ToList();
                StateBytes.Read(optimizerState, reader => OptimizerStateLoader.Load(helper, reader));
                foreach (var (group, rate) in optimizer.ParamGroups.Zip(rates, (g, r) => (g, r)))
                {
                    group.LearningRate = rate;
                }
            }

            return policyState;
        }

        private static Tensor Copy(Tensor t, SnapshotLocation location)
        {
            var copy = location == SnapshotLocation.Host ? t.detach().to(CPU, copy: true) : t.detach().clone();
            return copy.DetachFromDisposeScope();
        }

        public void Dispose()
        {
            foreach (var t in weights.Concat(buffers))
            {
                t.Dispose();
            }

            weights.Clear();
            buffers.Clear();
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GradLint.Tests.Runtime
{
    /// <summary>Small deterministic models and data for the guard tests.</summary>
    internal static class GuardTestModels
    {
        public static nn.Module<Tensor, Tensor> Mlp(long seed = 11, int width = 8)
        {
            manual_seed(seed);
            return nn.Sequential(("fc1", nn.Linear(4, width)), ("act", nn.Tanh()), ("fc2", nn.Linear(width, 1)));
        }

        public static (Tensor X, Tensor Y) Data(long seed = 5, int rows = 64)
        {
            manual_seed(seed);
            var x = randn(rows, 4);
            var y = (x.sum(1, keepdim: true) * 0.3).sin();
            return (x, y);
        }

        /// <summary>zero_grad, forward, backward on one batch; the caller steps.</summary>
        public static float Backward(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y, double scale = 1.0)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.call(x), y) * scale;
            loss.backward();
            return loss.item<float>();
        }

        public static List<Tensor> Snapshot(IEnumerable<Parameter> parameters, bool grads = false) =>
            parameters.Select(p =>
            {
                if (!grads) return p.detach().clone().DetachFromDisposeScope();
                using var g = p.grad!;
                return g.clone().DetachFromDisposeScope();
            }).ToList();

        public static void SetGrad(Parameter p, params float[] values)
        {
            p.grad = tensor(values).reshape(p.shape);
        }

        /// <summary>Makes the first gradient entry of the model's first parameter NaN.</summary>
        public static void PoisonFirstGradient(nn.Module model)
        {
            using var g = model.parameters().First().grad!;
            g.view(-1)[0].fill_(float.NaN);
        }

        /// <summary>Feeds a fixed sequence of total norms through a real guard (one parameter whose gradient has that norm), repair off.</summary>
        public static List<GradLint.GuardStepReport> DriveNorms(GradLint.ClippingPolicy policy, IEnumerable<double> norms) => DriveNorms(policy, norms, null);

        /// <summary>As <see cref="DriveNorms(GradLint.ClippingPolicy, IEnumerable{double})"/>, passing <paramref name="losses"/> (one per norm) to <c>step(loss)</c> when given.</summary>
        public static List<GradLint.GuardStepReport> DriveNorms(GradLint.ClippingPolicy policy, IEnumerable<double> norms, IReadOnlyList<double>? losses)
        {
            var p = new Parameter(zeros(1));
            using var guard = GradLint.GradientGuardExtensions.WithGradientGuard(optim.SGD(new[] { p }, 0.0),
                new GradLint.GuardOptions { Clipping = policy, MaxConsecutiveSkips = 1000, Repair = new GradLint.RepairOptions { Enabled = false } });
            var reports = new List<GradLint.GuardStepReport>();
            foreach (var norm in norms)
            {
                SetGrad(p, (float)norm);
                if (losses is null)
                {
                    guard.step();
                }
                else
                {
                    using var loss = tensor((float)losses[reports.Count]);
                    guard.step(loss);
                }

                reports.Add(guard.LastReport!);
            }

            return reports;
        }
    }
}

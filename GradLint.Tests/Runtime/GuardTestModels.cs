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
    }
}

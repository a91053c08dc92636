using System;
using System.Diagnostics;
using GradLint;
using static TorchSharp.torch;

namespace GradLint.Demo
{
    /// <summary>
    /// Trains a small MLP on a regression task it generates itself (deterministic seed), with the
    /// training loop GradLint's analyzers approve of: zero_grad, backward, clip, step. The build of
    /// this project runs the GradLint analyzers over this file.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            int steps = 200;
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--steps" && i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0)
                {
                    steps = n;
                    i++;
                }
                else if (args[i] is "--help" or "-h")
                {
                    Console.WriteLine("GradLint sample: trains an MLP on generated data.\n  --steps N   training steps (default 200)");
                    return 0;
                }
                else
                {
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --steps N (N > 0) or --help.");
                    return 2;
                }
            }

            var watch = Stopwatch.StartNew();
            manual_seed(42);
            var x = randn(1024, 16);
            var weights = randn(16, 1);
            var y = (x.matmul(weights) / 4).sin();

            var model = nn.Sequential(
                ("hidden1", nn.Linear(16, 64)), ("act1", nn.Tanh()),
                ("hidden2", nn.Linear(64, 64)), ("act2", nn.Tanh()),
                ("output", nn.Linear(64, 1)));
            using var optimizer = optim.Adam(model.parameters(), 3e-3);

            Console.WriteLine($"Training a 16-64-64-1 MLP for {steps} steps on generated data (CPU, seed 42)");
            double first = double.NaN, last = double.NaN;
            for (int step = 1; step <= steps; step++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                using var norm = GradientNorms.TotalNorm(model.parameters());
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();

                if (step == 1 || step % Math.Max(1, steps / 10) == 0 || step == steps)
                {
                    last = loss.item<float>();   // host read for the progress line only
                    if (step == 1) first = last;
                    Console.WriteLine($"  step {step,5}  loss {last,10:F5}  grad-norm {norm.item<float>(),9:F4}");
                }
            }

            Console.WriteLine($"Loss {first:F5} -> {last:F5} in {watch.Elapsed.TotalSeconds:F1} s.");
            PrintLayerReport(model, x, y);
            return last < first ? 0 : 1;
        }

        // One more backward pass with a GradientProbe attached: where the gradient is, layer by layer.
        private static void PrintLayerReport(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
        {
            using var probe = GradientProbe.Attach(model);
            using var scope = NewDisposeScope();
            model.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();

            Console.WriteLine();
            Console.WriteLine("Per-layer output gradients of one more backward pass (GradientProbe, loss side first):");
            Console.WriteLine("  layer        grad-norm   finite");
            foreach (var layer in probe.LastBackward)
            {
                Console.WriteLine($"  {layer.Name,-10} {layer.Norm,11:E3}   {(layer.IsFinite ? "yes" : "NO")}");
            }

            Console.WriteLine($"  health: {probe.Health} (furthest/nearest norm ratio {probe.DepthRatio:G3}); first non-finite: {probe.FirstNonFinite ?? "none"}");
        }
    }
}

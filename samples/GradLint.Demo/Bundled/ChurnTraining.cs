using TorchSharp;
using static TorchSharp.torch;

namespace Bundled
{
    /// <summary>
    /// A realistic but risky training file: a customer model with a churn head (binary) and a
    /// plan head (4 classes), a confidence penalty, and a plain training loop. It compiles and it
    /// runs; GradLint finds what will make it blow up.
    /// </summary>
    public static class ChurnTraining
    {
        public static void Train(nn.Module<Tensor, Tensor> model, Tensor features, Tensor churned, Tensor plans, int epochs)
        {
            var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                using var scope = NewDisposeScope();
                var outputs = model.call(features);
                var churnLogit = outputs.select(1, 0);
                var planLogits = outputs.narrow(1, 1, 4);

                var churnLoss = nn.functional.binary_cross_entropy(torch.sigmoid(churnLogit), churned);
                var planLoss = nn.functional.nll_loss(torch.log(nn.functional.softmax(planLogits, 1)), plans);
                var loss = churnLoss + planLoss + 0.1 * ConfidencePenalty(torch.sigmoid(churnLogit));

                loss.backward();
                optimizer.step();
            }
        }

        // Binary entropy of the churn probability: penalises over-confident predictions.
        private static Tensor ConfidencePenalty(Tensor p) =>
            (p * torch.log(p) + (1 - p) * torch.log(1 - p)).mean();
    }
}

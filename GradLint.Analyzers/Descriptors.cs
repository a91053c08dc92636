using Microsoft.CodeAnalysis;

namespace GradLint.Analyzers
{
    /// <summary>
    /// The one catalog of GradLint rules. IDs: GL1xxx training-loop rules, GL2xxx numerical
    /// stability, GL3xxx memory and resources. Every descriptor has a page at
    /// docs/rules/&lt;ID&gt;.md, its help link, and a line in AnalyzerReleases.*.md and the README
    /// rule table (a test keeps the four in agreement).
    /// </summary>
    internal static class Descriptors
    {
        internal const string HelpLinkBase = "https://github.com/gradlint/gradlint/blob/main/docs/rules/";

        internal static class Categories
        {
            internal const string TrainingLoop = "TrainingLoop";
            internal const string NumericalStability = "NumericalStability";
            internal const string Resources = "Resources";
        }

        internal static readonly DiagnosticDescriptor GL1001_MissingGradientClipping = Create(
            "GL1001",
            "No gradient clipping between backward() and step()",
            "'{0}.step()' applies the gradients of backward() unclipped: one outlier batch can multiply them by 1000 and wreck the weights in a single step; call clip_grad_norm_ between backward() and step(), or guard the optimizer",
            Categories.TrainingLoop,
            DiagnosticSeverity.Warning,
            "Exploding gradients reach the weights through step(). Clipping the total gradient norm between backward() and step() (torch.nn.utils.clip_grad_norm_, a GradLint guarded optimizer, or a method listed in gradlint.clipping_methods) bounds the damage one bad batch can do.");

        internal static readonly DiagnosticDescriptor GL1007_MissingGradientClippingLowRisk = Create(
            "GL1007",
            "No gradient clipping in a low-risk training step",
            "'{0}.step()' applies the gradients of backward() unclipped; this step looks low-risk (a classification loss, no recurrent or attention layer, one optimizer, no reward-based target), so this is a suggestion: clipping still bounds what one bad batch can do",
            Categories.TrainingLoop,
            DiagnosticSeverity.Info,
            "The low-risk half of GL1001, a rule of its own so that each can be configured: cross-entropy-style losses bound the gradient at the logits (each entry in [-1, 1]) and feed-forward classifiers trained with them rarely explode — their reference implementations (MNIST, CIFAR-10, ResNet) do not clip. Where the step is exposed (recurrent layers, attention, losses built from rewards, returns, advantages or TD targets, regression losses, two optimizers as in a GAN) GL1001 reports it as a warning.");

        internal static readonly DiagnosticDescriptor GL1002_MissingZeroGrad = Create(
            "GL1002",
            "Training loop never clears gradients",
            "The loop calls '{0}.step()' after backward() but never zero_grad(), so every backward() adds to the previous gradients and the update grows each iteration; call '{0}.zero_grad()' at the start of the loop body",
            Categories.TrainingLoop,
            DiagnosticSeverity.Warning,
            "TorchSharp accumulates gradients: backward() adds into each parameter's .grad. A loop that calls backward() and step() without zero_grad() (on the optimizer or on a module) steps with the sum of all gradients so far, so the effective step grows with every batch and training diverges.");

        internal static readonly DiagnosticDescriptor GL1003_ZeroGradBeforeStep = Create(
            "GL1003",
            "zero_grad() between backward() and step()",
            "'{0}' clears the gradients that backward() just computed, so '{1}.step()' steps with zeros and the model never learns; move it before the forward pass",
            Categories.TrainingLoop,
            DiagnosticSeverity.Error,
            "zero_grad() belongs before the forward pass (or after step()). Between backward() and step() it erases the gradients the step is about to use: the update is zero (SGD) or driven only by stale moments (Adam).");

        internal static readonly DiagnosticDescriptor GL1004_MisplacedClipping = Create(
            "GL1004",
            "Gradient clipping outside the backward()…step() window",
            "'{0}' runs {1}, so it does not clip the gradients '{2}.step()' applies; move it to just before step()",
            Categories.TrainingLoop,
            DiagnosticSeverity.Warning,
            "Clipping only protects the update when it runs after the last backward() and before step(). Clipping before backward() clips gradients that backward() then adds to (or that zero_grad() already cleared); clipping after step() clips gradients that were already applied.");

        internal static readonly DiagnosticDescriptor GL1005_SchedulerBeforeOptimizerStep = Create(
            "GL1005",
            "LR scheduler stepped before the optimizer",
            "'{0}.step()' runs before '{1}.step()' in the same iteration, so the optimizer never steps with the schedule's first learning rate; call it after the optimizer's step",
            Categories.TrainingLoop,
            DiagnosticSeverity.Warning,
            "A learning-rate scheduler advances the schedule; stepped before the optimizer in an iteration, it moves the rate on before the first update ever uses it, so the first value of the schedule (the warm-up's start, the initial rate) is skipped. PyTorch warns about this order at run time; TorchSharp does not.",
            certainBug: true);

        internal static readonly DiagnosticDescriptor GL1006_BackwardUnderNoGrad = Create(
            "GL1006",
            "backward() on a value computed under no_grad()",
            "'{0}' was computed while '{1}' was active, so it has no autograd graph: backward() throws ('element 0 of tensors does not require grad') or trains nothing; end the no-grad scope before the forward pass that feeds it, or re-enable gradients there with torch.enable_grad()",
            Categories.TrainingLoop,
            DiagnosticSeverity.Error,
            "Inside torch.no_grad() or torch.inference_mode() no graph is recorded, so a loss computed there cannot be differentiated. Compute targets under no_grad if you like, but run the forward pass that feeds the loss, and the loss itself, with gradients enabled.");

        internal static readonly DiagnosticDescriptor GL2001_UnguardedLog = Create(
            "GL2001",
            "log of a value that is not provably > 0",
            "'{0}' takes the log of a value that is not provably > 0: at 0 it gives -Inf and an infinite gradient; clamp it first, e.g. '{1}'",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "log(0) is -Inf and its gradient 1/x is infinite, so one zero in a probability, a norm or a count turns the loss and every gradient behind it into Inf or NaN. Clamp the argument (x.clamp_min(1e-7)) unless it is provably positive.");

        internal static readonly DiagnosticDescriptor GL2002_LogOfSoftmax = Create(
            "GL2002",
            "log(softmax(x)) instead of log_softmax(x)",
            "'{0}' computes log(softmax(…)): softmax underflows to 0 for logits ~100 below the largest and the log then gives -Inf and NaN gradients; use '{1}'",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "log_softmax(x) = x - logsumexp(x) is computed without forming the probabilities, so it stays finite where softmax underflows to exactly 0 and log(0) = -Inf.");

        internal static readonly DiagnosticDescriptor GL2003_HandWrittenLogSumExp = Create(
            "GL2003",
            "Hand-written log-sum-exp or softmax",
            "'{0}' {1}: exp overflows to Inf for inputs past ~88 (float32) and the result becomes Inf or NaN; use '{2}'",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "logsumexp(x, d) and softmax(x, d) subtract the maximum before exponentiating, so they are exact for any input; log(sum(exp(x))) and exp(x) / exp(x).sum(d, keepdim) overflow as soon as one input passes ~88 in float32.");

        internal static readonly DiagnosticDescriptor GL2004_PrecisionLoss = Create(
            "GL2004",
            "log(1 + x) or exp(x) - 1 instead of log1p / expm1",
            "'{0}' loses all precision for small x (1 + 1e-8 == 1 in float32, so the result and its gradient are 0 or wrong); use '{1}'",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "In float32, 1 + x rounds to 1 for |x| < 6e-8, so log(1 + x) is 0 and exp(x) - 1 cancels to 0 where the true values are ≈ x. log1p and expm1 compute them accurately.");

        internal static readonly DiagnosticDescriptor GL2005_UnboundedExp = Create(
            "GL2005",
            "exp of a value that is not bounded above",
            "'{0}' exponentiates a value with no upper bound: exp overflows to Inf past ~88 in float32, and its gradient with it; bound it first, e.g. '{1}'",
            Categories.NumericalStability,
            DiagnosticSeverity.Info,
            "exp(x) is Inf for x > 88.7 in float32 (709 in float64); one large logit or log-variance then makes the loss and the gradients Inf. Bound the argument (clamp_max), or compute in log space (logsumexp, log_softmax, softplus).");

        internal static readonly DiagnosticDescriptor GL2006_SigmoidIntoBce = Create(
            "GL2006",
            "sigmoid output fed to binary_cross_entropy",
            "'{0}' applies binary cross-entropy to sigmoid probabilities: for logits beyond about ±17 sigmoid rounds to 0 or 1, the loss saturates and its gradient vanishes (or is NaN); {1}",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "binary_cross_entropy_with_logits / BCEWithLogitsLoss compute the same loss from logits with the log-sum-exp trick: exact for any logit, with gradient sigmoid(x) - y. Sigmoid followed by binary_cross_entropy loses the gradient exactly on the confident mistakes that matter most.");

        internal static readonly DiagnosticDescriptor GL2007_SoftmaxIntoLoss = Create(
            "GL2007",
            "softmax output fed to cross_entropy or nll_loss",
            "'{0}' receives softmax probabilities, but {1}; {2}",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "cross_entropy / CrossEntropyLoss apply log_softmax to logits themselves: given probabilities they apply softmax twice, which squashes the loss and shrinks its gradients. nll_loss / NLLLoss expect log-probabilities: given probabilities the loss has the wrong sign and scale, and log(softmax) would be needed anyway.");

        internal static readonly DiagnosticDescriptor GL2008_UnguardedSqrt = Create(
            "GL2008",
            "sqrt of a value that is not provably > 0",
            "'{0}' takes the square root of a value that is not provably > 0: its gradient 1/(2·sqrt(x)) is infinite at 0 (a zero distance, a zero variance); clamp it first, e.g. '{1}'",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "sqrt(x) is finite at 0 but its gradient is not, so a Euclidean distance between identical points or a zero variance sends Inf or NaN into every gradient behind it. Clamp the argument (x.clamp_min(1e-12)) or add an epsilon inside the square root.");

        internal static readonly DiagnosticDescriptor GL2009_UnguardedDivision = Create(
            "GL2009",
            "Division by a norm, sum or standard deviation that may be 0",
            "'{0}' divides by '{1}', which is 0 for an all-zero or constant input: the result is Inf or NaN and so are the gradients; divide by '{2}' instead",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "Normalising by a norm, a sum, a standard deviation or a square root divides by 0 as soon as the input is all zeros or constant (a dead feature, a padded row, a constant batch). Clamp the divisor (d.clamp_min(1e-12)) or add an epsilon.");

        internal static readonly DiagnosticDescriptor GL2010_NaNEquality = Create(
            "GL2010",
            "NaN tested with == or eq",
            "'{0}' is never true: NaN compares unequal to everything, itself included, so this check never finds a NaN; use '{1}'",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "IEEE 754 NaN is unequal to every value, NaN included: x == NaN is always false and x != NaN always true, on tensors (elementwise) and on item<T>() results alike. A NaN guard written this way silently lets every NaN through.",
            certainBug: true);

        internal static readonly DiagnosticDescriptor GL2011_LogOfSigmoid = Create(
            "GL2011",
            "log(sigmoid(x)) instead of logsigmoid(x)",
            "'{0}' computes log of a sigmoid: the sigmoid rounds to {1} for inputs {2} and the log then gives -Inf and NaN gradients; use '{3}'",
            Categories.NumericalStability,
            DiagnosticSeverity.Warning,
            "logsigmoid(x) = -softplus(-x) is computed without forming the probability, so it stays finite where sigmoid(x) rounds to exactly 0 (x below about -88 in float32) or 1 - sigmoid(x) to exactly 0 (x above about 17), and log(0) = -Inf.");

        internal static readonly DiagnosticDescriptor GL3001_TensorsWithoutDisposeScope = Create(
            "GL3001",
            "Tensors created every step with no dispose scope",
            "{0} runs '{1}' with no dispose scope per step{2}: the tensors each step creates hold native (CPU or GPU) memory the GC does not see, so memory grows with every step until the process or the GPU runs out; add 'using var scope = torch.NewDisposeScope();' {3}",
            Categories.Resources,
            DiagnosticSeverity.Warning,
            "Every TorchSharp tensor owns native memory that the .NET garbage collector neither sees nor counts, so tensors left to the finalizer pile up: a training loop that creates activations, losses and gradients on every step grows until the process dies or CUDA runs out of memory. A dispose scope opened per step (torch.NewDisposeScope()) frees every tensor created in it when the step ends; tensors that must outlive the step are moved out with MoveToOuterDisposeScope().");

        internal static readonly DiagnosticDescriptor GL3002_LossKeptAcrossIterations = Create(
            "GL3002",
            "Loss tensor kept across iterations",
            "'{0}' still carries its autograd graph and is kept in '{1}', which outlives the iteration: every step's graph and tensors stay alive until '{1}' goes; keep it detached ('.detach()') or as a number ('.item<float>()')",
            Categories.Resources,
            DiagnosticSeverity.Warning,
            "A loss or model output carries the autograd graph that produced it. Summing it into a running total or adding it to a list that lives across iterations keeps every step's graph, its saved activations and, in TorchSharp, the native tensors alive until the total goes out of use — memory grows over the epoch. Accumulate a detached tensor or the number (.item<float>()) unless you mean to call backward() on the total.");

        internal static readonly DiagnosticDescriptor GL3003_EvaluationBuildsGraphs = Create(
            "GL3003",
            "Evaluation without no_grad() or in the wrong module mode",
            "{0}",
            Categories.Resources,
            DiagnosticSeverity.Warning,
            "A forward pass records an autograd graph whenever gradients are on, so an evaluation loop without torch.no_grad() (or inference_mode()) keeps activations for a backward() that never comes. Dropout and batch normalisation behave differently in training and evaluation: evaluating a model still in training mode drops units at random and updates the running statistics with test data; training after eval() without train() trains with dropout off and frozen statistics.");

        /// <summary>What each rule's code fix does, as the README's rule table says it (the table is generated from the catalog).</summary>
        internal static readonly System.Collections.Generic.IReadOnlyDictionary<string, string> FixSummaries = new System.Collections.Generic.Dictionary<string, string>
        {
            ["GL1007"] = "As GL1001: insert `clip_grad_norm_(…, max_norm: N)` before `step()`, or `.WithGradientGuard()`",
            ["GL1001"] = "Insert `clip_grad_norm_(…, max_norm: N)` before `step()`; or `.WithGradientGuard()` where the optimizer is created",
            ["GL1002"] = "Insert `<optimizer>.zero_grad();` at the start of the loop body",
            ["GL1003"] = "Move the `zero_grad()` before the forward pass",
            ["GL1004"] = "Move the clipping call to just before `step()`",
            ["GL1005"] = "Move `scheduler.step()` after the optimizer's `step()`",
            ["GL1006"] = "`using var gradients = torch.enable_grad();` before the forward pass that feeds the loss",
            ["GL2001"] = "Clamp the argument: `x.clamp_min(1e-7)` inside the log",
            ["GL2002"] = "`functional.log_softmax(x, d)`",
            ["GL2003"] = "`x.logsumexp(d, keepdim)` / `x.softmax(d)`",
            ["GL2004"] = "`x.log1p()` / `x.expm1()`",
            ["GL2005"] = "Bound the argument: `x.clamp_max(80)` inside the exp",
            ["GL2006"] = "`binary_cross_entropy_with_logits(x, y)`",
            ["GL2007"] = "Drop the softmax (cross_entropy) / `x.log_softmax(d)` (nll_loss)",
            ["GL2008"] = "`(x).clamp_min(1e-12).sqrt()`",
            ["GL2009"] = "Divide by `d.clamp_min(1e-12)`",
            ["GL2010"] = "`x.isnan()` / `float.IsNaN(v)`",
            ["GL2011"] = "`functional.logsigmoid(x)` · `logsigmoid(-x)` for `log(1 - sigmoid(x))`",
            ["GL3001"] = "`using var scope = torch.NewDisposeScope();` first in the loop body (or the step method), `.MoveToOuterDisposeScope()` on tensors that outlive the step",
            ["GL3002"] = "Keep `loss.detach()`",
            ["GL3003"] = "`using var noGrad = torch.no_grad();` first in the evaluation loop · `model.eval()` / `model.train()` before the loop",
        };

        /// <summary>
        /// Custom tag of the rules whose every finding is a bug, not a judgement call (a wrong call order, a NaN test
        /// that never fires): errors in the Recommended analysis mode (see <see cref="AnalysisModes"/>).
        /// </summary>
        internal const string CertainBugTag = "GradLint.CertainBug";

        private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, string description, bool certainBug = false) =>
            new DiagnosticDescriptor(id, title, message, category, severity, isEnabledByDefault: true, description: description, helpLinkUri: HelpLinkBase + id + ".md",
                customTags: certainBug ? new[] { CertainBugTag } : System.Array.Empty<string>());
    }
}

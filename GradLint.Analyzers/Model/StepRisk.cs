using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Whether an unclipped training step is exposed to exploding gradients (GL1001, a warning) or low-risk
    /// (GL1007, a suggestion). Low-risk needs positive evidence: a classification loss (cross-entropy, NLL,
    /// binary cross-entropy — each bounds the gradient at the logits to [-1, 1]) and none of the exposures:
    /// <list type="bullet">
    /// <item>a recurrent or attention layer (LSTM, GRU, RNN and their cells, MultiheadAttention, Transformer*,
    /// scaled_dot_product_attention) in the function or in the types of the modules it calls;</item>
    /// <item>a loss built from rewards, returns, advantages, TD targets or Q-values (named so in the function);</item>
    /// <item>a regression loss (MSE, L1, smooth L1, Huber): unbounded in the error;</item>
    /// <item>two or more optimizers stepping in the function (a GAN's adversarial pair).</item>
    /// </list>
    /// Anything else — no recognisable loss included — is exposed.
    /// </summary>
    internal static class StepRisk
    {
        private static readonly HashSet<string> ClassificationLosses = new HashSet<string>(StringComparer.Ordinal)
        {
            "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
            "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
        };

        private static readonly HashSet<string> RegressionLosses = new HashSet<string>(StringComparer.Ordinal)
        {
            "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
        };

        private static readonly HashSet<string> SequenceLayers = new HashSet<string>(StringComparer.Ordinal)
        {
            "LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell", "MultiheadAttention", "Transformer",
            "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer", "scaled_dot_product_attention",
        };

        // The names the decision reads, looked up in the module types a step calls (TorchContext.CalledOrCreatedNames).
        private static readonly NameSet DecidingNames = new NameSet(ClassificationLosses.Concat(RegressionLosses).Concat(SequenceLayers));

        private static readonly string[] RewardWords = { "reward", "return", "advantage", "tdtarget", "td_target", "qvalue", "q_value", "qtarget", "q_target", "bellman" };

        public static bool IsLowRisk(IInvocationOperation step, TrainingStep training, TorchContext torch)
        {
            var root = OperationHelpers.Root(step);
            var function = root.Syntax;
            var optimizers = training.Events.Where(e => e.Kind == TrainingCallKind.Step)
                .Select(e => e.Invocation.Instance?.Syntax.ToString() ?? "this").Distinct(StringComparer.Ordinal).Count();
            if (optimizers > 1)
            {
                return false;
            }

            // The function's text searched for the reward words and the deciding names, instead of a walk of all its nodes.
            var file = torch.IndexOf(function.SyntaxTree);
            foreach (var word in RewardWords)
            {
                if (IdentifierSearch.AnyContaining(function, file, function.Span, word, StringComparison.OrdinalIgnoreCase, token => token.Parent is IdentifierNameSyntax))
                {
                    return false;
                }
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in DecidingNames.Names)
            {
                if (IdentifierSearch.Any(function, file, function.Span, name, IdentifierSearch.NamesACallOrCreation))
                {
                    names.Add(name);
                }
            }

            // Exposed by the function's own code: the module types below cannot make it low-risk.
            if (names.Overlaps(RegressionLosses) || names.Overlaps(SequenceLayers))
            {
                return false;
            }

            // The module types the function calls (its model, its loss modules): their own code and fields, each read once
            // per compilation (TorchContext.CalledOrCreatedNames), not once per step that uses them.
            var moduleTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in root.DescendantsAndSelf())
            {
                if (operation is IInvocationOperation { TargetMethod.Name: "forward" or "call", Instance: { Type: { } type } } && moduleTypes.Add(type) && torch.IsModule(type))
                {
                    Note(names, type.Name);
                    foreach (var name in torch.CalledOrCreatedNames(type, DecidingNames))
                    {
                        Note(names, name);
                    }
                }
            }

            return names.Overlaps(ClassificationLosses) && !names.Overlaps(RegressionLosses) && !names.Overlaps(SequenceLayers);
        }

        // Only the names the decision reads are kept: the set stays a few entries long however much code is read.
        private static void Note(HashSet<string> names, string name)
        {
            if (ClassificationLosses.Contains(name) || RegressionLosses.Contains(name) || SequenceLayers.Contains(name))
            {
                names.Add(name);
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>What the GL1xxx rules need to classify calls in one syntax tree: the TorchSharp symbols and the configured clipping methods.</summary>
    internal sealed class TrainingContext
    {
        private static readonly SymbolDisplayFormat QualifiedName = new SymbolDisplayFormat(
            typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces);

        private readonly ImmutableHashSet<string> clippingMethods;

        public TrainingContext(TorchContext torch, ImmutableHashSet<string> clippingMethods)
        {
            Torch = torch;
            this.clippingMethods = clippingMethods;
        }

        public TorchContext Torch { get; }

        public static TrainingContext For(InvocationContext context, TorchContext torch) =>
            new TrainingContext(torch, torch.ClippingMethods(context.Options, context.Invocation.Syntax.SyntaxTree));

        /// <summary>The method names a clipping call can have here: TorchSharp's and the configured ones.</summary>
        public static bool IsClipName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch)
        {
            if (name == "clip_grad_norm_" || name == "clip_grad_value_")
            {
                return true;
            }

            foreach (var configured in torch.ClippingMethods(options, tree))
            {
                if (configured.EndsWith("." + name, System.StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>As <see cref="TrainingCalls.Classify"/>, plus the methods configured in <c>gradlint.clipping_methods</c>.</summary>
        public TrainingCallKind Classify(IInvocationOperation invocation)
        {
            var kind = TrainingCalls.Classify(invocation, Torch);
            if (kind == TrainingCallKind.None && clippingMethods.Count > 0 && IsConfiguredClip(invocation.TargetMethod))
            {
                return TrainingCallKind.Clip;
            }

            return kind;
        }

        private bool IsConfiguredClip(IMethodSymbol method) =>
            clippingMethods.Contains(method.ContainingType.ToDisplayString(QualifiedName) + "." + method.Name);

        /// <summary>A step() on a GradLint guarded optimizer (by static type, or created with WithGradientGuard).</summary>
        public bool IsGuardedStep(IInvocationOperation step) =>
            (Torch.GuardedOptimizer is not null && SymbolEqualityComparer.Default.Equals(step.Instance?.Type, Torch.GuardedOptimizer))
            || OptimizerOrigin.Find(step.Instance) is { IsGuarded: true };

        /// <summary>A call to a method of this compilation that clips (one level; see <see cref="TrainingCalls.HelperContains"/>).</summary>
        public bool HelperClips(IInvocationOperation invocation) =>
            !invocation.TargetMethod.DeclaringSyntaxReferences.IsEmpty
            && TrainingCalls.HelperContains(invocation, TrainingCallKind.Clip, Classify, IsConfiguredOrTorchClipName);

        private bool IsConfiguredOrTorchClipName(string name)
        {
            if (name == "clip_grad_norm_" || name == "clip_grad_value_")
            {
                return true;
            }

            foreach (var configured in clippingMethods)
            {
                if (configured.EndsWith("." + name, System.StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

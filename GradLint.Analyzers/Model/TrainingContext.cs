using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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
        private readonly int helperDepth;

        public TrainingContext(TorchContext torch, ImmutableHashSet<string> clippingMethods, int helperDepth = GradLintOptions.DefaultClippingHelperDepth)
        {
            Torch = torch;
            this.clippingMethods = clippingMethods;
            this.helperDepth = helperDepth;
        }

        public TorchContext Torch { get; }

        public static TrainingContext For(InvocationContext context, TorchContext torch) =>
            new TrainingContext(
                torch,
                torch.ClippingMethods(context.Options, context.Invocation.Syntax.SyntaxTree),
                torch.ClippingHelperDepth(context.Options, context.Invocation.Syntax.SyntaxTree));

        /// <summary>The method names a clipping call can have here: TorchSharp's and the configured ones.</summary>
        public static bool IsClipName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) =>
            IsClipName(name, torch.ClippingMethods(options, tree));

        // clip_grad_norm_, clip_grad_value_, or the last part of a configured Namespace.Type.Method.
        private static bool IsClipName(string name, ImmutableHashSet<string> configured)
        {
            if (name == "clip_grad_norm_" || name == "clip_grad_value_")
            {
                return true;
            }

            if (configured.Count == 0)
            {
                return false;
            }

            foreach (var method in configured)
            {
                if (method.EndsWith("." + name, System.StringComparison.Ordinal))
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

        /// <summary>
        /// A call to a method of this compilation that clips: directly, or through helpers of the same type up to
        /// <c>gradlint.clipping_helper_depth</c> calls deep (default 2). A helper in the same file is read by symbol; one
        /// in another file by the names of its calls, one level (an analyzer may not bind another file) — this only
        /// ever suppresses a report.
        /// </summary>
        public bool HelperClips(IInvocationOperation invocation) =>
            HelperClips(invocation, helperDepth, null, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));

        private bool HelperClips(IInvocationOperation invocation, int depth, INamedTypeSymbol? sameType, HashSet<IMethodSymbol> visited)
        {
            var callee = invocation.TargetMethod.OriginalDefinition;
            if (depth <= 0 || callee.DeclaringSyntaxReferences.IsEmpty || !visited.Add(callee)
                || (sameType is not null && !SymbolEqualityComparer.Default.Equals(callee.ContainingType, sameType)))
            {
                return false;
            }

            var model = invocation.SemanticModel;
            foreach (var reference in callee.DeclaringSyntaxReferences)
            {
                var declaration = reference.GetSyntax();
                if (model is null || declaration.SyntaxTree != model.SyntaxTree)
                {
                    if (InvokedNameSet.Exact(declaration).Any(n => IsConfiguredOrTorchClipName(n) || HandClampNames.Contains(n)))   // decided by name: its calls exactly
                    {
                        return true;
                    }

                    continue;
                }

                // Bind only helpers whose code, or that of the same type's methods they call (by name, to the depth
                // left), names a clipping call: the search costs syntax only until something may clip.
                if (!MayClipByName(declaration, depth, declaration.Ancestors().OfType<TypeDeclarationSyntax>().FirstOrDefault())
                    || model.GetOperation(declaration) is not { } body)
                {
                    continue;
                }

                foreach (var operation in body.DescendantsAndSelf())
                {
                    if (operation is IInvocationOperation call)
                    {
                        var kind = Classify(call);
                        if (kind == TrainingCallKind.Clip || (kind == TrainingCallKind.None && HelperClips(call, depth - 1, callee.ContainingType, visited)))
                        {
                            return true;
                        }
                    }
                    else if (IsUnboundClip(operation) || IsHandClampOfEveryGradient(operation))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        // p.grad.clamp_(…), p.grad?.clamp_(…), p.grad.data.clamp_(…), torch.clamp(p.grad, …)
        private static bool ReceiverNamesGrad(InvocationExpressionSyntax call)
        {
            SyntaxNode? receiver = call.Expression switch
            {
                MemberAccessExpressionSyntax member => member.Expression,
                MemberBindingExpressionSyntax => call.Ancestors().OfType<ConditionalAccessExpressionSyntax>().FirstOrDefault()?.Expression,
                _ => call.ArgumentList.Arguments.FirstOrDefault()?.Expression,
            };
            return receiver is not null && receiver.DescendantNodesAndSelf().OfType<SimpleNameSyntax>().Any(n => n.Identifier.ValueText == "grad");
        }

        private bool MayClipByName(SyntaxNode declaration, int depth, TypeDeclarationSyntax? type)
        {
            var names = Torch.InvokedNames(declaration);
            if (names.Any(n => IsConfiguredOrTorchClipName(n) || HandClampNames.Contains(n)))
            {
                return true;
            }

            if (depth <= 1 || type is null)
            {
                return false;
            }

            foreach (var member in type.Members)
            {
                if (member is MethodDeclarationSyntax method && method != declaration && names.Contains(method.Identifier.ValueText)
                    && MayClipByName(method, depth - 1, type))
                {
                    return true;
                }
            }

            return false;
        }

        private static readonly HashSet<string> HandClampNames = new HashSet<string> { "clamp_", "clamp", "clip_", "clip", "clamp_min_", "clamp_max_" };

        /// <summary>
        /// A call named like a clipping method that does not bind (a missing reference, or code being typed in the
        /// IDE): it is taken for the clipping it is named after rather than reported as missing.
        /// </summary>
        public bool IsUnboundClip(IOperation operation) =>
            operation is IInvalidOperation { Syntax: InvocationExpressionSyntax call }
            && CandidateInvocations.InvokedName(call) is { } name && IsConfiguredOrTorchClipName(name);

        /// <summary>
        /// A loop over a model's or optimizer's <c>parameters()</c> (or <c>named_parameters()</c>) that clamps each gradient
        /// by hand — <c>foreach (var p in model.parameters()) p.grad?.clamp_(-1, 1);</c>, the classic DQN recipe.
        /// </summary>
        public bool IsHandClampOfEveryGradient(IOperation operation)
        {
            if (operation is not IForEachLoopOperation loop
                || OperationHelpers.Strip(loop.Collection) is not IInvocationOperation { TargetMethod.Name: "parameters" or "named_parameters" })
            {
                return false;
            }

            return loop.Body.Syntax.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Any(call =>
                CandidateInvocations.InvokedName(call) is { } name && HandClampNames.Contains(name) && ReceiverNamesGrad(call));
        }

        private bool IsConfiguredOrTorchClipName(string name) => IsClipName(name, clippingMethods);
    }
}

using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Is a tensor expression a <em>fixed</em> value: built only from plain numbers, deterministic
    /// tensor factories (<c>arange</c>, <c>linspace</c>, <c>tensor(array)</c>, window functions…) and
    /// operations on such values? A fixed value never requires grad (no gradient can flow through it)
    /// and is the same on every run (a NaN in it shows on the first run; it does not wait for an
    /// unlucky batch). Positional encodings, noise schedules, filter banks and Gaussian kernels are
    /// written this way, and were most of the numerical rules' false positives on third-party code.
    /// <para>
    /// Followed: locals (every assignment, compound assignment, indexer store and in-place call must be
    /// fixed), private fields of a type declared in one file (every assignment in it), parameters of
    /// private methods (every call in the file passes a fixed argument), calls to static methods with
    /// fixed arguments, calls to methods of the same type whose every <c>return</c> is fixed, and a
    /// tensor the method passes as the <c>window</c> of <c>stft</c>/<c>istft</c> (a window function is
    /// never trained). Anything else is not fixed. Only asked once a rule is about to report, so its
    /// cost is paid on the few suspicious calls, not on every call.
    /// </para>
    /// </summary>
    internal sealed class FixedValues
    {
        // A schedule is often several fields and helpers deep (alphas_cumprod ← alphas ← betas ←
        // linspace); the budget bounds the work on pathological code (the answer is then "not fixed").
        private const int MaxDepth = 40;
        private const int MaxSteps = 4000;

        private static readonly HashSet<string> Factories = new HashSet<string>
        {
            "arange", "linspace", "logspace", "tensor", "from_array", "as_tensor", "ones", "zeros", "full", "eye", "empty",
            "ones_like", "zeros_like", "full_like", "empty_like",
            "hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window",
        };

        // Tensor methods that make a value require grad, whatever their inputs.
        private static readonly HashSet<string> GradEnabling = new HashSet<string> { "requires_grad_", "with_requires_grad", "Parameter" };

        private readonly TorchContext torch;
        private readonly bool randomDrawsAllowed;
        private readonly SemanticModel? model;
        private readonly System.Threading.CancellationToken cancellationToken;
        private readonly HashSet<ISymbol> assumed = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        private int steps;

        private FixedValues(TorchContext torch, SemanticModel? model, System.Threading.CancellationToken cancellationToken, bool randomDrawsAllowed = false)
        {
            this.torch = torch;
            this.randomDrawsAllowed = randomDrawsAllowed;
            this.model = model;
            this.cancellationToken = cancellationToken;
        }

        /// <summary>True when <paramref name="operation"/> is provably a fixed value (see the type's remarks). Honours <paramref name="cancellationToken"/> along its up to <see cref="MaxSteps"/> steps.</summary>
        public static bool IsFixed(IOperation? operation, TorchContext torch, System.Threading.CancellationToken cancellationToken) =>
            operation is not null && new FixedValues(torch, operation.SemanticModel, cancellationToken).Fixed(operation, 0);

        /// <summary>
        /// True when <paramref name="operation"/> provably never requires grad: a fixed value, or one
        /// built from random draws (<c>randn</c>, <c>rand_like</c>, dropout of such a value) made without
        /// <c>requires_grad</c>. Noise is not the same on every run, but no gradient flows through it —
        /// enough for a hazard that lives only in the gradient (GL2008's sqrt at 0).
        /// </summary>
        public static bool NeverRequiresGrad(IOperation? operation, TorchContext torch, System.Threading.CancellationToken cancellationToken) =>
            operation is not null && new FixedValues(torch, operation.SemanticModel, cancellationToken, randomDrawsAllowed: true).Fixed(operation, 0);

        private bool Fixed(IOperation? operation, int depth)
        {
            operation = OperationHelpers.Strip(operation);
            if (operation is null || depth > MaxDepth || ++steps > MaxSteps)
            {
                return false;
            }

            if (steps % 64 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            // A plain number (a hyper-parameter, a shape, a dtype, a device) never carries a gradient.
            if (operation.Type is { } type && IsPlainScalar(type))
            {
                return true;
            }

            switch (operation)
            {
                case ILiteralOperation:
                    return true;
                case IArrayCreationOperation array:
                    return array.Initializer is { } initializer && initializer.ElementValues.All(e => Fixed(e, depth + 1));
                case IArrayElementReferenceOperation element:
                    return Fixed(element.ArrayReference, depth + 1);
                case IMemberReferenceOperation { Type: IArrayTypeSymbol { ElementType: var elementType } } when IsPlainScalar(elementType):
                    // A numeric array held by a field or property (a configuration: trained betas, a
                    // filter's taps) is fixed; a local or parameter array is data and is not.
                    return true;
                case IParenthesizedOperation parenthesized:
                    return Fixed(parenthesized.Operand, depth + 1);
                case IBinaryOperation binary:
                    return Fixed(binary.LeftOperand, depth + 1) && Fixed(binary.RightOperand, depth + 1);
                case IUnaryOperation unary:
                    return Fixed(unary.Operand, depth + 1);
                case IConditionalOperation conditional:
                    return Fixed(conditional.WhenTrue, depth + 1) && Fixed(conditional.WhenFalse, depth + 1);
                case IPropertyReferenceOperation { Property.IsIndexer: true } indexer:
                    // x[i]: integer or boolean indices carry no gradient; the values are x's.
                    return indexer.Instance is not null && Fixed(indexer.Instance, depth + 1);
                case ILocalReferenceOperation local:
                    return Assume(local.Local, () => LocalIsFixed(local, depth));
                case IFieldReferenceOperation field:
                    return Assume(field.Field, () => FieldIsFixed(field.Field, depth));
                case IParameterReferenceOperation parameter:
                    return Assume(parameter.Parameter, () => ParameterIsFixed(parameter, depth));
                case IInvocationOperation call:
                    return CallIsFixed(call, depth);
                default:
                    return false;
            }
        }

        // Optimistic for cycles (t = t.clamp_(…); a field assigned from itself): a symbol being
        // examined counts as fixed while its own assignments are checked.
        private bool IsPlainScalar(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
            }

            return type.SpecialType is >= SpecialType.System_Boolean and <= SpecialType.System_String
                || type.TypeKind == TypeKind.Enum
                || (type.Name == "Device" && SymbolEqualityComparer.Default.Equals(type.ContainingType, torch.Torch));
        }

        private bool Assume(ISymbol symbol, System.Func<bool> check)
        {
            if (!assumed.Add(symbol))
            {
                return true;
            }

            var result = check();
            assumed.Remove(symbol);
            return result;
        }

        private bool CallIsFixed(IInvocationOperation call, int depth)
        {
            var method = call.TargetMethod;
            if (GradEnabling.Contains(method.Name) || RequiresGradArgument(call))
            {
                return false;
            }

            if (ValueRangeAnalysis.IsTorchTensorFunction(method, torch))
            {
                if (method.ContainingType.Equals(torch.Torch, SymbolEqualityComparer.Default) && Factories.Contains(method.Name))
                {
                    return TensorInputsFixed(call, depth);
                }

                // zeros_like(x), randn_like(x): x lends its shape, dtype and device, never its values.
                if (method.ContainingType.Equals(torch.Torch, SymbolEqualityComparer.Default) && method.Name.EndsWith("_like", System.StringComparison.Ordinal)
                    && (randomDrawsAllowed || !method.Name.StartsWith("rand", System.StringComparison.Ordinal)))
                {
                    return call.Arguments.Skip(1).All(a => a.ArgumentKind == ArgumentKind.DefaultValue || Fixed(a.Value, depth + 1));
                }

                // An operation on tensors: fixed when every tensor it reads is; random draws are not.
                return (randomDrawsAllowed || (!method.Name.StartsWith("rand", System.StringComparison.Ordinal) && !method.Name.Contains("dropout")))
                    && (call.Instance is null || Fixed(call.Instance, depth + 1)) && TensorInputsFixed(call, depth);
            }

            if (method.IsStatic && !torch.IsTensor(method.ContainingType) && method.ReturnType.Name != "Parameter"
                && SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, model?.Compilation.Assembly))
            {
                // A helper of the user's own with fixed inputs (a schedule, a kernel): a function of them.
                return TensorInputsFixed(call, depth) && (call.Arguments.Length > 0 || SameTypeReturnsFixed(call, depth));
            }

            return call.Instance is IInstanceReferenceOperation && SameTypeReturnsFixed(call, depth);
        }

        private bool TensorInputsFixed(IInvocationOperation call, int depth) =>
            call.Arguments.All(a => a.ArgumentKind == ArgumentKind.DefaultValue || Fixed(a.Value, depth + 1));

        private static bool RequiresGradArgument(IInvocationOperation call) =>
            call.Arguments.Any(a => a.Parameter?.Name == "requires_grad" && a.ArgumentKind != ArgumentKind.DefaultValue
                && !(a.Value.ConstantValue is { HasValue: true, Value: false }));

        // this.Helper(…): every return of a method declared in this file is fixed.
        private bool SameTypeReturnsFixed(IInvocationOperation call, int depth) =>
            Assume(call.TargetMethod, () => OperationHelpers.Returns(call) is { Count: > 0 } returns && returns.All(r => Fixed(r, depth + 1)));

        private bool LocalIsFixed(ILocalReferenceOperation reference, int depth)
        {
            var root = OperationHelpers.Root(reference);
            var stored = false;
            foreach (var operation in root.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, reference.Local):
                        if (declarator.Initializer is not null)
                        {
                            if (!Fixed(declarator.Initializer.Value, depth + 1)) return false;
                            stored = true;
                        }
                        else if (declarator.Syntax.Parent?.Parent is ForEachStatementSyntax || declarator.Syntax is CatchDeclarationSyntax)
                        {
                            return false;
                        }

                        break;
                    case IForEachLoopOperation loop when loop.Locals.Contains(reference.Local, SymbolEqualityComparer.Default):
                        return false;
                    case IDeclarationExpressionOperation or IDeconstructionAssignmentOperation when Declares(operation, reference.Local):
                        return false;   // out var / var (a, b) = …: not followed
                    case IAssignmentOperation assignment:
                        if (Targets(assignment.Target, reference.Local))
                        {
                            if (!Fixed(assignment.Value, depth + 1)) return false;
                            stored = true;
                        }
                        else if (assignment.Target is IPropertyReferenceOperation { Property.IsIndexer: true } store && Targets(store.Instance, reference.Local)
                            && !Fixed(assignment.Value, depth + 1))
                        {
                            return false;   // x[mask] = something that needs grad
                        }

                        break;
                    case IInvocationOperation { TargetMethod.Name: var name } call when name.EndsWith("_", System.StringComparison.Ordinal) && Targets(call.Instance, reference.Local):
                        // x.mul_(w): x now depends on w; x.requires_grad_(): x is trained from here on.
                        if (GradEnabling.Contains(name) || !TensorInputsFixed(call, depth)) return false;
                        break;
                    case IArgumentOperation { Parameter.RefKind: RefKind.Out or RefKind.Ref } byRef when Targets(byRef.Value, reference.Local):
                        return false;
                }
            }

            return stored;
        }

        // Every store in the field's type is fixed (compound ones by their right-hand side); a ref/out pass is not.
        private bool FieldIsFixed(IFieldSymbol field, int depth) =>
            model is not null && OperationHelpers.FieldStores(field, model) is { Count: > 0 } stores
            && stores.All(store => store.Value is { } value && Fixed(model.GetOperation(value), depth + 1));

        private bool ParameterIsFixed(IParameterReferenceOperation reference, int depth)
        {
            var parameter = reference.Parameter;
            if (PassedAsWindow(reference, parameter))
            {
                return true;
            }

            if (parameter.ContainingSymbol is not IMethodSymbol method || method.DeclaredAccessibility != Accessibility.Private
                || method.MethodKind != MethodKind.Ordinary || model is null || method.ContainingType.DeclaringSyntaxReferences.Length != 1
                || method.ContainingType.DeclaringSyntaxReferences[0].SyntaxTree != model.SyntaxTree)
            {
                return false;
            }

            // Every mention of the method in its type is a call passing a fixed value for this parameter.
            var calls = 0;
            foreach (var name in method.ContainingType.DeclaringSyntaxReferences[0].GetSyntax().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                if (name.Identifier.Text != method.Name || name.Parent is MethodDeclarationSyntax)
                {
                    continue;
                }

                var invocation = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access.Parent : name.Parent;
                if (invocation is not InvocationExpressionSyntax || model.GetOperation(invocation) is not IInvocationOperation call
                    || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, method.OriginalDefinition))
                {
                    return false;   // passed as a delegate, or a call the model cannot see
                }

                var argument = call.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.OriginalDefinition, parameter.OriginalDefinition));
                if (argument is null || (argument.ArgumentKind != ArgumentKind.DefaultValue && !Fixed(argument.Value, depth + 1)))
                {
                    return false;
                }

                calls++;
            }

            return calls > 0;
        }

        private static bool PassedAsWindow(IOperation reference, ISymbol symbol) =>
            OperationHelpers.Root(reference).DescendantsAndSelf().OfType<IArgumentOperation>().Any(a =>
                a.Parameter?.Name == "window" && a.Parameter.ContainingSymbol.Name is "stft" or "istft"
                && a.ArgumentKind != ArgumentKind.DefaultValue
                && SymbolEqualityComparer.Default.Equals(OperationHelpers.ReferencedSymbol(OperationHelpers.Strip(a.Value)), symbol));

        private static bool Targets(IOperation? target, ILocalSymbol local) =>
            OperationHelpers.Strip(target) is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local);

        private static bool Declares(IOperation operation, ILocalSymbol local) =>
            operation.DescendantsAndSelf().OfType<ILocalReferenceOperation>().Any(r => r.IsDeclaration && SymbolEqualityComparer.Default.Equals(r.Local, local));
    }
}

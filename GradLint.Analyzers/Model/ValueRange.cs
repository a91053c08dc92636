using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

using static GradLint.Analyzers.Model.OperationHelpers;

namespace GradLint.Analyzers.Model
{
    /// <summary>What is provable about a tensor expression's values. Positive implies NonNegative.</summary>
    [Flags]
    internal enum ValueRange
    {
        Unknown = 0,
        NonNegative = 1,
        Positive = 3,
        BoundedAbove = 4,

        /// <summary>≤ 0 (implies BoundedAbove).</summary>
        NonPositive = 12,
    }

    /// <summary>
    /// A small value-range analysis over tensor expressions inside one method: is a value provably
    /// &gt; 0, ≥ 0, or bounded above? It follows locals assigned once and knows TorchSharp's method,
    /// static (<c>torch.X</c>, <c>using static</c>) and functional forms. Unknown otherwise — the rules
    /// built on it report only what it cannot prove safe, so every step it can prove removes noise.
    /// </summary>
    internal static class ValueRangeAnalysis
    {
        private const int MaxDepth = 12;

        public static ValueRange Of(IOperation? operation, TorchContext torch) => Of(operation, torch, 0);

        public static bool IsPositive(this ValueRange range) => (range & ValueRange.Positive) == ValueRange.Positive;

        public static bool IsNonNegative(this ValueRange range) => (range & ValueRange.NonNegative) != 0;

        public static bool IsNonPositive(this ValueRange range) => (range & ValueRange.NonPositive) == ValueRange.NonPositive;

        private static ValueRange Of(IOperation? operation, TorchContext torch, int depth)
        {
            operation = Strip(operation);
            if (operation is null || depth > MaxDepth)
            {
                return ValueRange.Unknown;
            }

            if (Constant(operation) is double value)
            {
                return value > 0 ? ValueRange.Positive | ValueRange.BoundedAbove
                    : value == 0 ? ValueRange.NonNegative | ValueRange.NonPositive
                    : ValueRange.NonPositive;
            }

            switch (operation)
            {
                case ILocalReferenceOperation local:
                    return Of(SingleAssignment(local), torch, depth + 1);
                case IBinaryOperation binary:
                    return OfBinary(binary, torch, depth);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } negation:
                    var negated = Of(negation.Operand, torch, depth + 1);
                    return (negated.IsNonNegative() ? ValueRange.NonPositive : 0) | (negated.IsNonPositive() ? ValueRange.NonNegative : 0);
                case IInvocationOperation invocation:
                    return OfCall(invocation, torch, depth);
                default:
                    return ValueRange.Unknown;
            }
        }

        private static ValueRange OfBinary(IBinaryOperation binary, TorchContext torch, int depth)
        {
            var left = Of(binary.LeftOperand, torch, depth + 1);
            var right = Of(binary.RightOperand, torch, depth + 1);
            switch (binary.OperatorKind)
            {
                case BinaryOperatorKind.Add:
                    if ((left.IsNonNegative() && right.IsPositive()) || (left.IsPositive() && right.IsNonNegative()))
                    {
                        return ValueRange.Positive;
                    }

                    // `x.pow(2).sum() + eps` with eps a plain number the analysis cannot see (a field,
                    // a parameter): adding a scalar to a non-negative tensor is how an epsilon is written.
                    if ((left.IsNonNegative() && IsUnknownScalar(binary.RightOperand, torch)) || (right.IsNonNegative() && IsUnknownScalar(binary.LeftOperand, torch)))
                    {
                        return ValueRange.Positive;
                    }

                    // `running_var + eps`, `s + 1e-6`: an epsilon added on purpose is the author's guard
                    // for a value they know is ≥ 0 (a variance, a squared norm) even where we cannot see it.
                    if (IsEpsilon(binary.RightOperand, torch) || IsEpsilon(binary.LeftOperand, torch))
                    {
                        return ValueRange.Positive;
                    }

                    return (left.IsNonNegative() && right.IsNonNegative() ? ValueRange.NonNegative : 0)
                        | (left.HasFlag(ValueRange.BoundedAbove) && right.HasFlag(ValueRange.BoundedAbove) ? ValueRange.BoundedAbove : 0);
                case BinaryOperatorKind.Multiply:
                    if (SameValue(binary.LeftOperand, binary.RightOperand))
                    {
                        return ValueRange.NonNegative;   // x * x
                    }

                    return left.IsPositive() && right.IsPositive() ? ValueRange.Positive
                        : left.IsNonNegative() && right.IsNonNegative() ? ValueRange.NonNegative
                        : (left.IsNonPositive() && right.IsNonNegative()) || (left.IsNonNegative() && right.IsNonPositive()) ? ValueRange.NonPositive
                        : left.IsNonPositive() && right.IsNonPositive() ? ValueRange.NonNegative
                        : ValueRange.Unknown;
                case BinaryOperatorKind.Divide:
                    // -0.5 / (sigma * sigma) * (x - mu).pow(2): the Gaussian's exponent is ≤ 0.
                    return left.IsPositive() && right.IsPositive() ? ValueRange.Positive
                        : left.IsNonNegative() && right.IsPositive() ? ValueRange.NonNegative
                        : left.IsNonPositive() && right.IsNonNegative() ? ValueRange.NonPositive
                        : ValueRange.Unknown;
                case BinaryOperatorKind.Subtract:
                    // x - x.max(…), x - x.amax(…), x - logsumexp(x): the softmax shift, ≤ 0.
                    if (Strip(binary.RightOperand) is IInvocationOperation { TargetMethod.Name: "max" or "amax" or "logsumexp" } shift
                        && IsTorchTensorFunction(shift.TargetMethod, torch) && SameValue(binary.LeftOperand, Input(shift)!))
                    {
                        return ValueRange.BoundedAbove;
                    }

                    return left.IsNonPositive() && right.IsNonNegative() ? ValueRange.NonPositive
                        : left.HasFlag(ValueRange.BoundedAbove) && right.IsNonNegative() ? ValueRange.BoundedAbove
                        : ValueRange.Unknown;
                default:
                    return ValueRange.Unknown;
            }
        }

        private static ValueRange OfCall(IInvocationOperation call, TorchContext torch, int depth)
        {
            if (!IsTorchTensorFunction(call.TargetMethod, torch))
            {
                return ValueRange.Unknown;
            }

            var input = Input(call);
            var inner = Of(input, torch, depth + 1);
            switch (call.TargetMethod.Name)
            {
                case "clamp_min":
                case "clamp_min_":
                    return FromMinArgument(Argument(call, "min"), torch) | (inner & ValueRange.BoundedAbove);
                case "clamp":
                case "clamp_":
                case "clip":
                    return FromMinArgument(Argument(call, "min"), torch) | (Argument(call, "max") is { } max && Constant(max) is double ? ValueRange.BoundedAbove : 0);
                case "clamp_max":
                case "clamp_max_":
                    return ValueRange.BoundedAbove | (inner & ValueRange.Positive);
                case "abs":
                case "abs_":
                case "relu":
                case "relu_":
                case "square":
                case "exp":
                case "softplus":
                case "norm":
                case "vector_norm":
                case "std":
                case "var":
                    return ValueRange.NonNegative;
                case "sqrt":
                case "sqrt_":
                    return inner.IsPositive() ? ValueRange.Positive : ValueRange.NonNegative;
                case "sigmoid":
                case "softmax":
                    return ValueRange.NonNegative | ValueRange.BoundedAbove;
                case "tanh":
                case "log_sigmoid":
                case "logsigmoid":
                    return ValueRange.BoundedAbove;
                case "pow":
                    return Constant(Argument(call, "exponent")) is double e && e % 2 == 0 ? ValueRange.NonNegative : ValueRange.Unknown;
                case "sum":
                case "mean":
                    return inner & ValueRange.Positive;
                case "add":
                case "add_":
                    // x.add(c) / torch.add(x, c): as x + c.
                    var addend = call.Instance is not null ? (call.Arguments.Length > 0 ? call.Arguments[0].Value : null) : (call.Arguments.Length > 1 ? call.Arguments[1].Value : null);
                    var other2 = Of(addend, torch, depth + 1);
                    if ((inner.IsNonNegative() && other2.IsPositive()) || (inner.IsPositive() && other2.IsNonNegative())
                        || (inner.IsNonNegative() && addend is not null && IsUnknownScalar(addend, torch)))
                    {
                        return ValueRange.Positive;
                    }

                    return inner.IsNonNegative() && other2.IsNonNegative() ? ValueRange.NonNegative : ValueRange.Unknown;
                case "maximum":
                    var other = Of(Argument(call, "other"), torch, depth + 1);
                    return (inner | other) & ValueRange.Positive;
                case "tensor":
                case "scalar_tensor":
                    // torch.tensor(1e-5): the constant's range.
                    return Constant(input) is double ? Of(input, torch, depth + 1) : ValueRange.Unknown;
                case "ones":
                case "ones_like":
                    return ValueRange.Positive | ValueRange.BoundedAbove;
                default:
                    return ValueRange.Unknown;
            }
        }

        // A constant lower bound proves what it proves; a lower bound given by a plain number the
        // analysis cannot see (`clamp(x, min: amin)`) is how a positive floor is written: trust it.
        private static ValueRange FromMinArgument(IOperation? min, TorchContext torch) =>
            Constant(min) is double value ? FromMin(value) : min is not null && IsUnknownScalar(min, torch) ? ValueRange.Positive : ValueRange.Unknown;

        private static ValueRange FromMin(double? min) =>
            min is double m ? (m > 0 ? ValueRange.Positive : m >= 0 ? ValueRange.NonNegative : ValueRange.Unknown) : ValueRange.Unknown;

        /// <summary>A method of Tensor, torch, torch.nn.functional or torch.special.</summary>
        public static bool IsTorchTensorFunction(IMethodSymbol method, TorchContext torch)
        {
            var type = method.ContainingType;
            return torch.IsTensor(type)
                || SymbolEqualityComparer.Default.Equals(type, torch.Torch)
                || (torch.Functional is not null && SymbolEqualityComparer.Default.Equals(type, torch.Functional))
                || (torch.Special is not null && SymbolEqualityComparer.Default.Equals(type, torch.Special))
                || (torch.Linalg is not null && SymbolEqualityComparer.Default.Equals(type, torch.Linalg));
        }

        private static double? Constant(IOperation? operation)
        {
            operation = Strip(operation);
            if (operation?.ConstantValue is { HasValue: true, Value: { } value })
            {
                try
                {
                    return Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is InvalidCastException || e is FormatException)
                {
                    return null;
                }
            }

            return null;
        }

        private static bool IsUnknownScalar(IOperation operand, TorchContext torch)
        {
            var stripped = Strip(operand);
            return stripped?.Type is { } type && !torch.IsTensor(type) && type.SpecialType is SpecialType.System_Double or SpecialType.System_Single
                && Constant(stripped) is null;
        }

        /// <summary>
        /// An epsilon written as one: a constant in (0, 1e-2], or a plain-number variable, field or
        /// parameter named eps/epsilon (bn_eps, layerNormEps, …).
        /// </summary>
        private static bool IsEpsilon(IOperation operand, TorchContext torch)
        {
            var stripped = Strip(operand);
            if (stripped is null)
            {
                return false;
            }

            if (Constant(stripped) is double value)
            {
                return value > 0 && value <= 1e-2;
            }

            var name = OperationHelpers.ReferencedSymbol(stripped)?.Name;
            return name is not null && (name.Equals("eps", StringComparison.OrdinalIgnoreCase) || name.EndsWith("eps", StringComparison.OrdinalIgnoreCase)
                || name.IndexOf("epsilon", StringComparison.OrdinalIgnoreCase) >= 0);
        }

        private static bool SameValue(IOperation a, IOperation b)
        {
            var x = OperationHelpers.ReferencedSymbol(Strip(a));
            return x is not null && SymbolEqualityComparer.Default.Equals(x, OperationHelpers.ReferencedSymbol(Strip(b)));
        }
    }
}

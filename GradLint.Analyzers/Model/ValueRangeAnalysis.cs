using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

using static GradLint.Analyzers.Model.OperationHelpers;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// An interval analysis over tensor expressions (and the plain numbers they are built from): the
    /// <see cref="Interval"/> every element of a value is provably in. It follows locals assigned once,
    /// private fields stored once and the returns of this file's own methods, and knows TorchSharp's
    /// method, static (<c>torch.X</c>, <c>using static</c>), functional and special forms. Whatever it
    /// cannot bound is (−∞, +∞) — the rules built on it report only what it cannot prove safe, so every
    /// bound it can prove removes noise. The transfer functions are listed in docs/numerical-analysis.md.
    /// </summary>
    internal sealed class ValueRangeAnalysis
    {
        private const int MaxDepth = 16;
        private const int MaxSteps = 2000;

        /// <summary>Operations that return some of their input's elements unchanged (views, copies, selections).</summary>
        private static readonly ImmutableHashSet<string> ValuePreserving = ImmutableHashSet.Create(
            "view", "reshape", "flatten", "squeeze", "unsqueeze", "transpose", "permute", "contiguous", "clone", "detach", "detach_",
            "expand", "expand_as", "repeat", "narrow", "select", "slice", "t", "masked_select", "index_select", "gather", "take",
            "view_as", "reshape_as", "movedim", "flip", "roll", "unfold", "to", "cpu", "cuda", "float", "double", "half", "bfloat16", "type_as");

        /// <summary>Reductions whose result lies within the input's range.</summary>
        private static readonly ImmutableHashSet<string> HullReductions = ImmutableHashSet.Create(
            "mean", "nanmean", "median", "nanmedian", "amax", "amin", "max", "min", "quantile", "nanquantile", "mode");

        private readonly TorchContext torch;
        private readonly CancellationToken cancellationToken;
        private int steps;

        private ValueRangeAnalysis(TorchContext torch, CancellationToken cancellationToken)
        {
            this.torch = torch;
            this.cancellationToken = cancellationToken;
        }

        /// <summary>The interval <paramref name="operation"/>'s values are provably in (<see cref="Interval.Unknown"/> when nothing is known).</summary>
        public static Interval Of(IOperation? operation, TorchContext torch, CancellationToken cancellationToken = default) =>
            new ValueRangeAnalysis(torch, cancellationToken).Of(operation, 0);

        /// <summary>A method of Tensor, torch, torch.nn.functional, torch.special or torch.linalg.</summary>
        public static bool IsTorchTensorFunction(IMethodSymbol method, TorchContext torch)
        {
            var type = method.ContainingType;
            return torch.IsTensor(type)
                || SymbolEqualityComparer.Default.Equals(type, torch.Torch)
                || (torch.Functional is not null && SymbolEqualityComparer.Default.Equals(type, torch.Functional))
                || (torch.Special is not null && SymbolEqualityComparer.Default.Equals(type, torch.Special))
                || (torch.Linalg is not null && SymbolEqualityComparer.Default.Equals(type, torch.Linalg));
        }

        private Interval Of(IOperation? operation, int depth)
        {
            operation = Strip(operation);
            if (operation is null || depth > MaxDepth || ++steps > MaxSteps)
            {
                return Interval.Unknown;
            }

            if (steps % 64 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (Constant(operation) is double value)
            {
                return Interval.Exactly(value);
            }

            switch (operation)
            {
                case IParenthesizedOperation parenthesized:
                    return Of(parenthesized.Operand, depth + 1);
                case IBinaryOperation binary:
                    return OfBinary(binary, depth);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } negation:
                    return -Of(negation.Operand, depth + 1);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Plus } plus:
                    return Of(plus.Operand, depth + 1);
                case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                    return Of(conditional.WhenTrue, depth + 1).Join(Of(whenFalse, depth + 1));
                case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } indexed } indexer when torch.IsTensor(indexed.Type):
                    return OfIndexer(indexer, indexed, depth);
                case IInvocationOperation invocation:
                    return OfCall(invocation, depth);
                case ILocalReferenceOperation:
                case IFieldReferenceOperation:
                case IParameterReferenceOperation:
                case IPropertyReferenceOperation:
                    var known = Definition(operation) is { } definition ? Of(definition, depth + 1) : Interval.Unknown;
                    // An epsilon written as one (eps, bn_eps, layerNormEps, epsilon) is the author's declared
                    // positive constant even where its value comes from elsewhere.
                    return known.IsUnknown && IsEpsilonName(operation) ? Interval.Positive : known;
                default:
                    return Interval.Unknown;
            }
        }

        private Interval OfBinary(IBinaryOperation binary, int depth)
        {
            switch (binary.OperatorKind)
            {
                case BinaryOperatorKind.Add:
                    return Sum(binary.LeftOperand, binary.RightOperand, depth);
                case BinaryOperatorKind.Subtract:
                    // x - x.amax(…), x - x.max(…), x - logsumexp(x): the softmax shift, ≤ 0.
                    if (Strip(binary.RightOperand) is IInvocationOperation { TargetMethod.Name: "max" or "amax" or "logsumexp" } shift
                        && IsTorchTensorFunction(shift.TargetMethod, torch) && Input(shift) is { } shifted && SameValue(binary.LeftOperand, shifted))
                    {
                        return Interval.NonPositive;
                    }

                    return Of(binary.LeftOperand, depth + 1) - Of(binary.RightOperand, depth + 1);
                case BinaryOperatorKind.Multiply:
                    return Product(binary, depth);
                case BinaryOperatorKind.Divide:
                    return Of(binary.LeftOperand, depth + 1) / Of(binary.RightOperand, depth + 1);
                default:
                    return Interval.Unknown;
            }
        }

        // a + b, with the two ways authors write an epsilon the analysis cannot see: x.pow(2).sum() + lambda
        // (a plain-number variable added to a value ≥ 0) and running_var + bn_eps / s + 1e-6 (an epsilon
        // added on purpose is the author's guard for a value they know is ≥ 0).
        private Interval Sum(IOperation left, IOperation right, int depth)
        {
            var a = Of(left, depth + 1);
            var b = Of(right, depth + 1);
            var sum = a + b;
            if (!sum.IsPositive
                && ((a.IsNonNegative && IsUnknownScalar(right)) || (b.IsNonNegative && IsUnknownScalar(left))
                    || (IsEpsilon(right) && !a.IsNegative) || (IsEpsilon(left) && !b.IsNegative)))
            {
                return new Interval(0, true, sum.High, sum.HighOpen);
            }

            return sum;
        }

        // A product, with every variable that appears an even number of times squared: 2 * sigma * sigma ≥ 0, x * x ≥ 0.
        private Interval Product(IBinaryOperation product, int depth)
        {
            var factors = new List<IOperation>();
            Factors(product, factors);
            var result = Interval.Exactly(1);
            var used = new bool[factors.Count];
            for (var i = 0; i < factors.Count; i++)
            {
                if (used[i])
                {
                    continue;
                }

                var count = 1;
                for (var j = i + 1; j < factors.Count; j++)
                {
                    if (!used[j] && SameValue(factors[i], factors[j]))
                    {
                        used[j] = true;
                        count++;
                    }
                }

                var factor = Of(factors[i], depth + 1);
                for (var k = 0; k < count / 2; k++)
                {
                    result *= factor.Square();
                }

                if (count % 2 == 1)
                {
                    result *= factor;
                }
            }

            return result;
        }

        private static void Factors(IOperation operation, List<IOperation> factors)
        {
            var stripped = StripParentheses(operation)!;

            if (stripped is IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } product && factors.Count < 8)
            {
                Factors(product.LeftOperand, factors);
                Factors(product.RightOperand, factors);
            }
            else
            {
                factors.Add(stripped);
            }
        }

        // x[i], x[.., 0]: some of x's values. x[x > c] (a mask of x against a constant): only those past c.
        private Interval OfIndexer(IPropertyReferenceOperation indexer, IOperation indexed, int depth)
        {
            var values = Of(indexed, depth + 1);
            if (indexer.Arguments.Length == 1)
            {
                var index = Strip(indexer.Arguments[0].Value);
                if (index is IArrayCreationOperation { Initializer.ElementValues: { Length: 1 } elements })
                {
                    index = Strip(elements[0]);   // the params Tensor[] form
                }

                if (index is IBinaryOperation comparison && SameValue(comparison.LeftOperand, indexed) && Constant(comparison.RightOperand) is double c)
                {
                    var kept = comparison.OperatorKind switch
                    {
                        BinaryOperatorKind.GreaterThan => new Interval(c, true, double.PositiveInfinity, true),
                        BinaryOperatorKind.GreaterThanOrEqual => new Interval(c, false, double.PositiveInfinity, true),
                        BinaryOperatorKind.LessThan => new Interval(double.NegativeInfinity, true, c, true),
                        BinaryOperatorKind.LessThanOrEqual => new Interval(double.NegativeInfinity, true, c, false),
                        _ => Interval.Unknown,
                    };
                    return values.Meet(kept);
                }
            }

            return values;
        }

        private Interval OfCall(IInvocationOperation call, int depth)
        {
            var method = call.TargetMethod;
            if (!IsTorchTensorFunction(method, torch))
            {
                return OfOtherCall(call, depth);
            }

            var name = method.Name.TrimEnd('_');   // in place (x.clamp_(…), x.exp_()) as out of place

            var input = Input(call);
            switch (name)
            {
                // Factories and constants.
                case "tensor":
                case "scalar_tensor":
                    return Constant(input) is double ? Of(input, depth + 1) : Interval.Unknown;
                case "ones":
                case "ones_like":
                    return Interval.Exactly(1);
                case "zeros":
                case "zeros_like":
                    return Interval.Exactly(0);
                case "full":
                case "full_like":
                    return Of(Argument(call, "value") ?? Argument(call, "fill_value"), depth + 1);
                case "rand":
                case "rand_like":
                    return new Interval(0, false, 1, true);
                case "eye":
                    return Interval.Closed(0, 1);

                // Arithmetic written as calls.
                case "add":
                    return Sum(input!, Second(call)!, depth);
                case "sub":
                case "subtract":
                    return Of(input, depth + 1) - Of(Second(call), depth + 1);
                case "mul":
                case "multiply":
                    return Of(input, depth + 1) * Of(Second(call), depth + 1);
                case "div":
                case "divide":
                case "true_divide":
                    return Of(input, depth + 1) / Of(Second(call), depth + 1);
                case "neg":
                case "negative":
                    return -Of(input, depth + 1);
                case "reciprocal":
                    return Of(input, depth + 1).Reciprocal();

                // Clamps and element-wise extremes.
                case "clamp":
                case "clip":
                    return Clamp(Of(input, depth + 1), Argument(call, "min"), Argument(call, "max"), depth);
                case "clamp_min":
                    return Clamp(Of(input, depth + 1), Argument(call, "min") ?? Second(call), null, depth);
                case "clamp_max":
                    return Clamp(Of(input, depth + 1), null, Argument(call, "max") ?? Second(call), depth);
                case "maximum":
                case "fmax":
                    return Interval.Maximum(Of(input, depth + 1), Of(Second(call), depth + 1));
                case "minimum":
                case "fmin":
                    return Interval.Minimum(Of(input, depth + 1), Of(Second(call), depth + 1));
                case "max" when Second(call) is { } other && torch.IsTensor(other.Type):
                    return Interval.Maximum(Of(input, depth + 1), Of(other, depth + 1));   // torch.max(a, b): element-wise
                case "min" when Second(call) is { } other && torch.IsTensor(other.Type):
                    return Interval.Minimum(Of(input, depth + 1), Of(other, depth + 1));
                case "masked_fill":
                    return call.Arguments.Length >= 2 ? Of(input, depth + 1).Join(Of(call.Arguments[call.Arguments.Length - 1].Value, depth + 1)) : Interval.Unknown;
                case "where":
                    // torch.where(condition, x, y) / x.where(condition, y)
                    return call.Instance is null
                        ? (call.Arguments.Length >= 3 ? Of(call.Arguments[1].Value, depth + 1).Join(Of(call.Arguments[2].Value, depth + 1)) : Interval.Unknown)
                        : (call.Arguments.Length >= 2 ? Of(call.Instance, depth + 1).Join(Of(call.Arguments[1].Value, depth + 1)) : Interval.Unknown);

                // Element-wise functions.
                case "abs":
                    return Of(input, depth + 1).Abs();
                case "square":
                    return Of(input, depth + 1).Square();
                case "pow":
                    return Power(Of(input, depth + 1), Constant(Argument(call, "exponent") ?? Second(call)));
                case "sqrt":
                    return Sqrt(Of(input, depth + 1));
                case "rsqrt":
                    return Sqrt(Of(input, depth + 1)).Reciprocal();
                case "exp":
                    return Exp(Of(input, depth + 1));
                case "expm1":
                    return Exp(Of(input, depth + 1)) - Interval.Exactly(1);
                case "log":
                case "log2":
                case "log10":
                    return Log(Of(input, depth + 1), name);
                case "log1p":
                    return Log(Of(input, depth + 1) + Interval.Exactly(1), "log");
                case "sigmoid":
                case "expit":
                    return Sigmoid(Of(input, depth + 1));
                case "hardsigmoid":
                    return Interval.Closed(0, 1);
                case "logsigmoid":
                case "log_sigmoid":
                case "log_softmax":
                    return Interval.NonPositive;
                case "softmax":
                    return Interval.Closed(0, 1);
                case "tanh":
                    return Tanh(Of(input, depth + 1));
                case "hardtanh":
                case "sin":
                case "cos":
                case "erf":
                case "sign":
                case "cosine_similarity":
                    return Interval.Closed(-1, 1);
                case "erfc":
                    return Interval.Closed(0, 2);
                case "relu":
                    return Interval.Maximum(Of(input, depth + 1), Interval.Exactly(0));
                case "relu6":
                    return Interval.Minimum(Interval.Maximum(Of(input, depth + 1), Interval.Exactly(0)), Interval.Exactly(6));
                case "softplus":
                    return Softplus(Of(input, depth + 1));
                case "gelu":
                case "silu":
                case "mish":
                    // Smooth ReLUs dip to at most −0.31 (mish), −0.28 (silu), −0.17 (gelu) and are ≤ max(x, 0).
                    var x = Of(input, depth + 1);
                    return new Interval(-0.31, false, Math.Max(x.High, 0), false);

                // Reductions.
                case "sum":
                case "nansum":
                case "cumsum":
                    return SumOf(call, Of(input, depth + 1), depth);
                case "logsumexp":
                    return new Interval(Of(input, depth + 1).Low, false, double.PositiveInfinity, true);
                case "norm":
                case "vector_norm":
                case "matrix_norm":
                case "frobenius_norm":
                    // A norm of values that are all away from 0 is at least the smallest magnitude.
                    var magnitude = Of(input, depth + 1).Abs();
                    return new Interval(magnitude.Low, magnitude.LowOpen, double.PositiveInfinity, true);
                case "std":
                case "var":
                case "dist":
                case "cdist":
                case "pairwise_distance":
                    return Interval.NonNegative;
                default:
                    if (HullReductions.Contains(name) || ValuePreserving.Contains(name))
                    {
                        return torch.IsTensor(method.ReturnType) ? Of(input, depth + 1) : Interval.Unknown;
                    }

                    if (TorchContext.NonNegativeLossFunctions.Contains(name) && torch.Functional is not null
                        && SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Functional))
                    {
                        return Interval.NonNegative;
                    }

                    return Interval.Unknown;
            }
        }

        // A loss module's call (criterion.call(x, y), criterion.forward(x, y)) for the losses that are ≥ 0;
        // Math's functions on plain numbers; this file's own helpers, by what they return.
        private Interval OfOtherCall(IInvocationOperation call, int depth)
        {
            var method = call.TargetMethod;
            if (method.Name is "call" or "forward" && call.Instance?.Type is INamedTypeSymbol module
                && torch.NonNegativeLossModules.Contains(module.OriginalDefinition))
            {
                return Interval.NonNegative;
            }

            if (method.ContainingType is { } containing && torch.MathTypes.Contains(containing))
            {
                var argument = call.Arguments.Length > 0 ? Of(call.Arguments[0].Value, depth + 1) : Interval.Unknown;
                switch (method.Name)
                {
                    case "Sqrt": return Sqrt(argument);
                    case "Exp": return Exp(argument);
                    case "Abs": return argument.Abs();
                    case "Log": return Log(argument, "log");
                    case "Max" when call.Arguments.Length == 2: return Interval.Maximum(argument, Of(call.Arguments[1].Value, depth + 1));
                    case "Min" when call.Arguments.Length == 2: return Interval.Minimum(argument, Of(call.Arguments[1].Value, depth + 1));
                    default: return Interval.Unknown;
                }
            }

            var returns = Returns(call);
            if (returns.Count == 0)
            {
                return Interval.Unknown;
            }

            var joined = Of(returns[0], depth + 1);
            for (var i = 1; i < returns.Count && !joined.IsUnknown; i++)
            {
                joined = joined.Join(Of(returns[i], depth + 1));
            }

            return joined;
        }

        // clamp(x, min, max) = min(max(x, min), max). A minimum given by a plain number the analysis cannot
        // see (clamp(x, min: amin)) is how a positive floor is written: trusted as > 0. With both bounds the
        // author's order min ≤ max is trusted too, so the result never falls below the floor:
        // sigmoid(x).clamp(eps, 1 - eps) is in (0, 1) for any eps > 0.
        private Interval Clamp(Interval value, IOperation? min, IOperation? max, int depth)
        {
            Interval? floor = null;
            if (min is not null)
            {
                var given = Of(min, depth + 1);
                floor = given.IsUnknown && IsUnknownScalar(min) ? Interval.Positive : given;
                value = Interval.Maximum(value, floor.Value);
            }

            // A maximum given by a plain number the analysis cannot see bounds nothing it can prove, and takes nothing away.
            if (max is not null && !(IsUnknownScalar(max) && Of(max, depth + 1).IsUnknown))
            {
                value = Interval.Minimum(value, Of(max, depth + 1));
                if (floor is { } f && (f.Low > value.Low || (f.Low == value.Low && f.LowOpen)))
                {
                    value = new Interval(f.Low, f.LowOpen, value.High, value.HighOpen);
                }
            }

            return value;
        }

        // sum over a dim: each element in [lo, hi] and at least one element, so ≥ lo when lo ≥ 0 and ≤ hi when hi ≤ 0.
        // The sum of exp(x - x.amax(d)) over the same d holds the maximum's exp(0) = 1: it is ≥ 1.
        // (The sum's dim is compared as written: sum(1) with softmax(x, 1); a static call's first argument is its input.)
        private Interval SumOf(IInvocationOperation sum, Interval element, int depth)
        {
            // A softmax summed over its own dim is 1 (up to rounding): weights / weights.sum(0).
            if (Call(NumericThrough(Input(sum)), "softmax") is { } softmax && DimText(softmax) == DimText(sum) && DimText(sum).Length > 0)
            {
                return Interval.Exactly(1);
            }

            if (Call(NumericThrough(Input(sum)), "exp") is { } exp && Strip(Input(exp)) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } shift
                && Strip(shift.RightOperand) is IInvocationOperation { TargetMethod.Name: "max" or "amax" } max && IsTorchTensorFunction(max.TargetMethod, torch)
                && Input(max) is { } maxed && SameValue(shift.LeftOperand, maxed) && DimText(sum) == DimText(max))
            {
                return new Interval(1, false, double.PositiveInfinity, true);
            }

            // A sum of exps is 0 only if every term underflows (every input below −103 in float32) — not a hazard of
            // the division by it: the exp's own overflow (GL2005) is what breaks an unshifted softmax or InfoNCE.
            if (Call(NumericThrough(Input(sum)), "exp") is not null && element.Low <= 0)
            {
                return Interval.Positive;
            }

            return new Interval(
                element.Low >= 0 ? element.Low : double.NegativeInfinity,
                element.LowOpen,
                element.High <= 0 ? element.High : double.PositiveInfinity,
                element.HighOpen);
        }

        // The reduction's dims as written: the first argument after the input ("" for a full reduction).
        private static string DimText(IInvocationOperation call)
        {
            if (call.Syntax is not InvocationExpressionSyntax invocation)
            {
                return "?";
            }

            var skip = call.Instance is null ? 1 : 0;
            var arguments = invocation.ArgumentList.Arguments;
            if (arguments.Count <= skip)
            {
                return "";
            }

            // amax(new long[] { 1 }, true) and sum(1, true) name the same dim.
            var dims = arguments[skip].Expression;
            var single = dims switch
            {
                ArrayCreationExpressionSyntax { Initializer.Expressions.Count: 1 } array => array.Initializer.Expressions[0],
                ImplicitArrayCreationExpressionSyntax { Initializer.Expressions.Count: 1 } array => array.Initializer.Expressions[0],
                CollectionExpressionSyntax { Elements.Count: 1 } collection when collection.Elements[0] is ExpressionElementSyntax element => element.Expression,
                _ => dims,
            };
            return single.ToString();
        }

        // What a sum's input stands for: itself, or what a local, private field or helper of this file holds.
        private static IOperation? NumericThrough(IOperation? operation) => Strip(NumericCalls.ThroughDefinition(operation));

        private IInvocationOperation? Call(IOperation? operation, string name) => NumericCalls.Call(operation, name, torch);

        private static Interval Exp(Interval x)
        {
            // float32 exp leaves the normal range below −87 and reaches 0 soon after: a closed 0.
            var low = x.Low < Interval.ExpUnderflow ? (0.0, false) : (Math.Exp(x.Low), x.LowOpen);
            return new Interval(low.Item1, low.Item2, Math.Exp(x.High), x.HighOpen);
        }

        private static Interval Sigmoid(Interval x)
        {
            var low = x.Low < Interval.ExpUnderflow ? (0.0, false) : (1 / (1 + Math.Exp(-x.Low)), x.LowOpen);
            var high = x.High > Interval.SigmoidSaturation ? (1.0, false) : (1 / (1 + Math.Exp(-x.High)), x.HighOpen);
            return new Interval(low.Item1, low.Item2, high.Item1, high.Item2);
        }

        private static Interval Tanh(Interval x)
        {
            // float32 tanh is exactly ±1 past ±9: closed there.
            var low = x.Low < -Interval.TanhSaturation ? (-1.0, false) : (Math.Tanh(x.Low), x.LowOpen);
            var high = x.High > Interval.TanhSaturation ? (1.0, false) : (Math.Tanh(x.High), x.HighOpen);
            return new Interval(low.Item1, low.Item2, high.Item1, high.Item2);
        }

        private static Interval Softplus(Interval x)
        {
            var low = x.Low < Interval.ExpUnderflow ? (0.0, false) : (Math.Log(1 + Math.Exp(x.Low)), x.LowOpen);
            var high = x.High <= 0 ? Math.Log(1 + Math.Exp(x.High)) : x.High + Math.Log(2);
            return new Interval(low.Item1, low.Item2, high, x.HighOpen);
        }

        private static Interval Sqrt(Interval x) =>
            x.High < 0 ? Interval.Unknown : new Interval(Math.Sqrt(Math.Max(x.Low, 0)), x.Low >= 0 && x.LowOpen, Math.Sqrt(x.High), x.HighOpen);

        private static Interval Log(Interval x, string name)
        {
            Func<double, double> log = name == "log2" ? v => Math.Log(v, 2) : name == "log10" ? Math.Log10 : Math.Log;
            if (x.High <= 0)
            {
                return Interval.Unknown;
            }

            // Below 0 log is NaN, at 0 it is −∞: the finite values it can take are bounded above only.
            return x.Low > 0 || (x.Low == 0 && x.LowOpen) ? x.Increasing(log) : new Interval(double.NegativeInfinity, true, log(x.High), x.HighOpen);
        }

        private static Interval Power(Interval x, double? exponent)
        {
            if (exponent is not double e)
            {
                return Interval.Unknown;
            }

            if (e == 2)
            {
                return x.Square();
            }

            var isInteger = Math.Floor(e) == e;
            if (isInteger && e > 0 && e % 2 == 0)
            {
                return x.Abs().Increasing(v => Math.Pow(v, e));
            }

            if (isInteger && e > 0)
            {
                return x.Increasing(v => Math.Pow(v, e));
            }

            if (e > 0 && x.IsNonNegative)
            {
                return x.Increasing(v => Math.Pow(v, e));
            }

            if (e < 0 && x.IsPositive)
            {
                return x.Increasing(v => Math.Pow(v, -e)).Reciprocal();
            }

            return Interval.Unknown;
        }

        // The second operand of a two-operand call: x.f(y) or torch.f(x, y).
        private static IOperation? Second(IInvocationOperation call) =>
            call.Instance is not null ? (call.Arguments.Length > 0 ? call.Arguments[0].Value : null) : (call.Arguments.Length > 1 ? call.Arguments[1].Value : null);

        private static double? Constant(IOperation? operation)
        {
            operation = Strip(operation);
            if (operation?.ConstantValue is { HasValue: true, Value: { } value } && value is not bool && value is not string)
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

        private bool IsUnknownScalar(IOperation operand)
        {
            var stripped = Strip(operand);
            return stripped?.Type is { } type && !torch.IsTensor(type) && type.SpecialType is SpecialType.System_Double or SpecialType.System_Single
                && Constant(stripped) is null;
        }

        /// <summary>
        /// An epsilon written as one: a constant in (0, 1e-2], or a variable, field or parameter named
        /// eps/epsilon (bn_eps, layerNormEps, …).
        /// </summary>
        private static bool IsEpsilon(IOperation operand)
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

            return IsEpsilonName(stripped);
        }

        private static bool IsEpsilonName(IOperation operation)
        {
            var name = ReferencedSymbol(operation)?.Name;
            return name is not null && (name.Equals("eps", StringComparison.OrdinalIgnoreCase) || name.EndsWith("eps", StringComparison.OrdinalIgnoreCase)
                || name.IndexOf("epsilon", StringComparison.OrdinalIgnoreCase) >= 0);
        }

        private static bool SameValue(IOperation a, IOperation b)
        {
            var x = ReferencedSymbol(Strip(a));
            return x is not null && SymbolEqualityComparer.Default.Equals(x, ReferencedSymbol(Strip(b)));
        }
    }
}

using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>Recognises TorchSharp's numeric functions in every form: <c>x.log()</c>, <c>torch.log(x)</c>, <c>log(x)</c> under <c>using static</c>, in-place <c>x.log_()</c>, functional and special forms.</summary>
    internal static class NumericCalls
    {
        public static bool IsLog(IInvocationOperation call, TorchSymbols torch) =>
            call.TargetMethod.Name is "log" or "log_" or "log2" or "log10" && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch);

        public static bool IsSoftmax(IInvocationOperation call, TorchSymbols torch) =>
            call.TargetMethod.Name == "softmax" && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch);

        /// <summary>
        /// The x of <c>1 + x</c> or <c>x + 1</c> when <paramref name="operation"/> is one (the constant 1 exactly), else null.
        /// </summary>
        public static IOperation? OnePlus(IOperation? operation)
        {
            if (ValueRangeAnalysis.Strip(operation) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add)
            {
                if (IsOne(add.LeftOperand)) return add.RightOperand;
                if (IsOne(add.RightOperand)) return add.LeftOperand;
            }

            return null;
        }

        public static bool IsOne(IOperation operand) =>
            ValueRangeAnalysis.Strip(operand)?.ConstantValue is { HasValue: true, Value: { } v } && System.Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) == 1.0;

        public static bool IsNaN(IOperation? operand) =>
            ValueRangeAnalysis.Strip(operand)?.ConstantValue is { HasValue: true, Value: double d } ? double.IsNaN(d)
            : ValueRangeAnalysis.Strip(operand)?.ConstantValue is { HasValue: true, Value: float f } && float.IsNaN(f);

        /// <summary>Property key under which a diagnostic carries the expression its fix writes.</summary>
        public const string ReplacementKey = "gradlint.replacement";

        /// <summary>
        /// <paramref name="operation"/> written as the receiver of a member access: its own text when
        /// it is a name, call, member or element access, else in parentheses (as the source had them).
        /// </summary>
        public static string Receiver(IOperation operation)
        {
            var syntax = operation.Syntax;
            while (syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ParenthesizedExpressionSyntax parenthesized)
            {
                syntax = parenthesized;
            }

            return syntax is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax
                or Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax
                or Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax
                or Microsoft.CodeAnalysis.CSharp.Syntax.ElementAccessExpressionSyntax
                or Microsoft.CodeAnalysis.CSharp.Syntax.ParenthesizedExpressionSyntax
                ? syntax.ToString()
                : "(" + syntax + ")";
        }

        /// <summary>Property key: when present, the fix replaces the diagnostic's first additional location, not its location.</summary>
        public const string ReplaceAdditionalKey = "gradlint.replace_additional";

        public static ImmutableDictionary<string, string?> Replacement(string text, bool atAdditionalLocation = false) =>
            atAdditionalLocation
                ? ImmutableDictionary<string, string?>.Empty.Add(ReplacementKey, text).Add(ReplaceAdditionalKey, "true")
                : ImmutableDictionary<string, string?>.Empty.Add(ReplacementKey, text);

        /// <summary>The softmax call that <paramref name="log"/> takes the log of, if it does.</summary>
        public static IInvocationOperation? SoftmaxArgument(IInvocationOperation log, TorchSymbols torch) =>
            ValueRangeAnalysis.Strip(ValueRangeAnalysis.Input(log)) is IInvocationOperation inner && IsSoftmax(inner, torch) ? inner : null;
    }
}

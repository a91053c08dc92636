using System.Linq;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>Recognises TorchSharp's numeric functions in every form: <c>x.log()</c>, <c>torch.log(x)</c>, <c>log(x)</c> under <c>using static</c>, in-place <c>x.log_()</c>, functional and special forms.</summary>
    internal static class NumericCalls
    {
        public static bool IsLog(IInvocationOperation call, TorchContext torch) =>
            call.TargetMethod.Name is "log" or "log_" or "log2" or "log10" && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch);

        public static bool IsSoftmax(IInvocationOperation call, TorchContext torch) =>
            call.TargetMethod.Name == "softmax" && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch);

        /// <summary>
        /// The x of <c>1 + x</c> or <c>x + 1</c> when <paramref name="operation"/> is one (the constant 1 exactly), else null.
        /// </summary>
        public static IOperation? OnePlus(IOperation? operation)
        {
            if (OperationHelpers.Strip(operation) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add)
            {
                if (IsOne(add.LeftOperand)) return add.RightOperand;
                if (IsOne(add.RightOperand)) return add.LeftOperand;
            }

            return null;
        }

        public static bool IsOne(IOperation operand) =>
            OperationHelpers.Strip(operand)?.ConstantValue is { HasValue: true, Value: { } v } && System.Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) == 1.0;

        public static bool IsNaN(IOperation? operand) =>
            OperationHelpers.Strip(operand)?.ConstantValue is { HasValue: true, Value: double d } ? double.IsNaN(d)
            : OperationHelpers.Strip(operand)?.ConstantValue is { HasValue: true, Value: float f } && float.IsNaN(f);

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

        /// <summary>A call of <paramref name="name"/> on Tensor, torch, functional or special.</summary>
        public static IInvocationOperation? Call(IOperation? operation, string name, TorchContext torch) =>
            OperationHelpers.Strip(operation) is IInvocationOperation call && call.TargetMethod.Name == name && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch) ? call : null;

        /// <summary>For <c>log(sum(exp(x)))</c>: the sum and the exp; else null.</summary>
        public static (IInvocationOperation Sum, IInvocationOperation Exp)? LogSumExp(IInvocationOperation log, TorchContext torch) =>
            log.TargetMethod.Name == "log" && Call(OperationHelpers.Input(log), "sum", torch) is { } sum && Call(OperationHelpers.Input(sum), "exp", torch) is { } exp
                ? (sum, exp)
                : null;

        /// <summary>
        /// For <c>exp(x) / exp(x).sum(…)</c> (the same x) — also through locals assigned once:
        /// <c>var num = exp(x); var den = num.sum(1, true); num / den</c> — the sum on the right; else null.
        /// </summary>
        public static IInvocationOperation? HandWrittenSoftmax(IBinaryOperation division, TorchContext torch)
        {
            if (division.OperatorKind != BinaryOperatorKind.Divide || Call(ThroughDefinition(division.LeftOperand), "exp", torch) is not { } top
                || Call(ThroughDefinition(division.RightOperand), "sum", torch) is not { } sum || Call(ThroughDefinition(OperationHelpers.Input(sum)), "exp", torch) is not { } bottom)
            {
                return null;
            }

            // Through a helper or a field the exp's input is read in another function: there the division itself must
            // pass the same expression on both sides (Num(x) / Num(x).sum(1, true)), or it may not be a softmax at all.
            var root = OperationHelpers.Root(division);
            if (!ReferenceEquals(OperationHelpers.Root(top), root) || !ReferenceEquals(OperationHelpers.Root(bottom), root))
            {
                return OperationHelpers.Input(sum) is { } summed && ReferenceEquals(OperationHelpers.Root(summed), root)
                    && OperationHelpers.Strip(division.LeftOperand)!.Syntax.ToString() == OperationHelpers.Strip(summed)!.Syntax.ToString() ? sum : null;
            }

            if (ReferenceEquals(top, bottom))
            {
                return sum;   // the same exp, held in one local
            }

            var a = OperationHelpers.Input(top);
            var b = OperationHelpers.Input(bottom);
            return a is not null && b is not null && a.Syntax.ToString() == b.Syntax.ToString() ? sum : null;
        }

        /// <summary>The exp of a hand-written softmax's numerator (see <see cref="HandWrittenSoftmax"/>).</summary>
        public static IInvocationOperation? SoftmaxNumerator(IBinaryOperation division, TorchContext torch) =>
            Call(ThroughDefinition(division.LeftOperand), "exp", torch);

        /// <summary>The value a local assigned once, a private field stored once or a helper of this file stands for (<see cref="OperationHelpers.Definition"/>), or the operation itself.</summary>
        public static IOperation? ThroughDefinition(IOperation? operation) =>
            OperationHelpers.Strip(operation) is ILocalReferenceOperation or IFieldReferenceOperation or IInvocationOperation
                && OperationHelpers.Definition(operation) is { } value
                ? OperationHelpers.Strip(value)
                : operation;

        /// <summary>True when <paramref name="exp"/> is the left operand of <c>exp(x) - 1</c> (GL2004's).</summary>
        public static bool InExpMinusOne(IInvocationOperation exp)
        {
            var parent = exp.Parent;
            while (parent is IConversionOperation) parent = parent.Parent;
            return parent is IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } minus
                && OperationHelpers.Strip(minus.LeftOperand) == exp && IsOne(minus.RightOperand);
        }

        /// <summary>
        /// True inside <c>using (torch.no_grad())</c> / <c>using var _ = no_grad();</c> (or
        /// inference_mode) in the same function: no gradient flows there.
        /// </summary>
        public static bool UnderNoGrad(IOperation operation)
        {
            for (var node = operation.Syntax.Parent; node is not null; node = node.Parent)
            {
                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.UsingStatementSyntax usingStatement && IsNoGrad(usingStatement.Expression ?? (SyntaxNode?)usingStatement.Declaration))
                {
                    return true;
                }

                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.BlockSyntax block)
                {
                    foreach (var statement in block.Statements)
                    {
                        if (statement.SpanStart >= operation.Syntax.SpanStart) break;
                        if (statement is Microsoft.CodeAnalysis.CSharp.Syntax.LocalDeclarationStatementSyntax declaration
                            && declaration.UsingKeyword.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.UsingKeyword) && IsNoGrad(declaration))
                        {
                            return true;
                        }
                    }
                }

                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax)
                {
                    return false;
                }
            }

            return false;
        }

        private static bool IsNoGrad(SyntaxNode? node) =>
            node is not null && System.Linq.Enumerable.Any(node.DescendantNodesAndSelf(), n => n is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax call
                && CandidateInvocations.InvokedName(call) is "no_grad" or "inference_mode");

        /// <summary>True when <paramref name="exp"/> is part of a pattern GL2003 reports (it says it better).</summary>
        public static bool InLogSumExpPattern(IInvocationOperation exp, TorchContext torch)
        {
            for (var parent = exp.Parent; parent is not null; parent = parent.Parent)
            {
                switch (parent)
                {
                    case IConversionOperation:
                    case IArgumentOperation:
                        continue;
                    case IInvocationOperation { TargetMethod.Name: "sum" } sum when sum.Parent is not null:
                        var above = sum.Parent;
                        while (above is IConversionOperation || above is IArgumentOperation) above = above.Parent;
                        return (above is IInvocationOperation log && LogSumExp(log, torch) is not null)
                            || (above is IBinaryOperation outer && HandWrittenSoftmax(outer, torch) is not null);
                    case IBinaryOperation division:
                        return HandWrittenSoftmax(division, torch) is not null;
                    default:
                        return false;
                }
            }

            return false;
        }

        public static bool IsSigmoid(IInvocationOperation call, TorchContext torch) =>
            call.TargetMethod.Name == "sigmoid" && ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch);

        /// <summary>
        /// The sigmoid call when <paramref name="log"/> is <c>log(sigmoid(x))</c> (Complement false) or
        /// <c>log(1 - sigmoid(x))</c> (Complement true), in any form; else null.
        /// </summary>
        public static (IInvocationOperation Sigmoid, bool Complement)? SigmoidLog(IInvocationOperation log, TorchContext torch)
        {
            if (log.TargetMethod.Name != "log")
            {
                return null;
            }

            var input = OperationHelpers.Strip(OperationHelpers.Input(log));
            if (input is IInvocationOperation direct && IsSigmoid(direct, torch))
            {
                return (direct, false);
            }

            if (input is IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } minus && IsOne(minus.LeftOperand)
                && OperationHelpers.Strip(minus.RightOperand) is IInvocationOperation complement && IsSigmoid(complement, torch))
            {
                return (complement, true);
            }

            return null;
        }

        /// <summary>The softmax call that <paramref name="log"/> takes the log of, if it does.</summary>
        public static IInvocationOperation? SoftmaxArgument(IInvocationOperation log, TorchContext torch)
        {
            var input = OperationHelpers.Strip(OperationHelpers.Input(log));
            if (input is IInvocationOperation inner && IsSoftmax(inner, torch))
            {
                return inner;
            }

            // A softmax held in a local (var p = softmax(x, 1); … log(p), p.log()) — the common form — when its input
            // and dim still mean at the log what they meant at the softmax, so log_softmax(x, 1) may replace log(p).
            if (input is ILocalReferenceOperation local
                && OperationHelpers.Strip(OperationHelpers.SingleAssignment(local)) is IInvocationOperation held && IsSoftmax(held, torch)
                && IsStable(OperationHelpers.Input(held)) && IsStable(OperationHelpers.Argument(held, "dim")))
            {
                return held;
            }

            // A softmax a private field holds or a helper of this file returns: log_softmax is the advice, but written
            // in that other function (see SoftmaxIsInScope).
            if (input is IFieldReferenceOperation or IInvocationOperation
                && OperationHelpers.Strip(OperationHelpers.Definition(input)) is IInvocationOperation elsewhere && IsSoftmax(elsewhere, torch))
            {
                return elsewhere;
            }

            return null;
        }

        /// <summary>True when <paramref name="softmax"/> (found by <see cref="SoftmaxArgument"/>) is in <paramref name="use"/>'s function, so its input and dim can be written there.</summary>
        public static bool SoftmaxIsInScope(IInvocationOperation softmax, IOperation use) =>
            ReferenceEquals(OperationHelpers.Root(softmax), OperationHelpers.Root(use));

        /// <summary>A constant, a local assigned once, a parameter its function never assigns, or operators on such values: it means the same wherever it is read.</summary>
        public static bool IsStable(IOperation? operation)
        {
            switch (OperationHelpers.Strip(operation))
            {
                case null:
                    return true;
                case { ConstantValue.HasValue: true }:
                    return true;
                case ILocalReferenceOperation local:
                    return OperationHelpers.SingleAssignment(local) is not null;
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter.RefKind == RefKind.None
                        && !OperationHelpers.Root(parameter).DescendantsAndSelf().OfType<IAssignmentOperation>()
                            .Any(a => OperationHelpers.Strip(a.Target) is IParameterReferenceOperation p && SymbolEqualityComparer.Default.Equals(p.Parameter, parameter.Parameter));
                case IBinaryOperation binary:
                    // teacher / t: operators on stable values compute the same value again.
                    return IsStable(binary.LeftOperand) && IsStable(binary.RightOperand);
                case IUnaryOperation unary:
                    return IsStable(unary.Operand);
                case IParenthesizedOperation parenthesized:
                    return IsStable(parenthesized.Operand);
                default:
                    return false;
            }
        }

        private static readonly ImmutableHashSet<string> HostReads = ImmutableHashSet.Create(
            "item", "ToDouble", "ToSingle", "ToInt32", "ToInt64", "ToBoolean", "ToArray", "data", "ToString", "str", "print");

        /// <summary>
        /// True when every use of <paramref name="value"/>'s result, through tensor operations and
        /// locals (also <c>var (a, b) = linalg.eigh(m)</c>), ends in a read back to the host
        /// (<c>ToDouble()</c>, <c>item&lt;T&gt;()</c>, <c>ToArray</c>…): it cannot reach a loss, so no gradient flows back through it.
        /// </summary>
        public static bool OnlyReadOnHost(IOperation value, TorchContext torch) => OnlyReadOnHost(value, torch, 0);

        private static bool OnlyReadOnHost(IOperation value, TorchContext torch, int depth)
        {
            if (depth > 8)
            {
                return false;
            }

            var current = value;
            for (var parent = current.Parent; parent is not null; current = parent, parent = parent.Parent)
            {
                switch (parent)
                {
                    case IConversionOperation:
                    case IParenthesizedOperation:
                    case IArgumentOperation:
                    case IBinaryOperation:
                    case IUnaryOperation:
                    case IPropertyReferenceOperation { Property.IsIndexer: true }:
                        continue;
                    case IInvocationOperation call when HostReads.Contains(call.TargetMethod.Name)
                        && (call.Instance == current || (call.Instance is null && call.Arguments.Length > 0 && call.Arguments[0] == current)):
                        return true;   // x.ToDouble() (an extension method), x.item<float>(), x.data<float>()
                    case IInvocationOperation call when ValueRangeAnalysis.IsTorchTensorFunction(call.TargetMethod, torch):
                        continue;   // another tensor operation (mm, sum, linalg.eigh…): follow its result
                    case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                        return UsesOnlyReadOnHost(declarator.Symbol, parent, torch, depth);
                    case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when assignment.Value == current:
                        return UsesOnlyReadOnHost(target.Local, parent, torch, depth);
                    case IDeconstructionAssignmentOperation deconstruction when deconstruction.Value == current:
                        var locals = deconstruction.Target.DescendantsAndSelf().OfType<ILocalReferenceOperation>().Select(r => r.Local).ToList();
                        return locals.Count > 0 && locals.All(l => UsesOnlyReadOnHost(l, parent, torch, depth));
                    case IDiscardOperation:
                        return true;
                    default:
                        return false;
                }
            }

            return false;
        }

        private static bool UsesOnlyReadOnHost(ILocalSymbol local, IOperation anywhere, TorchContext torch, int depth)
        {
            foreach (var operation in OperationHelpers.Root(anywhere).DescendantsAndSelf())
            {
                if (operation is ILocalReferenceOperation { IsDeclaration: false } use && SymbolEqualityComparer.Default.Equals(use.Local, local)
                    && !(use.Parent is IAssignmentOperation assignment && assignment.Target == use)
                    && !OnlyReadOnHost(use, torch, depth + 1))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

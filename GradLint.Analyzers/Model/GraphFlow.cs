using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Where a tensor value comes from, followed through the locals of its function: whether it still
    /// carries an autograd graph (built by a forward pass, a loss or a functional op with gradients on,
    /// and not cut by <c>detach()</c>), and which variables it is built from.
    /// </summary>
    internal static class GraphFlow
    {
        private const int MaxDepth = 6;

        public static bool CarriesGraph(IOperation value, TorchContext torch) =>
            CarriesGraph(value, torch, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default), 0);

        /// <summary>The locals, fields, properties and parameters <paramref name="value"/> is computed from, through locals' assignments.</summary>
        public static HashSet<ISymbol> Sources(IOperation value)
        {
            var sources = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var pending = new Stack<(IOperation Operation, int Depth)>();
            pending.Push((value, 0));
            while (pending.Count > 0)
            {
                var (operation, depth) = pending.Pop();
                foreach (var part in TensorWork.Walk(operation, intoLoops: true))
                {
                    if (OperationHelpers.ReferencedSymbol(part) is { } symbol && sources.Add(symbol)
                        && symbol is ILocalSymbol local && depth < MaxDepth)
                    {
                        foreach (var assigned in ValuesAssignedTo(local, part))
                        {
                            pending.Push((assigned, depth + 1));
                        }
                    }
                }
            }

            return sources;
        }

        /// <summary>Every value the function around <paramref name="reference"/> assigns to <paramref name="local"/> (initializer, =, op=).</summary>
        public static IEnumerable<IOperation> ValuesAssignedTo(ILocalSymbol local, IOperation reference)
        {
            foreach (var operation in OperationHelpers.Root(reference).Descendants())
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                        if ((declarator.Initializer ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer)?.Value is { } initial)
                        {
                            yield return initial;
                        }

                        break;
                    case IAssignmentOperation assignment when OperationHelpers.Strip(assignment.Target) is ILocalReferenceOperation target
                        && SymbolEqualityComparer.Default.Equals(target.Local, local):
                        yield return assignment.Value;
                        break;
                    case IForEachLoopOperation loop when loop.Locals.Contains(local, SymbolEqualityComparer.Default):
                        yield return loop.Collection;
                        break;
                }
            }
        }

        private static bool CarriesGraph(IOperation? value, TorchContext torch, HashSet<ILocalSymbol> visiting, int depth)
        {
            value = OperationHelpers.StripParentheses(value);

            if (value is null || depth > MaxDepth || (value.Type is { } type && !torch.IsTensor(type) && !HoldsTensors(type, torch)))
            {
                return false;
            }

            switch (value)
            {
                case IInvocationOperation call:
                    if (call.TargetMethod.Name is "detach" or "detach_" or "item" or "data")
                    {
                        return false;
                    }

                    var kind = TensorWork.Classify(call, torch);
                    if (kind is TensorWorkKind.Forward or TensorWorkKind.Loss or TensorWorkKind.Functional)
                    {
                        return GradMode.NoGradScopeAt(call.Syntax) is null;
                    }

                    return CarriesGraph(call.Instance, torch, visiting, depth + 1)
                        || call.Arguments.Any(a => CarriesGraph(a.Value, torch, visiting, depth + 1));
                case IBinaryOperation binary:
                    return CarriesGraph(binary.LeftOperand, torch, visiting, depth + 1) || CarriesGraph(binary.RightOperand, torch, visiting, depth + 1);
                case IUnaryOperation unary:
                    return CarriesGraph(unary.Operand, torch, visiting, depth + 1);
                case IArrayCreationOperation array:
                    return array.Initializer?.ElementValues.Any(e => CarriesGraph(e, torch, visiting, depth + 1)) == true;
                case ILocalReferenceOperation reference:
                    if (!visiting.Add(reference.Local))
                    {
                        return false;
                    }

                    var carries = ValuesAssignedTo(reference.Local, reference).Any(v => CarriesGraph(v, torch, visiting, depth + 1));
                    visiting.Remove(reference.Local);
                    return carries;
                default:
                    return false;
            }
        }

        // Tensor[] and IEnumerable<Tensor> (a stack of log-probabilities) carry their elements' graphs.
        private static bool HoldsTensors(ITypeSymbol type, TorchContext torch) =>
            type is IArrayTypeSymbol array ? torch.IsTensor(array.ElementType)
            : type is INamedTypeSymbol named && named.TypeArguments.Any(t => torch.IsTensor(t));
    }
}

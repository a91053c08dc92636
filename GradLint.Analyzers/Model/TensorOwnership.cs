using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Which tensors a region of code creates, and whether each has an owner that frees it: a
    /// <c>using</c> declaration or statement, or a local disposed by hand in the same region. A tensor
    /// used only as an intermediate (<c>model.call(x).argmax(1)</c>: the output of <c>call</c>) has no owner.
    /// </summary>
    internal static class TensorOwnership
    {
        public static bool EveryTensorIsOwned(IOperation root, TorchContext torch)
        {
            var disposed = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            var created = new List<IOperation>();
            foreach (var operation in TensorWork.Walk(root, intoLoops: true))
            {
                if (operation is IInvocationOperation { TargetMethod.Name: "Dispose", Instance: { } instance }
                    && OperationHelpers.Strip(instance) is ILocalReferenceOperation local)
                {
                    disposed.Add(local.Local);
                }
                else if (CreatesTensor(operation, torch))
                {
                    created.Add(operation);
                }
            }

            foreach (var operation in created)
            {
                if (!IsOwned(operation, disposed))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>True when <paramref name="operation"/> makes a new managed tensor (not one that returns its receiver, as in-place ops do).</summary>
        public static bool CreatesTensor(IOperation operation, TorchContext torch)
        {
            if (!torch.IsTensor(operation.Type))
            {
                return false;
            }

            return operation switch
            {
                IInvocationOperation call => !ReturnsItsReceiver(call.TargetMethod) && TrainingCalls.Classify(call, torch) != TrainingCallKind.Step,
                IPropertyReferenceOperation property => SymbolEqualityComparer.Default.Equals(property.Property.ContainingAssembly, torch.Tensor.ContainingAssembly),
                IBinaryOperation { OperatorMethod: not null } => true,
                IUnaryOperation { OperatorMethod: not null } => true,
                IObjectCreationOperation => true,
                _ => false,
            };
        }

        /// <summary>In-place ops (<c>add_</c>, <c>clamp_</c>) and the dispose-scope moves return the tensor they were called on.</summary>
        public static bool ReturnsItsReceiver(IMethodSymbol method) =>
            method.Name.EndsWith("_", System.StringComparison.Ordinal)
            || method.Name is "MoveToOuterDisposeScope" or "DetachFromDisposeScope" or "DetatchFromDisposeScope" or "MoveToOtherDisposeScope";

        private static bool IsOwned(IOperation operation, HashSet<ILocalSymbol> disposed)
        {
            var parent = operation.Parent;
            while (parent is IConversionOperation or IParenthesizedOperation)
            {
                parent = parent.Parent;
            }

            switch (parent)
            {
                case IUsingOperation:
                    return true;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    return disposed.Contains(declarator.Symbol) || IsUsingDeclared(declarator);
                default:
                    return false;
            }
        }

        private static bool IsUsingDeclared(IVariableDeclaratorOperation declarator) =>
            declarator.Parent is IVariableDeclarationOperation declaration
            && (declaration.Parent is IUsingOperation || declaration.Parent is IVariableDeclarationGroupOperation { Parent: IUsingDeclarationOperation });
    }
}

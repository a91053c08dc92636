using Microsoft.CodeAnalysis;

namespace GradLint.Analyzers.Model
{
    /// <summary>Navigation shared by the models.</summary>
    internal static class OperationTree
    {
        /// <summary>The root of the operation tree <paramref name="operation"/> belongs to (the method body, field initializer or script).</summary>
        public static IOperation Root(IOperation operation)
        {
            while (operation.Parent is not null)
            {
                operation = operation.Parent;
            }

            return operation;
        }
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>The general operation helpers every analysis uses, in one place (named so as not to clash with Roslyn's own OperationExtensions).</summary>
    internal static class OperationHelpers
    {
        /// <summary>The root of the operation tree <paramref name="operation"/> belongs to (the method body, field initializer or script statement).</summary>
        public static IOperation Root(IOperation operation)
        {
            while (operation.Parent is not null)
            {
                operation = operation.Parent;
            }

            return operation;
        }

        /// <summary><paramref name="operation"/> without the conversions around it (implicit and explicit).</summary>
        public static IOperation? Strip(IOperation? operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        /// <summary>The tensor a call works on: the receiver of <c>x.f()</c>, or the first argument of <c>torch.f(x)</c>.</summary>
        public static IOperation? Input(IInvocationOperation call) =>
            call.Instance ?? (call.Arguments.Length > 0 ? call.Arguments[0].Value : null);

        /// <summary>The value passed for the parameter named <paramref name="name"/>, or null when it is left to its default.</summary>
        public static IOperation? Argument(IInvocationOperation call, string name)
        {
            foreach (var argument in call.Arguments)
            {
                if (argument.Parameter?.Name == name)
                {
                    return argument.ArgumentKind == ArgumentKind.DefaultValue ? null : argument.Value;
                }
            }

            return null;
        }

        /// <summary>The value of a local assigned exactly once (its initializer); null when it is reassigned anywhere in its function.</summary>
        public static IOperation? SingleAssignment(ILocalReferenceOperation reference)
        {
            IOperation? value = null;
            foreach (var operation in Root(reference).DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, reference.Local):
                        value = declarator.Initializer?.Value;
                        break;
                    case IAssignmentOperation assignment when assignment.Target is ILocalReferenceOperation target && SymbolEqualityComparer.Default.Equals(target.Local, reference.Local):
                        return null;
                }
            }

            return value;
        }

        /// <summary>The variable, parameter, field or property (of this object or a static one) an operation names, or null.</summary>
        public static ISymbol? ReferencedSymbol(IOperation? operation) => Strip(operation) switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFieldReferenceOperation field when field.Instance is null or IInstanceReferenceOperation => field.Field,
            IPropertyReferenceOperation property when property.Instance is null or IInstanceReferenceOperation => property.Property,
            _ => null,
        };

        /// <summary>The operand of <paramref name="binary"/> that is not <paramref name="one"/>.</summary>
        public static IOperation OtherOperand(IBinaryOperation binary, IOperation one) =>
            ReferenceEquals(binary.LeftOperand, one) ? binary.RightOperand : binary.LeftOperand;
    }
}

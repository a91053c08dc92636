using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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

        /// <summary><paramref name="operation"/> without the conversions and parentheses around it.</summary>
        public static IOperation? StripParentheses(IOperation? operation)
        {
            operation = Strip(operation);
            while (operation is IParenthesizedOperation parenthesized)
            {
                operation = Strip(parenthesized.Operand);
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

        /// <summary>
        /// The value a name or call stands for, where the file being analysed shows it: a local assigned
        /// once (its initializer), a private field of a type declared in this file and stored exactly once
        /// (its initializer or its one assignment), or a call to a method of this file that cannot be
        /// overridden and returns one expression. Null otherwise. The value may belong to another
        /// function (a field's initializer, a helper's return): read it there, never splice it here.
        /// </summary>
        public static IOperation? Definition(IOperation? operation)
        {
            switch (Strip(operation))
            {
                case ILocalReferenceOperation local:
                    return SingleAssignment(local);
                case IFieldReferenceOperation field when field.Instance is null or IInstanceReferenceOperation:
                    return SingleStore(field);
                case IInvocationOperation call:
                    var returns = Returns(call);
                    return returns.Count == 1 ? returns[0] : null;
                default:
                    return null;
            }
        }

        /// <summary>
        /// Every value <paramref name="call"/>'s method returns, when the method is declared in the
        /// call's file (a local function, or a method that is not virtual, abstract or an override);
        /// empty when they cannot be seen — or when one of them cannot.
        /// </summary>
        public static IReadOnlyList<IOperation> Returns(IInvocationOperation call)
        {
            var method = call.TargetMethod;
            var model = call.SemanticModel;
            if (model is null || method.IsVirtual || method.IsAbstract || method.IsOverride || method.IsExtern
                || method.MethodKind is not (MethodKind.Ordinary or MethodKind.LocalFunction))
            {
                return System.Array.Empty<IOperation>();
            }

            var declaration = method.OriginalDefinition.DeclaringSyntaxReferences.FirstOrDefault(r => r.SyntaxTree == model.SyntaxTree)?.GetSyntax();
            var (body, arrow) = declaration switch
            {
                MethodDeclarationSyntax m => (m.Body, m.ExpressionBody),
                LocalFunctionStatementSyntax f => (f.Body, f.ExpressionBody),
                _ => (null, null),
            };

            var values = new List<IOperation>();
            if (arrow is not null)
            {
                if (model.GetOperation(arrow.Expression) is { } value) values.Add(value);
                return values;
            }

            if (body is null)
            {
                return values;
            }

            // Returns of this body only: not of the lambdas and local functions inside it.
            foreach (var statement in body.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).OfType<ReturnStatementSyntax>())
            {
                if (statement.Expression is null || model.GetOperation(statement.Expression) is not { } value)
                {
                    return System.Array.Empty<IOperation>();
                }

                values.Add(value);
            }

            return values;
        }

        // A private field stored once in the type declared in this file: its initializer or its one assignment.
        private static IOperation? SingleStore(IFieldReferenceOperation reference) =>
            reference.SemanticModel is { } model && FieldStores(reference.Field, model) is { Count: 1 } stores && stores[0] is { Simple: true, Value: { } value }
                ? model.GetOperation(value)
                : null;

        /// <summary>
        /// Every store to a private field of a type declared in <paramref name="model"/>'s file: its initializer and each
        /// assignment's right-hand side (<c>Simple</c> false for a compound one, <c>f += …</c>), and a null value for a
        /// <c>ref</c>/<c>out</c> pass, which stores something unseen. Null when the field may be stored elsewhere.
        /// </summary>
        public static IReadOnlyList<(ExpressionSyntax? Value, bool Simple)>? FieldStores(IFieldSymbol field, SemanticModel model)
        {
            if (field.DeclaredAccessibility != Accessibility.Private || field.ContainingType.DeclaringSyntaxReferences.Length != 1
                || field.ContainingType.DeclaringSyntaxReferences[0].SyntaxTree != model.SyntaxTree)
            {
                return null;
            }

            var stores = new List<(ExpressionSyntax?, bool)>();
            foreach (var node in field.ContainingType.DeclaringSyntaxReferences[0].GetSyntax().DescendantNodes())
            {
                if (node is VariableDeclaratorSyntax { Initializer: { } initializer } declarator && declarator.Identifier.Text == field.Name
                    && SymbolEqualityComparer.Default.Equals(model.GetDeclaredSymbol(declarator), field))
                {
                    stores.Add((initializer.Value, true));
                }
                else if (node is AssignmentExpressionSyntax assignment && NamesMember(assignment.Left, field.Name)
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(assignment.Left).Symbol, field))
                {
                    stores.Add((assignment.Right, assignment.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.SimpleAssignmentExpression)));
                }
                else if (node is ArgumentSyntax { RefKindKeyword.RawKind: not 0 } byRef && NamesMember(byRef.Expression, field.Name))
                {
                    stores.Add((null, false));
                }
            }

            return stores;
        }

        /// <summary><c>name</c> or <c>this.name</c> as written.</summary>
        public static bool NamesMember(ExpressionSyntax expression, string name) =>
            expression is IdentifierNameSyntax id ? id.Identifier.Text == name
            : expression is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access && access.Name.Identifier.Text == name;

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

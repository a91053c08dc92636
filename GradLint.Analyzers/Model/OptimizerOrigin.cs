using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

using static GradLint.Analyzers.Model.OperationHelpers;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Where an optimizer was created, when that is visible: in the same method (a local), or in the
    /// same type and syntax tree (a field or property initializer, or an assignment in a constructor
    /// or method). Answers whether it is guarded (<c>.WithGradientGuard(…)</c>) and which module's
    /// <c>parameters()</c> it was built from.
    /// </summary>
    internal sealed class OptimizerOrigin
    {
        private OptimizerOrigin(IOperation creation, ISymbol? model, string? modelText, bool isGuarded)
        {
            Creation = creation;
            Model = model;
            ModelText = modelText;
            IsGuarded = isGuarded;
        }

        /// <summary>The expression that created the optimizer (conversions removed).</summary>
        public IOperation Creation { get; }

        /// <summary>The module whose <c>parameters()</c> the optimizer took, when it is a variable, field, property or parameter.</summary>
        public ISymbol? Model { get; }

        /// <summary>That module expression as written (<c>model</c>, <c>this.net</c>).</summary>
        public string? ModelText { get; }

        /// <summary>Created with <c>WithGradientGuard</c>: its step() clips.</summary>
        public bool IsGuarded { get; }

        public static OptimizerOrigin? Find(IOperation? optimizer)
        {
            var symbol = ReferencedSymbol(optimizer);
            if (symbol is null || optimizer is null)
            {
                return null;
            }

            var value = symbol is ILocalSymbol ? FindInFunction(optimizer, symbol) : FindInType(optimizer, symbol);
            return Describe(Strip(value));
        }

        private static IOperation? FindInFunction(IOperation reference, ISymbol local)
        {
            foreach (var operation in OperationHelpers.Root(reference).DescendantsAndSelf())
            {
                if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local) && IsCreation(declarator.Initializer?.Value))
                {
                    return declarator.Initializer!.Value;
                }

                if (operation is ISimpleAssignmentOperation assignment && SymbolEqualityComparer.Default.Equals(ReferencedSymbol(assignment.Target), local) && IsCreation(assignment.Value))
                {
                    return assignment.Value;
                }
            }

            return null;
        }

        // Fields and properties: initializers and assignments in the declarations of the containing
        // type that share this syntax tree (an analyzer reads other trees only by syntax).
        private static IOperation? FindInType(IOperation reference, ISymbol member)
        {
            var model = reference.SemanticModel;
            if (model is null)
            {
                return null;
            }

            foreach (var declaration in member.ContainingType.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).Where(d => d.SyntaxTree == model.SyntaxTree))
            {
                foreach (var node in declaration.DescendantNodes())
                {
                    var value = node switch
                    {
                        VariableDeclaratorSyntax { Initializer: { } init } variable when variable.Identifier.ValueText == member.Name
                            && SymbolEqualityComparer.Default.Equals(model.GetDeclaredSymbol(variable), member) => model.GetOperation(init.Value),
                        PropertyDeclarationSyntax { Initializer: { } init } property when property.Identifier.ValueText == member.Name => model.GetOperation(init.Value),
                        AssignmentExpressionSyntax assignment when NameOf(assignment.Left) == member.Name
                            && model.GetOperation(assignment) is ISimpleAssignmentOperation op
                            && SymbolEqualityComparer.Default.Equals(ReferencedSymbol(op.Target), member) => op.Value,
                        _ => null,
                    };
                    if (IsCreation(value))
                    {
                        return value;
                    }
                }
            }

            return null;
        }

        // `= null!` or `= default` declares the variable; the creation is elsewhere.
        private static bool IsCreation(IOperation? value) => Strip(value) is IInvocationOperation or IObjectCreationOperation;

        private static string? NameOf(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } member => member.Name.Identifier.ValueText,
            _ => null,
        };

        private static OptimizerOrigin? Describe(IOperation? creation)
        {
            if (creation is null)
            {
                return null;
            }

            var isGuarded = false;
            var factory = creation as IInvocationOperation;
            if (factory is { TargetMethod.Name: "WithGradientGuard" } guard)
            {
                isGuarded = true;
                factory = Strip(guard.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value ?? guard.Instance) as IInvocationOperation;
            }

            // optim.Adam(model.parameters(), …): the first argument is the module's parameters().
            var parameters = factory?.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value;
            if (Strip(parameters) is IInvocationOperation { TargetMethod.Name: "parameters", Instance: { } module })
            {
                return new OptimizerOrigin(creation, ReferencedSymbol(module), module.Syntax.ToString(), isGuarded);
            }

            return new OptimizerOrigin(creation, null, null, isGuarded);
        }
    }
}

using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Syntax tests of what an operand may stand for, run before it is bound: binding is most of what the
    /// numerical rules cost, and a file whose divisions are all by <c>Math.Sqrt(n)</c> or <c>randn(…)</c> should
    /// cost nothing.
    /// </summary>
    internal static class SyntaxValues
    {
        /// <summary>
        /// False only when <paramref name="operand"/> cannot be a call named as <paramref name="isName"/> accepts, nor
        /// stand for one through the places <see cref="OperationHelpers.Definition"/> follows: a name (a local, a
        /// field), <c>this.field</c>, or a call to a method or local function declared in the same file (a helper,
        /// whatever its name). Parentheses, casts and the operands of <c>+</c>/<c>*</c> are looked through.
        /// </summary>
        public static bool MayBeCall(ExpressionSyntax? operand, Func<string, bool> isName, TorchContext torch) => operand switch
        {
            // A local function is called by its simple name: `x.f()` or `this.f()` can only be a method.
            InvocationExpressionSyntax call => CandidateInvocations.InvokedName(call) is { } name
                && (isName(name) || torch.DeclaresMethod(call, name, orLocalFunction: call.Expression is SimpleNameSyntax)),
            IdentifierNameSyntax => true,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } => true,
            ParenthesizedExpressionSyntax parenthesized => MayBeCall(parenthesized.Expression, isName, torch),
            CastExpressionSyntax cast => MayBeCall(cast.Expression, isName, torch),
            BinaryExpressionSyntax binary => MayBeCall(binary.Left, isName, torch) || MayBeCall(binary.Right, isName, torch),
            _ => false,
        };

        /// <summary>
        /// True when <paramref name="name"/> is a local or parameter whose declaration — found in the enclosing scopes, the
        /// only ones C# lets it come from — gives it a built-in type (<c>long start = 0</c>, <c>int step</c>, <c>var k = 0</c>):
        /// it cannot hold a tensor. False when the declaration is not found or says nothing.
        /// </summary>
        public static bool IsDeclaredBuiltIn(IdentifierNameSyntax name)
        {
            var text = name.Identifier.ValueText;
            SyntaxNode child = name;
            for (var node = name.Parent; node is not null; child = node, node = node.Parent)
            {
                switch (node)
                {
                    case ForStatementSyntax { Declaration: { } declaration } when Declares(declaration, text) is { } declarator:
                        return IsBuiltIn(declaration.Type, declarator);
                    case BlockSyntax block:
                        foreach (var statement in block.Statements)
                        {
                            if (statement == child)
                            {
                                break;
                            }

                            if (statement is LocalDeclarationStatementSyntax local && Declares(local.Declaration, text) is { } found)
                            {
                                return IsBuiltIn(local.Declaration.Type, found);
                            }
                        }

                        break;
                    case BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax:
                        var parameters = node switch
                        {
                            BaseMethodDeclarationSyntax method => method.ParameterList.Parameters,
                            LocalFunctionStatementSyntax function => function.ParameterList.Parameters,
                            ParenthesizedLambdaExpressionSyntax lambda => lambda.ParameterList.Parameters,
                            _ => default,
                        };
                        foreach (var parameter in parameters)
                        {
                            if (parameter.Identifier.ValueText == text)
                            {
                                return parameter.Type is PredefinedTypeSyntax;
                            }
                        }

                        if (node is not AnonymousFunctionExpressionSyntax)
                        {
                            return false;   // a field, or a local of a lambda's enclosing function: not looked for
                        }

                        break;
                }
            }

            return false;
        }

        private static VariableDeclaratorSyntax? Declares(VariableDeclarationSyntax declaration, string name)
        {
            foreach (var variable in declaration.Variables)
            {
                if (variable.Identifier.ValueText == name)
                {
                    return variable;
                }
            }

            return null;
        }

        // long start = 0; or var k = 0 (a numeric, bool, char or string literal).
        private static bool IsBuiltIn(TypeSyntax type, VariableDeclaratorSyntax declarator) =>
            type is PredefinedTypeSyntax
            || (type.IsVar && declarator.Initializer?.Value is LiteralExpressionSyntax literal && !literal.IsKind(SyntaxKind.NullLiteralExpression) && !literal.IsKind(SyntaxKind.DefaultLiteralExpression));
    }
}

using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace GradLint.CodeFixes.Editing
{
    /// <summary>Statements the fixes insert, written fully qualified and marked for the simplifier, so they come out named as the file already names things.</summary>
    internal static class TorchStatements
    {
        /// <summary><c>using var <paramref name="name"/> = torch.<paramref name="function"/>();</c> (a dispose scope, a grad mode).</summary>
        public static LocalDeclarationStatementSyntax UsingVar(string name, string function)
        {
            var statement = (LocalDeclarationStatementSyntax)SyntaxFactory.ParseStatement($"using var {name} = TorchSharp.torch.{function}();");
            var call = statement.DescendantNodes().OfType<InvocationExpressionSyntax>().Single();
            return statement.ReplaceNode(call.Expression, call.Expression.WithAdditionalAnnotations(Simplifier.Annotation));
        }
    }
}

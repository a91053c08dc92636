using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradLint.Analyzers.Model
{
    /// <summary>Where a function's own code ends: the scopes the training-step rules read stop there.</summary>
    internal static class SyntaxScopes
    {
        /// <summary>A method, constructor, operator, accessor, local function or lambda.</summary>
        public static bool IsFunction(SyntaxNode node) =>
            node is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax;

        /// <summary>The function around <paramref name="node"/>, or the compilation unit for a script's top-level code.</summary>
        public static SyntaxNode? EnclosingFunctionOrScript(SyntaxNode node) =>
            node.Ancestors().FirstOrDefault(a => IsFunction(a) || a is CompilationUnitSyntax);
    }
}

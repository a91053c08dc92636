using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradLint.Analyzers.Model
{
    /// <summary>Where a function's own code ends: the scopes the training-step rules read stop there.</summary>
    internal static class SyntaxScopes
    {
        /// <summary>A method, constructor, operator, accessor, local function or lambda.</summary>
        public static bool IsFunction(SyntaxNode node) =>
            node is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax;

        /// <summary>The syntax kinds of loop statements, for the rules that register on loops.</summary>
        public static readonly SyntaxKind[] LoopKinds =
        {
            SyntaxKind.ForStatement, SyntaxKind.ForEachStatement, SyntaxKind.ForEachVariableStatement, SyntaxKind.WhileStatement, SyntaxKind.DoStatement,
        };

        /// <summary>A <c>for</c>, <c>foreach</c>, <c>while</c> or <c>do</c> statement.</summary>
        public static bool IsLoop(SyntaxNode? node) =>
            node is ForStatementSyntax or CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax;

        /// <summary>The body of a loop statement, or null for anything else.</summary>
        public static StatementSyntax? LoopBody(SyntaxNode? loop) => loop switch
        {
            ForStatementSyntax f => f.Statement,
            CommonForEachStatementSyntax f => f.Statement,
            WhileStatementSyntax w => w.Statement,
            DoStatementSyntax d => d.Statement,
            _ => null,
        };

        /// <summary>The keyword a finding on a loop is reported on (<c>for</c>, <c>foreach</c>, <c>while</c>, <c>do</c>).</summary>
        public static SyntaxToken LoopKeyword(SyntaxNode loop) => loop switch
        {
            ForStatementSyntax f => f.ForKeyword,
            CommonForEachStatementSyntax f => f.ForEachKeyword,
            WhileStatementSyntax w => w.WhileKeyword,
            DoStatementSyntax d => d.DoKeyword,
            _ => loop.GetFirstToken(),
        };

        /// <summary>The innermost loop around <paramref name="node"/> within its own function, or null.</summary>
        public static SyntaxNode? EnclosingLoop(SyntaxNode node)
        {
            // A plain walk up the parents: asked for every assignment of every file (GL3002's gate), where LINQ's iterators showed in the profile.
            for (var ancestor = node.Parent; ancestor is not null && !IsFunction(ancestor); ancestor = ancestor.Parent)
            {
                if (IsLoop(ancestor))
                {
                    return ancestor;
                }
            }

            return null;
        }

        /// <summary>The function around <paramref name="node"/>, or the compilation unit for a script's top-level code.</summary>
        public static SyntaxNode? EnclosingFunctionOrScript(SyntaxNode node)
        {
            for (var ancestor = node.Parent; ancestor is not null; ancestor = ancestor.Parent)
            {
                if (IsFunction(ancestor) || ancestor is CompilationUnitSyntax)
                {
                    return ancestor;
                }
            }

            return null;
        }
    }
}

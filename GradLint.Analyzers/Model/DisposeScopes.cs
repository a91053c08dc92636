using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Where a TorchSharp dispose scope is open, as a function's own code says:
    /// <c>using (torch.NewDisposeScope()) { … }</c>, <c>using var scope = torch.NewDisposeScope();</c>, or a
    /// scope held in a local (<c>var d = torch.NewDisposeScope(); … d.Dispose();</c>). Read from syntax,
    /// so it also works on call sites in other files.
    /// </summary>
    internal static class DisposeScopes
    {
        /// <summary>
        /// The statement that opens the dispose scope in force at <paramref name="node"/>, looking outwards no
        /// further than <paramref name="region"/> (included) and never past the enclosing function; null when none.
        /// <paramref name="torch"/> gives the file's invoked names, which skip the search where no scope is opened.
        /// </summary>
        public static SyntaxNode? OpenedAt(SyntaxNode node, SyntaxNode? region, TorchContext torch)
        {
            // Every statement read below lies in the region around the node, or else in its enclosing function (or a script's
            // top-level code): when that text names no NewDisposeScope( call, none of them opens a scope and none is read.
            var searched = region is not null && region.Span.Contains(node.Span) ? region : SyntaxScopes.EnclosingFunctionOrScript(node);
            if (searched is not null && !torch.InvokedNames(searched).Contains("NewDisposeScope"))
            {
                return null;
            }

            var position = node.SpanStart;
            for (var current = node.Parent; current is not null; current = current.Parent)
            {
                var statements = current switch
                {
                    BlockSyntax block => block.Statements.AsEnumerable(),
                    SwitchSectionSyntax section => section.Statements.AsEnumerable(),
                    CompilationUnitSyntax unit => unit.Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement),
                    _ => null,
                };
                if (statements is not null)
                {
                    foreach (var statement in statements)
                    {
                        if (statement.Span.End > position)
                        {
                            break;
                        }

                        if (statement is LocalDeclarationStatementSyntax declaration && OpensScope(declaration.Declaration))
                        {
                            return statement;
                        }
                    }
                }

                if (current is UsingStatementSyntax usingStatement && usingStatement.Statement.Span.Contains(position)
                    && (OpensScope(usingStatement.Expression) || OpensScope(usingStatement.Declaration)))
                {
                    return current;
                }

                if (current == region || SyntaxScopes.IsFunction(current))
                {
                    return null;
                }
            }

            return null;
        }

        /// <summary>
        /// True when the loop body empties a scope on every iteration — <c>d.DisposeEverything()</c> or
        /// <c>d.DisposeEverythingBut(keep)</c>, the TorchSharp examples' form with one scope around the loop.
        /// </summary>
        public static bool FreesEveryIteration(IOperation loopBody) =>
            TensorWork.Walk(loopBody, intoLoops: false).Any(o => o is IInvocationOperation { TargetMethod.Name: "DisposeEverything" or "DisposeEverythingBut" });

        /// <summary>True when <paramref name="node"/> creates a dispose scope (<c>NewDisposeScope()</c>, however qualified).</summary>
        public static bool OpensScope(SyntaxNode? node) =>
            node is not null && node.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
                .OfType<InvocationExpressionSyntax>().Any(call => CandidateInvocations.InvokedName(call) == "NewDisposeScope");
    }
}

using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Whether gradients are recorded at a point of a function, as far as its own scopes say:
    /// <c>using (torch.no_grad()) { … }</c>, <c>using var _ = torch.no_grad();</c> (and
    /// <c>inference_mode</c>) switch recording off, <c>enable_grad()</c> back on; the innermost scope
    /// wins. Scopes of callers are not seen.
    /// </summary>
    internal static class GradMode
    {
        /// <summary>The no-grad scope in force at <paramref name="node"/> (its <c>no_grad()</c> / <c>inference_mode()</c> call), or null.</summary>
        public static InvocationExpressionSyntax? NoGradScopeAt(SyntaxNode node)
        {
            var position = node.SpanStart;
            for (var current = node.Parent; current is not null; current = current.Parent)
            {
                // The last using-declaration of a grad mode before the point is the innermost in this block
                // (walked backwards by index: this runs for every backward() and forward pass).
                var count = current switch
                {
                    BlockSyntax block => block.Statements.Count,
                    CompilationUnitSyntax unit => unit.Members.Count,   // a script's top level: its global statements
                    _ => 0,
                };
                for (var i = count - 1; i >= 0; i--)
                {
                    var statement = current is BlockSyntax b ? b.Statements[i] : (((CompilationUnitSyntax)current).Members[i] as GlobalStatementSyntax)?.Statement;
                    if (statement is LocalDeclarationStatementSyntax declaration && declaration.Span.End <= position
                        && declaration.UsingKeyword.IsKind(SyntaxKind.UsingKeyword) && ModeCall(declaration) is { } call)
                    {
                        return IsEnable(call) ? null : call;
                    }
                }

                if (current is UsingStatementSyntax usingStatement && usingStatement.Statement.Span.Contains(position)
                    && ModeCall((SyntaxNode?)usingStatement.Expression ?? usingStatement.Declaration) is { } scope)
                {
                    return IsEnable(scope) ? null : scope;
                }

                if (SyntaxScopes.IsFunction(current))
                {
                    return null;
                }
            }

            return null;
        }

        /// <summary>
        /// True when the scope is opened only on some paths: <c>using var g = training ? null : torch.no_grad();</c>
        /// (an Error rule must not report on it; the memory rules treat it as "may be off").
        /// </summary>
        public static bool IsConditional(InvocationExpressionSyntax scope) =>
            scope.Ancestors().TakeWhile(a => a is not StatementSyntax).Any(a => a is ConditionalExpressionSyntax or BinaryExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceExpression });

        private static InvocationExpressionSyntax? ModeCall(SyntaxNode? node) =>
            node?.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>()
                .FirstOrDefault(call => CandidateInvocations.InvokedName(call) is "no_grad" or "inference_mode" or "enable_grad");

        // enable_grad() and enable_grad(true) switch recording on; enable_grad(false) is a no-grad scope.
        private static bool IsEnable(InvocationExpressionSyntax call) =>
            CandidateInvocations.InvokedName(call) == "enable_grad"
            && call.ArgumentList.Arguments.FirstOrDefault()?.Expression is not LiteralExpressionSyntax { RawKind: (int)SyntaxKind.FalseLiteralExpression };
    }
}

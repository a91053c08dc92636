using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// What a rule's operation-based analysis is handed: the operation of a syntax node of the kinds it asked
    /// for, a way to report, and the cancellation token. Registered per syntax node rather than per operation
    /// because the compiler runs no operation actions on a C# script's top-level code (notebooks, .csx), while
    /// <c>GetOperation</c> works there too — and so that only the nodes a rule looks at are bound.
    /// </summary>
    internal readonly struct OperationContext
    {
        // The syntax action's context by value, not a delegate to its ReportDiagnostic (which boxes it; see InvocationContext).
        private readonly SyntaxNodeAnalysisContext source;

        public OperationContext(IOperation operation, in SyntaxNodeAnalysisContext source)
        {
            Operation = operation;
            this.source = source;
        }

        public IOperation Operation { get; }

        public System.Threading.CancellationToken CancellationToken => source.CancellationToken;

        /// <summary>The symbol whose declaration the node belongs to, as the driver hands it (a method declaration's is the method).</summary>
        public ISymbol? ContainingSymbol => source.ContainingSymbol;

        public void ReportDiagnostic(Diagnostic diagnostic) => source.ReportDiagnostic(diagnostic);

        /// <summary>Calls <paramref name="analyze"/> with the operation of every node of <paramref name="kinds"/> that has one.</summary>
        public static void Register(RuleActions actions, Action<OperationContext> analyze, params SyntaxKind[] kinds) =>
            Register(actions, static _ => true, analyze, kinds);

        /// <summary>As above, for the nodes <paramref name="candidate"/> accepts from syntax alone (the others are never bound).</summary>
        public static void Register(RuleActions actions, Func<SyntaxNode, bool> candidate, Action<OperationContext> analyze, params SyntaxKind[] kinds) =>
            actions.RegisterUserCodeNodeAction(
                context =>
                {
                    if (candidate(context.Node) && context.SemanticModel.GetOperation(context.Node, context.CancellationToken) is { } operation)
                    {
                        analyze(new OperationContext(operation, context));
                    }
                },
                kinds);
    }
}

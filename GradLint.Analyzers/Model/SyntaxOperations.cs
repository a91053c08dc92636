using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Where a rule's analysis was called from: the compiler's operation callback (regular code) or a script file's
    /// semantic-model callback. Held by value and reported through directly — a delegate to a context's own
    /// <c>ReportDiagnostic</c> would box that large struct for every node looked at, which showed in the profile.
    /// </summary>
    internal readonly struct AnalysisSite
    {
        private readonly OperationAnalysisContext operation;
        private readonly SemanticModelAnalysisContext script;
        private readonly bool fromScript;

        public AnalysisSite(in OperationAnalysisContext operation)
        {
            this.operation = operation;
            script = default;
            fromScript = false;
        }

        public AnalysisSite(in SemanticModelAnalysisContext script)
        {
            operation = default;
            this.script = script;
            fromScript = true;
        }

        public AnalyzerOptions Options => fromScript ? script.Options : operation.Options;

        public CancellationToken CancellationToken => fromScript ? script.CancellationToken : operation.CancellationToken;

        public void ReportDiagnostic(Diagnostic diagnostic)
        {
            if (fromScript)
            {
                script.ReportDiagnostic(diagnostic);
            }
            else
            {
                operation.ReportDiagnostic(diagnostic);
            }
        }
    }

    /// <summary>What a rule's operation-based analysis is handed: the operation of a syntax node of the kinds it asked for, and where to report.</summary>
    internal readonly struct OperationContext
    {
        private readonly AnalysisSite site;

        public OperationContext(IOperation operation, in AnalysisSite site)
        {
            Operation = operation;
            this.site = site;
        }

        public IOperation Operation { get; }

        /// <summary>Where the analysis was called from (to hand on with the same operation's parts).</summary>
        public AnalysisSite Site => site;

        public AnalyzerOptions Options => site.Options;

        public CancellationToken CancellationToken => site.CancellationToken;

        public void ReportDiagnostic(Diagnostic diagnostic) => site.ReportDiagnostic(diagnostic);

        /// <summary>Calls <paramref name="analyze"/> with the operation of every node of <paramref name="kinds"/> that has one.</summary>
        public static void Register(CompilationStartAnalysisContext start, Action<OperationContext> analyze, params SyntaxKind[] kinds) =>
            Register(start, static (_, _) => true, analyze, kinds);

        /// <summary>As above, for the nodes <paramref name="candidate"/> accepts from syntax alone (the others are never analysed).</summary>
        public static void Register(CompilationStartAnalysisContext start, Func<SyntaxNode, bool> candidate, Action<OperationContext> analyze, params SyntaxKind[] kinds) =>
            Register(start, (node, _) => candidate(node), analyze, kinds);

        /// <summary>
        /// As above, with the options of the node's file passed to <paramref name="candidate"/> (for gates that read the
        /// <c>.editorconfig</c>).
        /// </summary>
        /// <remarks>
        /// <para>Why operation actions: the compiler hands them the operations of the bodies it binds for its own
        /// diagnostics, so a rule reads them for free; a syntax action that asks <c>GetOperation</c> binds the body a
        /// second time in a semantic model of its own — measured at 400–600 ms of execution time a compile of the
        /// 1,000-file benchmark corpus for a probe that asks it of every invocation, against 30–60 ms for the same
        /// question asked from an operation action (benchmarks/README.md, analyzer cost).</para>
        /// <para>Why a semantic-model action too: the compiler runs no operation actions on a C# script's top-level code
        /// (notebooks, <c>.csx</c>), while <c>GetOperation</c> works there. Script files are walked once each for the
        /// same kinds; regular files never are.</para>
        /// <para>The syntax test runs first either way (a name, an argument count): the analysis after it is the same.</para>
        /// </remarks>
        public static void Register(CompilationStartAnalysisContext start, Func<SyntaxNode, AnalyzerOptions, bool> candidate, Action<OperationContext> analyze, params SyntaxKind[] kinds)
        {
            var operationKinds = OperationKinds(kinds);
            start.RegisterOperationAction(
                context =>
                {
                    // The explicit operation of a node of the kinds asked for: not an implicit one sharing its syntax (a
                    // collection initializer's Add on an element that is itself a call).
                    var operation = context.Operation;
                    var node = operation.Syntax;
                    if (operation.IsImplicit || context.IsGeneratedCode || !IsOneOf(node, kinds) || IsScript(node.SyntaxTree) || !candidate(node, context.Options))
                    {
                        return;
                    }

                    analyze(new OperationContext(operation, new AnalysisSite(context)));
                },
                operationKinds);

            start.RegisterSemanticModelAction(context =>
            {
                var tree = context.SemanticModel.SyntaxTree;
                if (!IsScript(tree) || context.IsGeneratedCode)
                {
                    return;
                }

                foreach (var node in tree.GetRoot(context.CancellationToken).DescendantNodes())
                {
                    if (IsOneOf(node, kinds) && candidate(node, context.Options) && context.SemanticModel.GetOperation(node, context.CancellationToken) is { } operation)
                    {
                        analyze(new OperationContext(operation, new AnalysisSite(context)));
                    }
                }
            });
        }

        private static bool IsScript(SyntaxTree tree) => tree.Options.Kind == SourceCodeKind.Script;

        private static bool IsOneOf(SyntaxNode node, SyntaxKind[] kinds) => Array.IndexOf(kinds, (SyntaxKind)node.RawKind) >= 0;

        // The operation kinds whose syntax can be of the kinds asked for.
        private static OperationKind[] OperationKinds(SyntaxKind[] kinds)
        {
            var operationKinds = new System.Collections.Generic.HashSet<OperationKind>();
            foreach (var kind in kinds)
            {
                operationKinds.Add(kind switch
                {
                    SyntaxKind.InvocationExpression => OperationKind.Invocation,
                    SyntaxKind.ForStatement or SyntaxKind.ForEachStatement or SyntaxKind.ForEachVariableStatement or SyntaxKind.WhileStatement or SyntaxKind.DoStatement => OperationKind.Loop,
                    SyntaxKind.MethodDeclaration => OperationKind.MethodBody,
                    SyntaxKind.LocalFunctionStatement => OperationKind.LocalFunction,
                    SyntaxKind.SimpleAssignmentExpression => OperationKind.SimpleAssignment,
                    SyntaxKind.AddAssignmentExpression or SyntaxKind.SubtractAssignmentExpression or SyntaxKind.MultiplyAssignmentExpression or SyntaxKind.DivideAssignmentExpression => OperationKind.CompoundAssignment,
                    SyntaxKind.DivideExpression or SyntaxKind.EqualsExpression or SyntaxKind.NotEqualsExpression => OperationKind.Binary,
                    _ => throw new ArgumentOutOfRangeException(nameof(kinds), kind, "no operation kind is mapped for this syntax kind: add it to OperationKinds"),
                });
            }

            var result = new OperationKind[operationKinds.Count];
            operationKinds.CopyTo(result);
            return result;
        }
    }
}

using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Model
{
    /// <summary>An invocation a rule asked about, with where to report on it.</summary>
    internal readonly struct InvocationContext
    {
        private readonly AnalysisSite site;

        public InvocationContext(IInvocationOperation invocation, in AnalysisSite site)
        {
            Invocation = invocation;
            this.site = site;
        }

        public IInvocationOperation Invocation { get; }

        public AnalyzerOptions Options => site.Options;

        public CancellationToken CancellationToken => site.CancellationToken;

        /// <summary>The same call as an <see cref="OperationContext"/>, for analyses shared with operation-based rules.</summary>
        public OperationContext AsOperationContext() => new OperationContext(Invocation, site);

        public void ReportDiagnostic(Diagnostic diagnostic) => site.ReportDiagnostic(diagnostic);
    }

    /// <summary>
    /// Registers a rule for the invocations whose method name could matter to it.
    /// </summary>
    /// <remarks>
    /// The invoked name is tested in syntax first, so a rule's analysis runs only for the calls whose name could
    /// matter to it; the operations come from the compiler's own binding (see <see cref="OperationContext.Register(CompilationStartAnalysisContext, Func{SyntaxNode, AnalyzerOptions, bool}, Action{OperationContext}, SyntaxKind[])"/>).
    /// </remarks>
    internal static class CandidateInvocations
    {
        /// <param name="isCandidateName">A cheap test of the invoked name.</param>
        /// <param name="isCandidateCall">Optional: a syntax test of the call itself, for a name as common as <c>call</c> (argument count, …).</param>
        public static void Register(CompilationStartAnalysisContext start, Func<string, AnalyzerOptions, SyntaxTree, bool> isCandidateName, Action<InvocationContext> analyze, Func<InvocationExpressionSyntax, string, bool>? isCandidateCall = null) =>
            OperationContext.Register(
                start,
                (node, options) =>
                {
                    var call = (InvocationExpressionSyntax)node;
                    return InvokedName(call) is { } name && isCandidateName(name, options, call.SyntaxTree) && (isCandidateCall is null || isCandidateCall(call, name));
                },
                context =>
                {
                    if (context.Operation is IInvocationOperation invocation)
                    {
                        analyze(new InvocationContext(invocation, context.Site));
                    }
                },
                SyntaxKind.InvocationExpression);

        /// <summary>
        /// For the rules that look at loss modules' <c>call</c>/<c>forward</c>: a loss is called with (input, target), so a
        /// <c>call(x)</c> / <c>forward(x)</c> with one argument — every forward pass of a model — cannot be one. Other names pass.
        /// </summary>
        public static bool MayBeLossModuleCall(InvocationExpressionSyntax call, string name) =>
            name is not ("call" or "forward") || call.ArgumentList.Arguments.Count >= 2;

        /// <summary>The simple name of the invoked method (<c>opt.step()</c> → <c>step</c>), or null.</summary>
        public static string? InvokedName(InvocationExpressionSyntax call) => call.Expression switch
        {
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => null,
        };

        /// <summary>The simple name of the type an object creation names: <c>new TorchSharp.Modules.LSTM(…)</c> → <c>LSTM</c>, <c>new List&lt;int&gt;()</c> → <c>List</c>.</summary>
        public static string CreatedTypeName(ObjectCreationExpressionSyntax creation) => creation.Type switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            var other => other.ToString(),
        };
    }
}

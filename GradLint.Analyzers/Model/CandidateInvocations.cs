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
    /// <summary>An invocation a rule asked about, with what the rule needs to report on it.</summary>
    /// <remarks>
    /// Holds the syntax action's context by value and reports through it: a delegate to the context's own
    /// <c>ReportDiagnostic</c> would box that large struct for every candidate call, which showed in the profile
    /// (benchmarks/README.md, analyzer cost).
    /// </remarks>
    internal readonly struct InvocationContext
    {
        private readonly SyntaxNodeAnalysisContext source;

        public InvocationContext(IInvocationOperation invocation, in SyntaxNodeAnalysisContext source)
        {
            Invocation = invocation;
            this.source = source;
        }

        public IInvocationOperation Invocation { get; }

        public AnalyzerOptions Options => source.Options;

        public CancellationToken CancellationToken => source.CancellationToken;

        /// <summary>The same call as an <see cref="OperationContext"/>, for analyses shared with operation-based rules.</summary>
        public OperationContext AsOperationContext() => new OperationContext(Invocation, source);

        public void ReportDiagnostic(Diagnostic diagnostic) => source.ReportDiagnostic(diagnostic);
    }

    /// <summary>What one rule asks of a call before it is bound (its name, then its syntax) and what it does with the bound call.</summary>
    internal sealed class InvocationCandidate
    {
        private readonly Func<string, AnalyzerOptions, SyntaxTree, bool> isCandidateName;
        private readonly Func<InvocationExpressionSyntax, string, bool>? isCandidateCall;

        public InvocationCandidate(Func<string, AnalyzerOptions, SyntaxTree, bool> isCandidateName, Func<InvocationExpressionSyntax, string, bool>? isCandidateCall, Action<InvocationContext> analyze)
        {
            this.isCandidateName = isCandidateName;
            this.isCandidateCall = isCandidateCall;
            Analyze = analyze;
        }

        public Action<InvocationContext> Analyze { get; }

        /// <summary>True when the rule wants <paramref name="call"/> (invoking <paramref name="name"/>) bound and analysed.</summary>
        public bool Accepts(InvocationExpressionSyntax call, string name, AnalyzerOptions options) =>
            isCandidateName(name, options, call.SyntaxTree) && (isCandidateCall is null || isCandidateCall(call, name));
    }

    /// <summary>
    /// Registers a rule for the invocations whose method name could matter to it.
    /// </summary>
    /// <remarks>
    /// Why syntax first: an operation action makes the compiler build the IOperation tree of
    /// every method body in the project — a second binding of all code, which measured 1.6–1.8× the
    /// compile time on a 1,000-file TorchSharp corpus (benchmarks/README.md). Looking at the
    /// invoked name in syntax first and asking for the operation only for candidates binds just
    /// the methods that call step / zero_grad / clip. Everything after the name test is the same
    /// symbol-based IOperation analysis.
    /// </remarks>
    internal static class CandidateInvocations
    {
        /// <param name="isCandidateName">A cheap test of the invoked name.</param>
        /// <param name="isCandidateCall">Optional: a syntax test of the call itself, for a name as common as <c>call</c> (argument count, …).</param>
        public static void Register(RuleActions actions, Func<string, AnalyzerOptions, SyntaxTree, bool> isCandidateName, Action<InvocationContext> analyze, Func<InvocationExpressionSyntax, string, bool>? isCandidateCall = null) =>
            actions.RegisterInvocationAction(new InvocationCandidate(isCandidateName, isCandidateCall, analyze));

        /// <summary>One rule's candidate test and analysis of one call (a rule run on its own; the host groups them, see <see cref="RuleActions"/>).</summary>
        public static void Run(in SyntaxNodeAnalysisContext context, InvocationCandidate candidate)
        {
            var call = (InvocationExpressionSyntax)context.Node;
            if (InvokedName(call) is { } name && candidate.Accepts(call, name, context.Options)
                && context.SemanticModel.GetOperation(call, context.CancellationToken) is IInvocationOperation invocation)
            {
                candidate.Analyze(new InvocationContext(invocation, context));
            }
        }

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

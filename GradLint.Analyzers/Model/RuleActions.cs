using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Where a rule registers its syntax actions for one compilation. A rule's analyzer run on its own (as the tests
    /// run each rule) registers them with the compiler directly (<see cref="Direct"/>); the package ships one
    /// analyzer, <see cref="GradLintAnalyzer"/>, which collects every rule's actions and hands each node to all the
    /// rules that asked for its kind in one callback.
    /// </summary>
    internal abstract class RuleActions
    {
        private protected RuleActions(Compilation compilation, CancellationToken cancellationToken)
        {
            Compilation = compilation;
            CancellationToken = cancellationToken;
        }

        public Compilation Compilation { get; }

        public CancellationToken CancellationToken { get; }

        /// <summary>Runs <paramref name="action"/> on every node of <paramref name="kinds"/> in user code (see <see cref="UserCodeActions"/>).</summary>
        public abstract void RegisterUserCodeNodeAction(Action<SyntaxNodeAnalysisContext> action, params SyntaxKind[] kinds);

        /// <summary>
        /// Runs <paramref name="candidate"/>'s analysis on every call in user code it accepts, bound to its operation
        /// (<see cref="CandidateInvocations"/>). Most rules look at calls; the host reads each call's invoked name once and
        /// binds it once for all the rules that accept it, instead of once per rule.
        /// </summary>
        public abstract void RegisterInvocationAction(InvocationCandidate candidate);

        /// <summary>Registers with the compiler, one syntax action per call.</summary>
        public static RuleActions Direct(CompilationStartAnalysisContext start) => new DirectActions(start);

        private sealed class DirectActions : RuleActions
        {
            private readonly CompilationStartAnalysisContext start;

#pragma warning disable RS1012 // the start context is kept to register on later, in RegisterUserCodeNodeAction
            public DirectActions(CompilationStartAnalysisContext start)
                : base(start.Compilation, start.CancellationToken) => this.start = start;
#pragma warning restore RS1012

            public override void RegisterUserCodeNodeAction(Action<SyntaxNodeAnalysisContext> action, params SyntaxKind[] kinds) =>
                start.RegisterSyntaxNodeAction(
                    context =>
                    {
                        if (!context.IsGeneratedCode)
                        {
                            action(context);
                        }
                    },
                    kinds);

            public override void RegisterInvocationAction(InvocationCandidate candidate) =>
                RegisterUserCodeNodeAction(context => CandidateInvocations.Run(context, candidate), SyntaxKind.InvocationExpression);
        }
    }
}

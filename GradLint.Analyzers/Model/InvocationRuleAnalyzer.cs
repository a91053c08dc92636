using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Base of the rules that look at calls: concurrent, silent on generated code, TorchSharp's
    /// symbols resolved once per compilation (nothing registered without TorchSharp), and only the
    /// invocations whose name could matter handed to <see cref="Analyze"/> (see <see cref="CandidateInvocations"/>).
    /// </summary>
    public abstract class InvocationRuleAnalyzer : TorchRuleAnalyzer
    {
        private protected sealed override void Register(RuleActions actions, TorchContext torch) =>
            CandidateInvocations.Register(actions, (name, options, tree) => IsCandidateName(name, options, tree, torch), c => Analyze(c, torch), IsCandidateCall);

        /// <summary>A cheap test of the invoked method's simple name; false skips the call without binding it.</summary>
        private protected abstract bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch);

        /// <summary>
        /// A syntax test of a call whose name passed <see cref="IsCandidateName"/>, for the rules that take names as
        /// common as <c>call</c> and <c>forward</c>: false skips the call without binding it. Every call by default.
        /// </summary>
        private protected virtual bool IsCandidateCall(Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax call, string name) => true;

        private protected abstract void Analyze(InvocationContext context, TorchContext torch);
    }
}

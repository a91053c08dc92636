using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Base of every GradLint rule: concurrent, silent on generated code, TorchSharp's symbols
    /// resolved once per compilation, and nothing registered when the compilation does not
    /// reference TorchSharp (zero cost for other projects).
    /// </summary>
    /// <remarks>
    /// A rule is a <see cref="DiagnosticAnalyzer"/> of its own, so that it can be run and tested alone, but the
    /// package's host loads only <see cref="GradLintAnalyzer"/>, which runs every rule through <see cref="RegisterActions"/>
    /// (hence no <c>[DiagnosticAnalyzer]</c> attribute on the rules: the host must not load them a second time).
    /// </remarks>
    public abstract class TorchRuleAnalyzer : DiagnosticAnalyzer
    {
        public sealed override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(UserCodeActions.Flags);   // generated code is skipped per action, see UserCodeActions
            context.RegisterCompilationStartAction(start =>
            {
                var torch = TorchContext.For(start.Compilation);
                if (torch is not null)
                {
                    Register(RuleActions.Direct(start), torch);
                }
            });
        }

        /// <summary>Registers the rule's actions into <paramref name="actions"/> (the host's collection of every rule's).</summary>
        internal void RegisterActions(RuleActions actions, TorchContext torch) => Register(actions, torch);

        /// <summary>Registers the rule's actions for a compilation that references TorchSharp.</summary>
        private protected abstract void Register(RuleActions actions, TorchContext torch);
    }
}

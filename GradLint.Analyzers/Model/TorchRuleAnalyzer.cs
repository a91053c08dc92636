using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Base of every GradLint rule: concurrent, silent on generated code, TorchSharp's symbols
    /// resolved once per compilation, and nothing registered when the compilation does not
    /// reference TorchSharp (zero cost for other projects).
    /// </summary>
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
                    Register(start, torch);
                }
            });
        }

        /// <summary>Registers the rule's actions for a compilation that references TorchSharp.</summary>
        private protected abstract void Register(CompilationStartAnalysisContext start, TorchContext torch);
    }
}

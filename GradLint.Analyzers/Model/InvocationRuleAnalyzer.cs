using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Base of the rules that look at calls: concurrent, silent on generated code, TorchSharp's
    /// symbols resolved once per compilation (nothing registered without TorchSharp), and only the
    /// invocations whose name could matter handed to <see cref="Analyze"/> (see <see cref="CandidateInvocations"/>).
    /// </summary>
    public abstract class InvocationRuleAnalyzer : DiagnosticAnalyzer
    {
        public sealed override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var torch = TorchSymbols.TryCreate(start.Compilation);
                if (torch is null)
                {
                    return;
                }

                CandidateInvocations.Register(start, IsCandidateName, c => Analyze(c, torch));
            });
        }

        /// <summary>A cheap test of the invoked method's simple name; false skips the call without binding it.</summary>
        private protected abstract bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree);

        private protected abstract void Analyze(InvocationContext context, TorchSymbols torch);
    }
}

using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace GradLint.Analyzers.Model
{
    /// <summary>
    /// Which rules may report in a file, for <see cref="GradLintAnalyzer"/>: what the compiler does for an analyzer
    /// whose every diagnostic a file's settings turn off (it skips it there), done per rule inside the one host.
    /// </summary>
    /// <remarks>
    /// Conservative by design: a rule is off only when every setting that names one of its IDs says <c>none</c> — the
    /// file's .editorconfig, the compilation's own options (<c>/nowarn</c>, a rule set) and the global configs (which
    /// include the analysis-mode files). Whatever their order of precedence, that rule cannot report. A rule no setting
    /// names runs, even when it is off by default, because a bulk setting
    /// (<c>dotnet_analyzer_diagnostic.category-….severity</c>) may turn it on; the compiler drops what it reports if not.
    /// Skipping less than possible costs time; skipping more would lose findings.
    /// </remarks>
    internal sealed class RuleSwitches
    {
        private readonly ImmutableArray<ImmutableArray<DiagnosticDescriptor>> descriptors;
        private readonly CompilationOptions options;
        private readonly ConcurrentDictionary<SyntaxTree, bool[]> perTree = new ConcurrentDictionary<SyntaxTree, bool[]>();

        public RuleSwitches(ImmutableArray<TorchRuleAnalyzer> rules, CompilationOptions options)
        {
            descriptors = rules.Select(rule => rule.SupportedDiagnostics).ToImmutableArray();
            this.options = options;
        }

        /// <summary>Whether each rule (by index) may report in <paramref name="tree"/>.</summary>
        public bool[] For(SyntaxTree tree, CancellationToken cancellationToken)
        {
            if (perTree.TryGetValue(tree, out var on))
            {
                return on;
            }

            on = new bool[descriptors.Length];
            for (var rule = 0; rule < on.Length; rule++)
            {
                foreach (var descriptor in descriptors[rule])
                {
                    if (!IsTurnedOff(descriptor.Id, tree, options, cancellationToken))
                    {
                        on[rule] = true;
                        break;
                    }
                }
            }

            return perTree.GetOrAdd(tree, on);
        }

        /// <summary>True when at least one setting names <paramref name="id"/> for <paramref name="tree"/> and every one that does says <c>none</c>.</summary>
        internal static bool IsTurnedOff(string id, SyntaxTree tree, CompilationOptions options, CancellationToken cancellationToken)
        {
            // Asked for every rule's IDs in every file: counted, not collected into a list.
            var provider = options.SyntaxTreeOptionsProvider;
            var named = 0;
            var none = 0;
            if (provider is not null && provider.TryGetDiagnosticValue(tree, id, cancellationToken, out var inFile))
            {
                named++;
                none += inFile == ReportDiagnostic.Suppress ? 1 : 0;
            }

            if (options.SpecificDiagnosticOptions.TryGetValue(id, out var inCompilation))
            {
                named++;
                none += inCompilation == ReportDiagnostic.Suppress ? 1 : 0;
            }

            if (provider is not null && provider.TryGetGlobalDiagnosticValue(id, cancellationToken, out var global))
            {
                named++;
                none += global == ReportDiagnostic.Suppress ? 1 : 0;
            }

            return named > 0 && none == named;
        }
    }
}

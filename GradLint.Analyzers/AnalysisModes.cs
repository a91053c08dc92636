using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace GradLint.Analyzers
{
    /// <summary>
    /// What each <c>GradLintAnalysisMode</c> makes of each rule, decided from the descriptor catalog alone; the
    /// shipped global configs (GradLint.Package/buildTransitive/config) are generated from it and a test keeps them
    /// identical (<c>GRADLINT_REGENERATE=1 dotnet test --filter AnalysisModeConfigTests</c> rewrites them).
    /// <list type="bullet">
    /// <item><b>None</b>: every rule off.</item>
    /// <item><b>Default</b>: each rule at its own severity (no config is added).</item>
    /// <item><b>Recommended</b>: what we recommend gating CI on — the rules whose every finding is a bug (Error
    /// by default, or tagged <see cref="Descriptors.CertainBugTag"/>: a scheduler stepped first, a NaN test that never
    /// fires) are errors; the judgement calls that are Info by default (an unbounded <c>exp</c>) stay suggestions; the
    /// rest are warnings.</item>
    /// <item><b>All</b>: every rule at least a warning, Info rules included; errors stay errors.</item>
    /// <item><b>AllErrors</b>: every rule an error.</item>
    /// </list>
    /// </summary>
    internal static class AnalysisModes
    {
        /// <summary>The modes that ship a config file (Default adds none).</summary>
        public static readonly string[] ConfiguredModes = { "none", "recommended", "all", "allerrors" };

        /// <summary>The <c>dotnet_diagnostic.&lt;id&gt;.severity</c> value of <paramref name="rule"/> in <paramref name="mode"/>.</summary>
        public static string Severity(DiagnosticDescriptor rule, string mode)
        {
            switch (mode)
            {
                case "none":
                    return "none";
                case "allerrors":
                    return "error";
                case "all":
                    return rule.DefaultSeverity == DiagnosticSeverity.Error ? "error" : "warning";
                case "recommended":
                    if (rule.DefaultSeverity == DiagnosticSeverity.Error || rule.CustomTags.Contains(Descriptors.CertainBugTag))
                    {
                        return "error";
                    }

                    return rule.DefaultSeverity == DiagnosticSeverity.Info ? "suggestion" : "warning";
                default:
                    throw new System.ArgumentOutOfRangeException(nameof(mode), mode, "one of " + string.Join(", ", ConfiguredModes));
            }
        }

        /// <summary>The global config file of <paramref name="mode"/> for <paramref name="rules"/>, as shipped.</summary>
        public static string GlobalConfig(IEnumerable<DiagnosticDescriptor> rules, string mode)
        {
            var text = new StringBuilder()
                .Append("# GradLintAnalysisMode=").Append(mode).Append(" (GradLint.Package/buildTransitive/GradLint.props).\n")
                .Append("# Generated from the rule catalog (GradLint.Analyzers/AnalysisModes.cs); a test keeps it in step.\n")
                .Append("is_global = true\n")
                .Append("global_level = -1\n\n");
            foreach (var rule in rules.GroupBy(r => r.Id).Select(g => g.First()).OrderBy(r => r.Id, System.StringComparer.Ordinal))
            {
                text.Append("dotnet_diagnostic.").Append(rule.Id).Append(".severity = ").Append(Severity(rule, mode)).Append('\n');
            }

            return text.ToString();
        }
    }
}

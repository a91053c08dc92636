using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using GradLint.Analyzers;
using GradLint.Analyzers.Model;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL2001 fix: clamp the log's argument — <c>x.log()</c> → <c>x.clamp_min(eps).log()</c>,
    /// <c>torch.log(x)</c> → <c>torch.log(x.clamp_min(eps))</c>; eps from <c>gradlint.log_epsilon</c>
    /// (default 1e-7). Not offered for in-place <c>x.log_()</c>, whose meaning a clamp would change.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnguardedLogFixer)), Shared]
    public sealed class UnguardedLogFixer : PlannedFixer<ExpressionReplacement>
    {
        private const string Key = "GL2001_ClampLogArgument";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2001_UnguardedLog.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, ExpressionReplacement plan)
        {
            yield return (Key, $"Clamp the argument: {plan.Replacement}");
        }

        protected override ExpressionReplacement? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            var call = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (call is null || model.GetOperation(call, cancellationToken) is not IInvocationOperation log || log.TargetMethod.Name == "log_"
                || ValueRangeAnalysis.Input(log)?.Syntax is not ExpressionSyntax argument)
            {
                return null;
            }

            var options = document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(call.SyntaxTree);
            var epsilon = GradLintOptions.Literal(GradLintOptions.LogEpsilon(options));
            var clamped = SyntaxFactory.ParseExpression($"{ExpressionReplacement.AsReceiver(argument)}.clamp_min({epsilon})");
            return new ExpressionReplacement(argument, clamped.WithTriviaFrom(argument));
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<ExpressionReplacement> plans, string key)
        {
            foreach (var plan in plans.GroupBy(p => p.Original).Select(g => g.First()))
            {
                editor.ReplaceNode(plan.Original, plan.Replacement);
            }
        }
    }
}

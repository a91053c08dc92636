using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL1005 fix: move the <c>scheduler.step()</c> statement to just after the statement, in its own
    /// block, that holds the optimizer's last step of the iteration (the step itself, or the inner batch
    /// loop around it for a per-epoch schedule).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SchedulerBeforeOptimizerStepFixer)), Shared]
    public sealed class SchedulerBeforeOptimizerStepFixer : PlannedFixer<SchedulerBeforeOptimizerStepFixer.Move>
    {
        /// <summary>Equivalence key of the fix.</summary>
        public const string Key = "GL1005_MoveSchedulerStepAfterOptimizerStep";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL1005_SchedulerBeforeOptimizerStep.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        /// <summary>The scheduler's statement and the statement it goes after.</summary>
        public sealed class Move
        {
            internal Move(StatementSyntax statement, StatementSyntax after)
            {
                Statement = statement;
                After = after;
            }

            internal StatementSyntax Statement { get; }
            internal StatementSyntax After { get; }
        }

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, Move plan)
        {
            yield return (Key, "Step the scheduler after the optimizer");
        }

        protected override Move? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            if (diagnostic.AdditionalLocations.Count == 0
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<ExpressionStatementSyntax>() is not { Parent: BlockSyntax block } statement)
            {
                return null;
            }

            var optimizerStep = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
            var after = optimizerStep.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault(s => s.Parent == block);
            return after is null || after.SpanStart < statement.SpanStart ? null : new Move(statement, after);
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<Move> plans, string key) =>
            Placement.MoveAll(editor, plans.GroupBy(p => p.Statement).Select(g => (g.First().Statement, Placement.AfterStatement(g.First().After))).ToList());
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>GL1004 fix: move the clipping call to just before the step() it belongs to.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MisplacedClippingFixer)), Shared]
    public sealed class MisplacedClippingFixer : PlannedFixer<MisplacedClippingFixer.Move>
    {
        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string Key = "GL1004_MoveClipBeforeStep";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(Descriptors.GL1004_MisplacedClipping.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        /// <summary>The clipping statement to move, and the step it goes before.</summary>
        public sealed class Move
        {
            internal Move(StatementSyntax statement, Placement target)
            {
                Statement = statement;
                Target = target;
            }

            internal StatementSyntax Statement { get; }
            internal Placement Target { get; }
        }

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, Move plan)
        {
            yield return (Key, "Move the clipping call to just before step()");
        }

        protected override Move? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            var call = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (call?.Parent is not ExpressionStatementSyntax statement || statement.Parent is not BlockSyntax || diagnostic.AdditionalLocations.Count == 0)
            {
                return null;   // the clip's value is used (`var norm = clip_grad_norm_(…)`): moving it could break that use
            }

            var step = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<StatementSyntax>();
            return step is null || step.Contains(statement) ? null : new Move(statement, Placement.BeforeStatement(step));
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<Move> plans, string key) =>
            Placement.MoveAll(editor, plans.Select(p => (p.Statement, p.Target)).ToList());
    }
}

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

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL1003 fix: move the misplaced zero_grad() before the forward pass — to the start of the
    /// loop body, or of the method, lambda or local function when there is no loop. A zero_grad()
    /// nested in a block with its step (gradient accumulation: <c>if (k) { zero_grad(); step(); }</c>)
    /// moves to just after that step instead, so it stays conditional.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ZeroGradBeforeStepFixer)), Shared]
    public sealed class ZeroGradBeforeStepFixer : PlannedFixer<ZeroGradBeforeStepFixer.Move>
    {
        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string Key = "GL1003_MoveZeroGrad";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(Descriptors.GL1003_ZeroGradBeforeStep.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        /// <summary>The statement to move, and where to.</summary>
        public sealed class Move
        {
            internal Move(StatementSyntax statement, Placement target, bool afterStep)
            {
                Statement = statement;
                Target = target;
                AfterStep = afterStep;
            }

            internal StatementSyntax Statement { get; }
            internal Placement Target { get; }
            internal bool AfterStep { get; }
        }

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, Move plan)
        {
            yield return (Key, plan.AfterStep ? "Move zero_grad() after step()" : "Move zero_grad() before the forward pass");
        }

        protected override Move? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            var call = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (call?.Parent is not ExpressionStatementSyntax statement || statement.Parent is not BlockSyntax block || diagnostic.AdditionalLocations.Count == 0)
            {
                return null;
            }

            var stepStatement = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<StatementSyntax>();

            // The body whose start is "before the forward pass": the innermost loop, else the function.
            StatementSyntax? body = null;
            foreach (var ancestor in block.AncestorsAndSelf())
            {
                if (Placement.LoopBody(ancestor) is { } loopBody)
                {
                    body = loopBody;
                    break;
                }

                if (SyntaxScopes.IsFunction(ancestor))
                {
                    body = ancestor switch
                    {
                        BaseMethodDeclarationSyntax m => m.Body,
                        LocalFunctionStatementSyntax f => f.Body,
                        AnonymousFunctionExpressionSyntax a => a.Block,
                        AccessorDeclarationSyntax a => a.Body,
                        _ => null,
                    };
                    break;
                }
            }

            if (body is null)
            {
                return null;
            }

            var nestedWithItsStep = block != body && !(body is UsingStatementSyntax u && u.Statement == block) && stepStatement?.Parent == block;
            if (nestedWithItsStep)
            {
                return new Move(statement, Placement.AfterStatement(stepStatement!), afterStep: true);
            }

            return new Move(statement, Placement.AtStartOf(body), afterStep: false);
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<Move> plans, string key) =>
            Placement.MoveAll(editor, plans.Select(p => (p.Statement, p.Target)).ToList());
    }
}

using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace GradLint.CodeFixes.Editing
{
    /// <summary>
    /// Where a new statement goes, decided on the original tree so that Fix All can plan every
    /// edit first and apply them together: before or after an existing statement, into an empty
    /// block, or by wrapping an embedded statement (<c>if (k) opt.step();</c>) in a block.
    /// </summary>
    internal sealed class Placement
    {
        private Placement(StatementSyntax? before, StatementSyntax? after, BlockSyntax? emptyBlock, StatementSyntax? wrap, bool wrapAfter = false)
        {
            Before = before;
            After = after;
            EmptyBlock = emptyBlock;
            Wrap = wrap;
            WrapAfter = wrapAfter;
        }

        public StatementSyntax? Before { get; }
        public StatementSyntax? After { get; }
        public BlockSyntax? EmptyBlock { get; }
        public StatementSyntax? Wrap { get; }

        /// <summary>When wrapping: the new statements go after the embedded one.</summary>
        public bool WrapAfter { get; }

        /// <summary>The node edits at this placement are grouped by.</summary>
        public SyntaxNode Anchor => (SyntaxNode?)Before ?? (SyntaxNode?)After ?? (SyntaxNode?)EmptyBlock ?? Wrap!;

        /// <summary>Immediately before <paramref name="statement"/> (wrapping it in a block when it is embedded).</summary>
        public static Placement BeforeStatement(StatementSyntax statement) =>
            statement.Parent is BlockSyntax or GlobalStatementSyntax ? new Placement(statement, null, null, null) : new Placement(null, null, null, statement);

        /// <summary>Immediately after <paramref name="statement"/> (wrapping it in a block when it is embedded).</summary>
        public static Placement AfterStatement(StatementSyntax statement) =>
            statement.Parent is BlockSyntax or GlobalStatementSyntax ? new Placement(null, statement, null, null) : new Placement(null, null, null, statement, wrapAfter: true);

        /// <summary>
        /// First in <paramref name="body"/> (a loop or function body): inside a leading
        /// <c>using (torch.NewDisposeScope()) { … }</c>, after a leading
        /// <c>using var scope = torch.NewDisposeScope();</c>, and after zero_grad() calls already
        /// there (so calls added one by one keep their order).
        /// </summary>
        public static Placement AtStartOf(StatementSyntax body)
        {
            var block = body as BlockSyntax ?? (body as UsingStatementSyntax)?.Statement as BlockSyntax;
            if (block is null)
            {
                return new Placement(null, null, null, body);
            }

            while (block.Statements.FirstOrDefault() is UsingStatementSyntax { Statement: BlockSyntax inner } scope && IsDisposeScope(scope))
            {
                block = inner;
            }

            var statements = block.Statements;
            int index = 0;
            if (statements.FirstOrDefault() is LocalDeclarationStatementSyntax declaration && !declaration.UsingKeyword.IsKind(SyntaxKind.None) && IsDisposeScope(declaration))
            {
                index = 1;
            }

            while (index < statements.Count && IsZeroGradCall(statements[index]))
            {
                index++;
            }

            if (statements.Count == 0)
            {
                return new Placement(null, null, block, null);
            }

            return index == 0 ? new Placement(statements[0], null, null, null) : new Placement(null, statements[index - 1], null, null);
        }

        private static bool IsDisposeScope(SyntaxNode node) =>
            node.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == "NewDisposeScope");

        private static bool IsZeroGradCall(StatementSyntax statement) =>
            statement is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } }
            && member.Name.Identifier.ValueText == "zero_grad";

        /// <summary>Inserts <paramref name="statements"/> (in order) at this placement.</summary>
        public void Apply(SyntaxEditor editor, IReadOnlyList<StatementSyntax> statements, SyntaxTrivia endOfLine)
        {
            // Top-level code (a program's top-level statements, a script, a notebook): statements are members of the file.
            if (Before?.Parent is GlobalStatementSyntax beforeGlobal)
            {
                editor.InsertBefore(beforeGlobal, statements.Select(s => SyntaxFactory.GlobalStatement(Line(s, Before, endOfLine))));
            }
            else if (After?.Parent is GlobalStatementSyntax afterGlobal)
            {
                editor.InsertAfter(afterGlobal, statements.Select(s => SyntaxFactory.GlobalStatement(Line(s, After, endOfLine))));
            }
            else if (Before is not null)
            {
                editor.InsertBefore(Before, statements.Select(s => Line(s, Before, endOfLine)));
            }
            else if (After is not null)
            {
                editor.InsertAfter(After, statements.Select(s => Line(s, After, endOfLine)));
            }
            else if (EmptyBlock is not null)
            {
                editor.ReplaceNode(EmptyBlock, (node, _) => ((BlockSyntax)node).AddStatements(statements.ToArray()).WithAdditionalAnnotations(Formatter.Annotation));
            }
            else
            {
                // Line breaks are explicit (the formatter keeps statements on the lines it finds them
                // on); the formatter then only fixes the indentation.
                editor.ReplaceNode(Wrap!, (node, _) =>
                {
                    var embedded = (StatementSyntax)node;
                    var added = statements.Select(s => s.WithoutLeadingTrivia().WithTrailingTrivia(endOfLine));
                    var existing = new[] { embedded.WithoutLeadingTrivia().WithTrailingTrivia(endOfLine) };
                    var lines = WrapAfter ? existing.Concat(added) : added.Concat(existing);
                    return SyntaxFactory.Block(
                            SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(endOfLine),
                            SyntaxFactory.List(lines),
                            SyntaxFactory.Token(SyntaxKind.CloseBraceToken))
                        .WithLeadingTrivia(embedded.GetLeadingTrivia())
                        .WithTrailingTrivia(embedded.GetTrailingTrivia())
                        .WithAdditionalAnnotations(Formatter.Annotation);
                });
            }
        }

        /// <summary>Moves each statement to its placement; statements sharing a placement keep their order.</summary>
        public static void MoveAll(SyntaxEditor editor, IReadOnlyList<(StatementSyntax Statement, Placement Target)> moves)
        {
            var endOfLine = EndOfLine(editor.OriginalRoot);
            foreach (var move in moves)
            {
                editor.RemoveNode(move.Statement, SyntaxRemoveOptions.KeepNoTrivia);
            }

            foreach (var group in moves.GroupBy(m => m.Target.Anchor))
            {
                group.First().Target.Apply(editor, group.Select(m => m.Statement.WithoutTrivia()).ToList(), endOfLine);
            }
        }

        // Indent like the neighbouring statement, end the line like the file does.
        private static StatementSyntax Line(StatementSyntax statement, StatementSyntax neighbour, SyntaxTrivia endOfLine)
        {
            var indentation = neighbour.GetLeadingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
            var leading = indentation.IsKind(SyntaxKind.WhitespaceTrivia) ? SyntaxFactory.TriviaList(indentation) : SyntaxFactory.TriviaList();
            return statement.WithLeadingTrivia(leading).WithTrailingTrivia(endOfLine);
        }

        public static SyntaxTrivia EndOfLine(SyntaxNode root)
        {
            var eol = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            return eol.IsKind(SyntaxKind.EndOfLineTrivia) ? eol : SyntaxFactory.ElasticCarriageReturnLineFeed;
        }

        /// <summary>The body of a loop statement, or null.</summary>
        public static StatementSyntax? LoopBody(SyntaxNode loop) => GradLint.Analyzers.Model.SyntaxScopes.LoopBody(loop);
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradLint.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL1002 fix: insert <c>&lt;optimizer&gt;.zero_grad();</c> as the first statement of the loop
    /// body (inside a leading <c>using (torch.NewDisposeScope())</c> block, or after a leading
    /// <c>using var … = torch.NewDisposeScope();</c>).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MissingZeroGradFixer)), Shared]
    public sealed class MissingZeroGradFixer : CodeFixProvider
    {
        private const string EquivalenceKey = "GL1002_InsertZeroGrad";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(Descriptors.GL1002_MissingZeroGrad.Id);

        // Several diagnostics can share one loop (two optimizers in a GAN loop): the Fix All
        // provider plans every insertion on the original tree, then applies them together.
        public override FixAllProvider GetFixAllProvider() => new InsertZeroGradFixAll();

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                var plan = Plan(root, model, diagnostic, context.CancellationToken);
                if (plan is null)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Call '{plan.Receiver}.zero_grad()' at the start of the loop",
                        ct => ApplyAsync(context.Document, new[] { plan }, ct),
                        EquivalenceKey),
                    diagnostic);
            }
        }

        /// <summary>Where to insert which statement, decided on the original tree.</summary>
        private sealed class Insertion
        {
            public Insertion(StatementSyntax loopBody, string receiver, StatementSyntax? before, StatementSyntax? after)
            {
                LoopBody = loopBody;
                Receiver = receiver;
                Before = before;
                After = after;
            }

            public StatementSyntax LoopBody { get; }
            public string Receiver { get; }
            public StatementSyntax? Before { get; }
            public StatementSyntax? After { get; }
        }

        private static Insertion? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (diagnostic.AdditionalLocations.Count == 0)
            {
                return null;
            }

            var step = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .FirstAncestorOrSelf<InvocationExpressionSyntax>();
            var loopBody = LoopBody(root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan));
            if (step is null || loopBody is null)
            {
                return null;
            }

            ExpressionSyntax? receiverSyntax = step.Expression is MemberAccessExpressionSyntax member ? member.Expression : null;
            if (receiverSyntax is not null && DeclaredInside(receiverSyntax, loopBody, model, cancellationToken))
            {
                // The optimizer is created inside the loop: it cannot be named before it exists.
                return null;
            }

            var receiver = receiverSyntax?.ToString() ?? "this";
            var block = loopBody as BlockSyntax ?? (loopBody as UsingStatementSyntax)?.Statement as BlockSyntax;
            if (block is null)
            {
                return new Insertion(loopBody, receiver, null, null);
            }

            // Step into a leading `using (torch.NewDisposeScope()) { … }` so the call sits with the step's work.
            while (block.Statements.FirstOrDefault() is UsingStatementSyntax { Statement: BlockSyntax inner } scope && IsDisposeScope(scope))
            {
                block = inner;
            }

            // Skip a leading `using var scope = torch.NewDisposeScope();` and zero_grad() calls
            // already there, so several optimizers' calls stay in the order they were added.
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
                return new Insertion(block, receiver, null, null);
            }

            return index == 0
                ? new Insertion(loopBody, receiver, statements[0], null)
                : new Insertion(loopBody, receiver, null, statements[index - 1]);
        }

        private static bool IsZeroGradCall(StatementSyntax statement) =>
            statement is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } }
            && member.Name.Identifier.ValueText == "zero_grad";

        private static bool IsDisposeScope(SyntaxNode node) =>
            node.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == "NewDisposeScope");

        private static StatementSyntax? LoopBody(SyntaxNode loop) => loop switch
        {
            ForStatementSyntax f => f.Statement,
            CommonForEachStatementSyntax f => f.Statement,
            WhileStatementSyntax w => w.Statement,
            DoStatementSyntax d => d.Statement,
            _ => null,
        };

        private static bool DeclaredInside(ExpressionSyntax receiver, SyntaxNode scope, SemanticModel model, CancellationToken cancellationToken)
        {
            var symbol = model.GetSymbolInfo(receiver, cancellationToken).Symbol;
            return symbol is ILocalSymbol local
                && local.DeclaringSyntaxReferences.Any(r => scope.Span.Contains(r.Span));
        }

        private static async Task<Document> ApplyAsync(Document document, IEnumerable<Insertion> insertions, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var endOfLine = EndOfLine(editor.OriginalRoot);

            // One zero_grad per optimizer per loop, however many diagnostics asked for it; the calls
            // that share an anchor are inserted together, in the order of the diagnostics.
            var groups = insertions
                .GroupBy(i => (SyntaxNode?)i.Before ?? (SyntaxNode?)i.After ?? i.LoopBody)
                .Select(g => (First: g.First(), Receivers: g.Select(i => i.Receiver).Distinct().ToList()));
            foreach (var (plan, receivers) in groups)
            {
                if (plan.Before is not null)
                {
                    editor.InsertBefore(plan.Before, receivers.Select(r => Statement(r, plan.Before, endOfLine)));
                }
                else if (plan.After is not null)
                {
                    editor.InsertAfter(plan.After, receivers.Select(r => Statement(r, plan.After, endOfLine)));
                }
                else if (plan.LoopBody is BlockSyntax emptyBlock)
                {
                    editor.ReplaceNode(emptyBlock, emptyBlock.AddStatements(receivers.Select(ZeroGrad).ToArray()).WithAdditionalAnnotations(Formatter.Annotation));
                }
                else
                {
                    // A single-statement body: wrap it in a block that starts with zero_grad().
                    // Line breaks are explicit (the formatter keeps statements on the lines it finds
                    // them on); the formatter then only fixes the indentation.
                    editor.ReplaceNode(plan.LoopBody, (node, _) =>
                    {
                        var body = (StatementSyntax)node;
                        var statements = receivers.Select(r => ZeroGrad(r).WithTrailingTrivia(endOfLine))
                            .Append(body.WithoutLeadingTrivia().WithTrailingTrivia(endOfLine));
                        return SyntaxFactory.Block(
                                SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(endOfLine),
                                SyntaxFactory.List(statements),
                                SyntaxFactory.Token(SyntaxKind.CloseBraceToken))
                            .WithLeadingTrivia(body.GetLeadingTrivia())
                            .WithTrailingTrivia(body.GetTrailingTrivia())
                            .WithAdditionalAnnotations(Formatter.Annotation);
                    });
                }
            }

            return editor.GetChangedDocument();
        }

        private static StatementSyntax ZeroGrad(string receiver) =>
            SyntaxFactory.ParseStatement(receiver + ".zero_grad();");

        // Indent like the neighbouring statement, end the line like the file does.
        private static StatementSyntax Statement(string receiver, StatementSyntax neighbour, SyntaxTrivia endOfLine)
        {
            var indentation = neighbour.GetLeadingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
            var leading = indentation.IsKind(SyntaxKind.WhitespaceTrivia) ? SyntaxFactory.TriviaList(indentation) : SyntaxFactory.TriviaList();
            return ZeroGrad(receiver).WithLeadingTrivia(leading).WithTrailingTrivia(endOfLine);
        }

        private static SyntaxTrivia EndOfLine(SyntaxNode root) =>
            root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is var eol && eol.IsKind(SyntaxKind.EndOfLineTrivia)
                ? eol
                : SyntaxFactory.ElasticCarriageReturnLineFeed;

        private sealed class InsertZeroGradFixAll : DocumentBasedFixAllProvider
        {
            protected override string GetFixAllTitle(FixAllContext fixAllContext) => "Insert the missing zero_grad() calls";

            protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
            {
                var cancellationToken = fixAllContext.CancellationToken;
                var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                if (root is null || model is null)
                {
                    return document;
                }

                var plans = diagnostics.Select(d => Plan(root, model, d, cancellationToken)).Where(p => p is not null).Select(p => p!).ToList();
                return plans.Count == 0 ? document : await ApplyAsync(document, plans, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

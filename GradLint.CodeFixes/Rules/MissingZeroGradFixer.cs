using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradLint.Analyzers;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

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

        /// <summary>Where to insert which optimizer's zero_grad(), decided on the original tree.</summary>
        private sealed class Insertion
        {
            public Insertion(Placement placement, string receiver)
            {
                Placement = placement;
                Receiver = receiver;
            }

            public Placement Placement { get; }
            public string Receiver { get; }
        }

        private static Insertion? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (diagnostic.AdditionalLocations.Count == 0)
            {
                return null;
            }

            var step = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .FirstAncestorOrSelf<InvocationExpressionSyntax>();
            var loopBody = Placement.LoopBody(root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan));
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

            return new Insertion(Placement.AtStartOf(loopBody), receiverSyntax?.ToString() ?? "this");
        }

        private static bool DeclaredInside(ExpressionSyntax receiver, SyntaxNode scope, SemanticModel model, CancellationToken cancellationToken)
        {
            var symbol = model.GetSymbolInfo(receiver, cancellationToken).Symbol;
            return symbol is ILocalSymbol local
                && local.DeclaringSyntaxReferences.Any(r => scope.Span.Contains(r.Span));
        }

        private static async Task<Document> ApplyAsync(Document document, IEnumerable<Insertion> insertions, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var endOfLine = Placement.EndOfLine(editor.OriginalRoot);

            // One zero_grad per optimizer per loop, however many diagnostics asked for it; the calls
            // that share an anchor are inserted together, in the order of the diagnostics.
            foreach (var group in insertions.GroupBy(i => i.Placement.Anchor))
            {
                var receivers = group.Select(i => i.Receiver).Distinct().ToList();
                group.First().Placement.Apply(editor, receivers.Select(ZeroGrad).ToList(), endOfLine);
            }

            return editor.GetChangedDocument();
        }

        private static StatementSyntax ZeroGrad(string receiver) =>
            SyntaxFactory.ParseStatement(receiver + ".zero_grad();");

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

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
    /// <summary>
    /// GL1002 fix: insert <c>&lt;optimizer&gt;.zero_grad();</c> as the first statement of the loop
    /// body (inside a leading <c>using (torch.NewDisposeScope())</c> block, or after a leading
    /// <c>using var … = torch.NewDisposeScope();</c>). Two optimizers in one loop each get one call.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MissingZeroGradFixer)), Shared]
    public sealed class MissingZeroGradFixer : PlannedFixer<MissingZeroGradFixer.Insertion>
    {
        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string Key = "GL1002_InsertZeroGrad";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(Descriptors.GL1002_MissingZeroGrad.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        /// <summary>Where to insert which optimizer's zero_grad().</summary>
        public sealed class Insertion
        {
            internal Insertion(Placement placement, string receiver)
            {
                Placement = placement;
                Receiver = receiver;
            }

            internal Placement Placement { get; }
            internal string Receiver { get; }
        }

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, Insertion plan)
        {
            yield return (Key, $"Call '{plan.Receiver}.zero_grad()' at the start of the loop");
        }

        protected override Insertion? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            if (diagnostic.AdditionalLocations.Count == 0)
            {
                return null;
            }

            var step = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .FirstAncestorOrSelf<InvocationExpressionSyntax>();
            // Innermost: a top-level loop shares its span with the global statement around it.
            var loopBody = Placement.LoopBody(root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true));
            if (step is null || loopBody is null)
            {
                return null;
            }

            ExpressionSyntax? receiver = step.Expression is MemberAccessExpressionSyntax member ? member.Expression : null;
            if (receiver is not null && model.GetSymbolInfo(receiver, cancellationToken).Symbol is ILocalSymbol local
                && local.DeclaringSyntaxReferences.Any(r => loopBody.Span.Contains(r.Span)))
            {
                return null;   // the optimizer is created inside the loop: it cannot be named before it exists
            }

            return new Insertion(Placement.AtStartOf(loopBody), receiver?.ToString() ?? "this");
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<Insertion> plans, string key)
        {
            var endOfLine = Placement.EndOfLine(editor.OriginalRoot);
            foreach (var group in plans.GroupBy(i => i.Placement.Anchor))
            {
                var receivers = group.Select(i => i.Receiver).Distinct();
                group.First().Placement.Apply(editor, receivers.Select(r => SyntaxFactory.ParseStatement(r + ".zero_grad();")).ToList(), endOfLine);
            }
        }
    }
}

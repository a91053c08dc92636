using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using GradLint.Analyzers;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Editing;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL3003 fixes: <c>using var noGrad = torch.no_grad();</c> first in the evaluation loop's body (gradients are
    /// off for exactly the iteration, nothing after the loop changes); <c>model.eval()</c> just before an evaluation
    /// loop; <c>model.train()</c> just before a training loop.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EvaluationBuildsGraphsFixer)), Shared]
    public sealed class EvaluationBuildsGraphsFixer : PlannedFixer<EvaluationBuildsGraphsFixer.Insertion>
    {
        /// <summary>Equivalence key of the no_grad fix.</summary>
        public const string NoGradKey = "GL3003_EvaluateUnderNoGrad";

        /// <summary>Equivalence key of the eval()/train() fix.</summary>
        public const string ModeKey = "GL3003_SetTheModuleMode";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL3003_EvaluationBuildsGraphs.Id);

        protected override IEnumerable<string> Keys => new[] { NoGradKey, ModeKey };

        /// <summary>A statement to insert at a placement.</summary>
        public sealed class Insertion
        {
            internal Insertion(Placement placement, StatementSyntax statement)
            {
                Placement = placement;
                Statement = statement;
            }

            internal Placement Placement { get; }
            internal StatementSyntax Statement { get; }
        }

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, Insertion plan)
        {
            var kind = diagnostic.Properties.TryGetValue(EvaluationBuildsGraphsAnalyzer.KindProperty, out var k) ? k : null;
            yield return (kind == "NoGrad" ? NoGradKey : ModeKey, kind == "NoGrad" ? "Evaluate without recording gradients: " + plan.Statement.ToString().Replace("TorchSharp.torch.", "torch.") : "Set the mode first: " + plan.Statement);
        }

        protected override Insertion? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            var loop = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
            if (!SyntaxScopes.IsLoop(loop) || loop is not StatementSyntax loopStatement
                || !diagnostic.Properties.TryGetValue(EvaluationBuildsGraphsAnalyzer.KindProperty, out var kind))
            {
                return null;
            }

            if (kind == "NoGrad" && key == NoGradKey)
            {
                var body = SyntaxScopes.LoopBody(loop)!;
                var name = FreeNames.Pick(body is BlockSyntax { Statements.Count: > 0 } block ? block.Statements[0] : body, model, "noGrad");
                return new Insertion(Placement.AtStartOf(body), TorchStatements.UsingVar(name, "no_grad"));
            }

            if (kind is "Eval" or "Train" && key == ModeKey && diagnostic.Properties.TryGetValue(EvaluationBuildsGraphsAnalyzer.ModelProperty, out var modelText) && modelText is not null)
            {
                return new Insertion(Placement.BeforeStatement(loopStatement), SyntaxFactory.ParseStatement($"{modelText}.{(kind == "Eval" ? "eval" : "train")}();"));
            }

            return null;
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<Insertion> plans, string key)
        {
            var endOfLine = Placement.EndOfLine(editor.OriginalRoot);
            foreach (var group in plans.GroupBy(p => p.Placement.Anchor))
            {
                var statements = group.Select(p => p.Statement).GroupBy(st => st.ToString()).Select(g => g.First()).ToList();
                group.First().Placement.Apply(editor, statements, endOfLine);
            }
        }
    }
}

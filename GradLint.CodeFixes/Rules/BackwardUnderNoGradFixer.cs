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
using Microsoft.CodeAnalysis.Simplification;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL1006 fix: <c>using var gradients = torch.enable_grad();</c> just before the forward pass that
    /// feeds the loss — the earliest statement of the loss's data flow, in the loss's block, that calls
    /// a module — or before the loss itself when no module call feeds it. Gradients are recorded from
    /// there to the end of the block, so targets computed earlier stay gradient-free (the usual reason
    /// for the no_grad scope), and unlike splitting the scope no local goes out of scope.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BackwardUnderNoGradFixer)), Shared]
    public sealed class BackwardUnderNoGradFixer : PlannedFixer<BackwardUnderNoGradFixer.Insertion>
    {
        /// <summary>Equivalence key of the fix.</summary>
        public const string Key = "GL1006_EnableGradForTheForwardPass";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL1006_BackwardUnderNoGrad.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        /// <summary>Where the enable_grad() scope starts, and the local that holds it.</summary>
        public sealed class Insertion
        {
            internal Insertion(StatementSyntax before, string name)
            {
                Before = before;
                Name = name;
            }

            internal StatementSyntax Before { get; }
            internal string Name { get; }
        }

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, Insertion plan)
        {
            yield return (Key, $"Record gradients from the forward pass on: using var {plan.Name} = torch.enable_grad();");
        }

        protected override Insertion? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            if (diagnostic.AdditionalLocations.Count == 0)
            {
                return null;
            }

            var computed = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
            var lossStatement = computed.FirstAncestorOrSelf<StatementSyntax>();
            if (lossStatement is null)
            {
                return null;
            }

            var before = lossStatement.Parent is BlockSyntax block ? ForwardPassFeeding(lossStatement, block, model, cancellationToken) : lossStatement;
            return new Insertion(before, FreeNames.Pick(before, model, "gradients"));
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<Insertion> plans, string key)
        {
            var endOfLine = Placement.EndOfLine(editor.OriginalRoot);
            foreach (var plan in plans.GroupBy(p => p.Before).Select(g => g.First()))
            {
                var statement = TorchStatements.UsingVar(plan.Name, "enable_grad");
                Placement.BeforeStatement(plan.Before).Apply(editor, new[] { statement }, endOfLine);
            }
        }

        /// <summary>
        /// The statements of <paramref name="block"/> before <paramref name="loss"/> that feed it (write a
        /// local it reads, transitively), back to the start of the no-grad scope; the earliest of them, or
        /// of the loss itself, that calls a module (the forward pass); else the earliest feeder.
        /// </summary>
        private static StatementSyntax ForwardPassFeeding(StatementSyntax loss, BlockSyntax block, SemanticModel model, CancellationToken cancellationToken)
        {
            var needed = new HashSet<ISymbol>(ReadLocals(loss, model), SymbolEqualityComparer.Default);
            var feeders = new List<StatementSyntax> { loss };
            var index = block.Statements.IndexOf(loss);
            for (int i = index - 1; i >= 0; i--)
            {
                var statement = block.Statements[i];
                if (statement is LocalDeclarationStatementSyntax declaration && declaration.UsingKeyword.IsKind(SyntaxKind.UsingKeyword)
                    && declaration.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(c => c.Expression.ToString().EndsWith("no_grad") || c.Expression.ToString().EndsWith("inference_mode")))
                {
                    break;   // the scope starts here
                }

                var flow = model.AnalyzeDataFlow(statement);
                if (flow is null || !flow.Succeeded)
                {
                    continue;
                }

                if (flow.WrittenInside.Concat(flow.VariablesDeclared).Any(needed.Contains))
                {
                    feeders.Add(statement);
                    needed.UnionWith(ReadLocals(statement, model));
                }
            }

            var forward = feeders.Where(s => CallsAModule(s, model, cancellationToken)).OrderBy(s => s.SpanStart).FirstOrDefault();
            return forward ?? feeders.OrderBy(s => s.SpanStart).First();
        }

        private static IEnumerable<ISymbol> ReadLocals(StatementSyntax statement, SemanticModel model)
        {
            var flow = model.AnalyzeDataFlow(statement);
            return flow is { Succeeded: true } ? flow.ReadInside.Where(s => s is ILocalSymbol) : Enumerable.Empty<ISymbol>();
        }

        // A call of forward/call on a TorchSharp module (or a helper of the same name on one).
        private static bool CallsAModule(StatementSyntax statement, SemanticModel model, CancellationToken cancellationToken) =>
            statement.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(call =>
                model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol { Name: "forward" or "call" } method
                && IsModule(method.ContainingType));

        // torch.nn.Module, Module<T, TResult> and everything derived from them.
        private static bool IsModule(INamedTypeSymbol? type)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (current.ToDisplayString().StartsWith("TorchSharp.torch.nn.Module", System.StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using GradLint.Analyzers;
using GradLint.Analyzers.Rules;
using GradLint.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL2006 fix (functional form, inline sigmoid): <c>binary_cross_entropy(x.sigmoid(), y, …)</c> →
    /// <c>binary_cross_entropy_with_logits(x, y, …)</c>; the remaining arguments (weight, reduction)
    /// keep their positions, which the two functions share.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SigmoidIntoBceFixer)), Shared]
    public sealed class SigmoidIntoBceFixer : PlannedFixer<ExpressionReplacement>
    {
        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string Key = "GL2006_UseWithLogits";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2006_SigmoidIntoBce.Id);

        protected override IEnumerable<string> Keys => new[] { Key };

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, ExpressionReplacement plan)
        {
            yield return (Key, "Use binary_cross_entropy_with_logits on the logits");
        }

        protected override ExpressionReplacement? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(SigmoidIntoBceAnalyzer.LogitsKey, out var logits) || logits is null || diagnostic.AdditionalLocations.Count == 0)
            {
                return null;
            }

            var call = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            var sigmoid = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true) as ExpressionSyntax;
            var name = call?.Expression switch
            {
                MemberAccessExpressionSyntax member => member.Name,
                SimpleNameSyntax simple => simple,
                _ => null,
            };
            if (call is null || sigmoid is null || name is null || !call.ArgumentList.Arguments.Any(a => a.Expression.Span.Contains(sigmoid.Span)))
            {
                return null;
            }

            var renamed = call.ReplaceNodes(
                new SyntaxNode[] { name, sigmoid },
                (original, _) => original == name
                    ? SyntaxFactory.IdentifierName("binary_cross_entropy_with_logits").WithTriviaFrom(name)
                    : SyntaxFactory.ParseExpression(logits).WithTriviaFrom(original));
            return new ExpressionReplacement(call, renamed);
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<ExpressionReplacement> plans, string key) =>
            ExpressionReplacement.ApplyAll(editor, plans);
    }
}

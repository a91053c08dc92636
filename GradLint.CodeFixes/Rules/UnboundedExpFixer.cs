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
    /// GL2005 fixes. An exp whose result is normalised by its own sum (a softmax written by hand, the
    /// exp held in a local: <c>var e = x.exp(); e / e.sum(1, true)</c>) gets its row maximum subtracted —
    /// softmax is unchanged by that shift, so the fix cannot change what correct code computes. Any other
    /// exp gets <c>x.clamp_max(c)</c>, c from <c>gradlint.exp_max</c> (default 80), which changes only
    /// arguments above c; a clamp is never offered on a normalised exp, where it would squash large but
    /// valid logits ([85, 80] would become [0.5, 0.5]).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnboundedExpFixer)), Shared]
    public sealed class UnboundedExpFixer : PlannedFixer<ExpressionReplacement>
    {
        /// <summary>Equivalence key of the clamp action.</summary>
        public const string ClampKey = "GL2005_ClampExpArgument";

        /// <summary>Equivalence key of the max-shift action.</summary>
        public const string SubtractMaximumKey = "GL2005_SubtractMaximum";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.GL2005_UnboundedExp.Id);

        protected override IEnumerable<string> Keys => new[] { SubtractMaximumKey, ClampKey };

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, ExpressionReplacement plan)
        {
            yield return (SubtractMaximumKey, $"Subtract the maximum (the normalised result is unchanged): {plan.Replacement}");
            yield return (ClampKey, $"Clamp the argument: {plan.Replacement}");
        }

        protected override ExpressionReplacement? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            if (ClampArgumentFixer.Target(root, model, diagnostic, cancellationToken) is not var (call, argument))
            {
                return null;
            }

            var sum = NormalisingSum((InvocationExpressionSyntax)call.Syntax, model, cancellationToken);
            if (key == ClampKey)
            {
                if (sum is not null)
                {
                    return null;   // withdrawn: a clamp would change a normalised result
                }

                var options = document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(argument.SyntaxTree);
                return ClampArgumentFixer.Clamped(argument, $"clamp_max({GradLintOptions.Literal(GradLintOptions.ExpMax(options))})");
            }

            // The argument is written twice; only a plain reference may be evaluated twice.
            return sum is not null && IsPlainReference(argument) ? Shifted(argument, sum, model, cancellationToken) : null;
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<ExpressionReplacement> plans, string key) =>
            ExpressionReplacement.ApplyAll(editor, plans);

        // x → x - x.amax(dims, keepdim: true) over the dimensions the sum normalises (x - x.max() for a full sum).
        private static ExpressionReplacement Shifted(ExpressionSyntax argument, InvocationExpressionSyntax sum, SemanticModel model, CancellationToken cancellationToken)
        {
            var x = argument.WithoutTrivia().ToString();
            var dim = SumDimension(sum);
            string maximum;
            if (dim is null)
            {
                maximum = $"{x}.max()";
            }
            else
            {
                var dims = model.GetTypeInfo(dim, cancellationToken).Type is IArrayTypeSymbol ? dim.ToString() : $"new long[] {{ {dim} }}";
                maximum = $"{x}.amax({dims}, keepdim: true)";
            }

            var shifted = SyntaxFactory.ParseExpression($"{x} - {maximum}");
            var asReceiver = argument.Parent is MemberAccessExpressionSyntax access && access.Expression == argument;
            return new ExpressionReplacement(argument, (asReceiver ? SyntaxFactory.ParenthesizedExpression(shifted) : shifted).WithTriviaFrom(argument));
        }

        private static ExpressionSyntax? SumDimension(InvocationExpressionSyntax sum)
        {
            var receiverForm = sum.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "sum" } member && !IsTorchQualifier(member.Expression);
            var arguments = sum.ArgumentList.Arguments.Skip(receiverForm ? 0 : 1).ToList();
            var named = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText is "dim" or "dims");
            return (named ?? arguments.FirstOrDefault(a => a.NameColon is null))?.Expression;
        }

        /// <summary>
        /// The <c>sum</c> that normalises the exp at <paramref name="exp"/>: <c>exp / exp.sum(…)</c> written
        /// inline, or, for an exp held in a local <c>e</c>, <c>e / e.sum(…)</c> (also <c>e.div(…)</c> and
        /// <c>torch.sum(e, …)</c>) in the same body. Null when the exp is not normalised.
        /// </summary>
        private static InvocationExpressionSyntax? NormalisingSum(InvocationExpressionSyntax exp, SemanticModel model, CancellationToken cancellationToken)
        {
            ExpressionSyntax value = exp;
            while (value.Parent is ParenthesizedExpressionSyntax parenthesized)
            {
                value = parenthesized;
            }

            if (Divisor(value) is { } inlineDivisor && SumOf(inlineDivisor) is var (inlineSum, inlineReceiver) && SyntaxFactory.AreEquivalent(Unparenthesize(inlineReceiver), exp))
            {
                return inlineSum;
            }

            if (value.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                || model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol local)
            {
                return null;
            }

            var body = declarator.FirstAncestorOrSelf<BlockSyntax>() ?? (SyntaxNode?)declarator.FirstAncestorOrSelf<CompilationUnitSyntax>();
            if (body is null)
            {
                return null;
            }

            bool IsLocal(ExpressionSyntax e) =>
                Unparenthesize(e) is IdentifierNameSyntax id && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(id, cancellationToken).Symbol, local);

            foreach (var reference in body.DescendantNodes().OfType<IdentifierNameSyntax>().Where(IsLocal))
            {
                if (Divisor(reference) is { } divisor && SumOf(divisor) is var (sum, receiver) && IsLocal(receiver))
                {
                    return sum;
                }
            }

            return null;
        }

        // The right operand when `numerator` is divided: `numerator / d` or `numerator.div(d)`.
        private static ExpressionSyntax? Divisor(ExpressionSyntax numerator) => numerator.Parent switch
        {
            BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.DivideExpression) && binary.Left == numerator => binary.Right,
            MemberAccessExpressionSyntax { Name.Identifier.ValueText: "div" } access when access.Expression == numerator
                && access.Parent is InvocationExpressionSyntax { ArgumentList.Arguments.Count: > 0 } div => div.ArgumentList.Arguments[0].Expression,
            _ => null,
        };

        // `r.sum(…)` or `torch.sum(r, …)`, with r.
        private static (InvocationExpressionSyntax Sum, ExpressionSyntax Receiver)? SumOf(ExpressionSyntax expression) =>
            Unparenthesize(expression) switch
            {
                InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "sum" } member } sum when !IsTorchQualifier(member.Expression) => (sum, member.Expression),
                InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "sum" }, ArgumentList.Arguments.Count: > 0 } sum => (sum, sum.ArgumentList.Arguments[0].Expression),
                InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "sum" }, ArgumentList.Arguments.Count: > 0 } sum => (sum, sum.ArgumentList.Arguments[0].Expression),
                _ => null,
            };

        private static bool IsTorchQualifier(ExpressionSyntax e) => e.ToString() is "torch" or "TorchSharp.torch";

        private static ExpressionSyntax Unparenthesize(ExpressionSyntax e)
        {
            while (e is ParenthesizedExpressionSyntax p)
            {
                e = p.Expression;
            }

            return e;
        }

        private static bool IsPlainReference(ExpressionSyntax e) => e switch
        {
            IdentifierNameSyntax => true,
            ThisExpressionSyntax => true,
            MemberAccessExpressionSyntax { Expression: var inner } access when access.IsKind(SyntaxKind.SimpleMemberAccessExpression) => IsPlainReference(inner),
            _ => false,
        };
    }
}

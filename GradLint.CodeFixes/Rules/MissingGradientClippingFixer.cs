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
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;

namespace GradLint.CodeFixes.Rules
{
    /// <summary>
    /// GL1001 fixes: (1) insert <c>torch.nn.utils.clip_grad_norm_(&lt;parameters&gt;, max_norm: N);</c>
    /// immediately before step() — the model's parameters when the optimizer's creation is visible,
    /// else the optimizer's; N from <c>gradlint.default_max_norm</c>; names qualified as the file
    /// already does (simplified against its usings). (2) When GradLint.Runtime is referenced: guard
    /// the optimizer where it is created with <c>.WithGradientGuard()</c> and add <c>using GradLint;</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MissingGradientClippingFixer)), Shared]
    public sealed class MissingGradientClippingFixer : PlannedFixer<MissingGradientClippingFixer.Edit>
    {
        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string ClipKey = "GL1001_InsertClipGradNorm";
        /// <summary>Equivalence key of the fix (what Fix All and tests name it by).</summary>
        public const string GuardKey = "GL1001_WithGradientGuard";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(Descriptors.GL1001_MissingGradientClipping.Id, Descriptors.GL1007_MissingGradientClippingLowRisk.Id);

        protected override IEnumerable<string> Keys => new[] { ClipKey, GuardKey };

        /// <summary>A clip to insert before a step, or an optimizer creation to guard.</summary>
        public sealed class Edit
        {
            internal Placement? Placement { get; set; }
            internal string? Parameters { get; set; }
            internal double MaxNorm { get; set; }
            internal ExpressionSyntax? Creation { get; set; }
        }

        protected override IEnumerable<(string Key, string Title)> Actions(Document document, Diagnostic diagnostic, Edit plan)
        {
            yield return plan.Creation is null
                ? (ClipKey, $"Clip gradients before step(): clip_grad_norm_({plan.Parameters}, max_norm: {GradLintOptions.Literal(plan.MaxNorm)})")
                : (GuardKey, "Guard the optimizer where it is created (.WithGradientGuard())");
        }

        protected override Edit? Plan(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, string key, CancellationToken cancellationToken)
        {
            var stepSyntax = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (stepSyntax is null || model.GetOperation(stepSyntax, cancellationToken) is not IInvocationOperation step)
            {
                return null;
            }

            var origin = OptimizerOrigin.Find(step.Instance);
            return key == ClipKey ? PlanClip(document, model, stepSyntax, step, origin) : PlanGuard(model, step, origin);
        }

        private static Edit? PlanClip(Document document, SemanticModel model, InvocationExpressionSyntax stepSyntax, IInvocationOperation step, OptimizerOrigin? origin)
        {
            var statement = stepSyntax.FirstAncestorOrSelf<StatementSyntax>();
            if (statement is null || step.Instance is null)
            {
                return null;
            }

            // The model's parameters when that module can be named here; else the optimizer's own.
            var parameters = step.Instance.Syntax.ToString() + ".parameters()";
            if (origin?.Model is { } module && origin.ModelText is { } text
                && model.LookupSymbols(stepSyntax.SpanStart, name: module.Name).Contains(module, SymbolEqualityComparer.Default))
            {
                parameters = text + ".parameters()";
            }

            var options = document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(stepSyntax.SyntaxTree);
            return new Edit { Placement = Placement.BeforeStatement(statement), Parameters = parameters, MaxNorm = GradLintOptions.MaxNorm(options) };
        }

        private static Edit? PlanGuard(SemanticModel model, IInvocationOperation step, OptimizerOrigin? origin)
        {
            var guardType = model.Compilation.GetTypeByMetadataName("GradLint.GuardedOptimizer");
            if (guardType is null || origin is null || origin.IsGuarded
                || origin.Creation.Syntax is not ExpressionSyntax creation || creation.SyntaxTree != step.Syntax.SyntaxTree)
            {
                return null;
            }

            // The variable must be able to hold a GuardedOptimizer (var, Optimizer, object, IDisposable).
            var variableType = OperationHelpers.ReferencedSymbol(step.Instance) switch
            {
                ILocalSymbol local => local.Type,
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                _ => null,
            };
            var declaredWithVar = OperationHelpers.ReferencedSymbol(step.Instance) is ILocalSymbol l
                && l.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax().Parent is VariableDeclarationSyntax { Type.IsVar: true };
            var conversion = variableType is null ? default : model.Compilation.ClassifyConversion(guardType, variableType);
            if (!declaredWithVar && !(conversion.IsIdentity || conversion.IsImplicit && conversion.IsReference))
            {
                return null;
            }

            return new Edit { Creation = creation };
        }

        protected override void Apply(DocumentEditor editor, IReadOnlyList<Edit> plans, string key)
        {
            if (key == ClipKey)
            {
                var endOfLine = Placement.EndOfLine(editor.OriginalRoot);
                foreach (var group in plans.GroupBy(p => p.Placement!.Anchor))
                {
                    var clips = group.GroupBy(p => p.Parameters).Select(g => ClipStatement(g.First())).ToList();
                    group.First().Placement!.Apply(editor, clips, endOfLine);
                }

                return;
            }

            foreach (var creation in plans.Select(p => p.Creation!).Distinct())
            {
                editor.ReplaceNode(creation, (node, _) =>
                {
                    var expression = (ExpressionSyntax)node;
                    var receiver = ExpressionReplacement.AsReceiver(expression);
                    return SyntaxFactory.InvocationExpression(
                            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName("WithGradientGuard")))
                        .WithTriviaFrom(expression);
                });
            }

            AddUsingIfMissing(editor, "GradLint");
        }

        // Fully qualified, with the Simplifier annotation on the name itself (the statement's trivia is
        // re-set when it is placed): the code action's clean-up reduces it against the file's usings.
        private static StatementSyntax ClipStatement(Edit plan)
        {
            var statement = (ExpressionStatementSyntax)SyntaxFactory.ParseStatement($"global::TorchSharp.torch.nn.utils.clip_grad_norm_({plan.Parameters}, max_norm: {GradLintOptions.Literal(plan.MaxNorm)});");
            var call = (InvocationExpressionSyntax)statement.Expression;
            return statement.ReplaceNode(call.Expression, call.Expression.WithAdditionalAnnotations(Simplifier.Annotation));
        }

        private static void AddUsingIfMissing(DocumentEditor editor, string ns)
        {
            if (editor.OriginalRoot is not CompilationUnitSyntax unit || unit.Usings.Any(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None) && u.Name?.ToString() == ns))
            {
                return;
            }

            var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(ns)).WithTrailingTrivia(Placement.EndOfLine(unit));
            var lastPlain = unit.Usings.LastOrDefault(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None));
            if (lastPlain is not null)
            {
                editor.InsertAfter(lastPlain, directive);
            }
            else if (unit.Usings.Count > 0)
            {
                editor.InsertBefore(unit.Usings[0], directive);
            }
            else if (unit.Members.Count > 0)
            {
                editor.ReplaceNode(unit, (node, _) => ((CompilationUnitSyntax)node).AddUsings(directive));
            }
        }
    }
}

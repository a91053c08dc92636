using System.Collections.Immutable;
using System.Linq;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL1006: <c>backward()</c> on a value computed while a <c>no_grad()</c> / <c>inference_mode()</c>
    /// scope of the same function was active. Judged where the value was computed — the initializer or
    /// last assignment of the local <c>backward()</c> is called on, or the expression itself — not where
    /// <c>backward()</c> runs (backward under no_grad is fine for a loss built outside it). Reported on the
    /// backward() call; the computation travels as the additional location, for the code fix.
    /// </summary>
    public sealed class BackwardUnderNoGradAnalyzer : InvocationRuleAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL1006_BackwardUnderNoGrad);

        private protected override bool IsCandidateName(string name, AnalyzerOptions options, SyntaxTree tree, TorchContext torch) => name == "backward";

        private protected override void Analyze(InvocationContext context, TorchContext torch)
        {
            var backward = context.Invocation;
            if (TrainingCalls.Classify(backward, torch) != TrainingCallKind.Backward)
            {
                return;
            }

            var value = backward.TargetMethod.IsStatic ? backward.Arguments.FirstOrDefault()?.Value : backward.Instance;
            value = OperationHelpers.Strip(value);
            if (value is null)
            {
                return;
            }

            var computed = ComputationOf(value, backward, torch);
            if (computed is null || GradMode.NoGradScopeAt(computed) is not { } scope || GradMode.IsConditional(scope))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL1006_BackwardUnderNoGrad,
                backward.Syntax.GetLocation(),
                additionalLocations: new[] { computed.GetLocation() },
                messageArgs: new object[] { value.Syntax.ToString(), scope.ToString() }));
        }

        /// <summary>
        /// Where <paramref name="value"/> was computed: for a local, the last assignment (or its
        /// initializer) before <paramref name="backward"/> in the same function; else the value itself.
        /// </summary>
        private static SyntaxNode? ComputationOf(IOperation value, IInvocationOperation backward, TorchContext torch)
        {
            if (value is not ILocalReferenceOperation { Local: var local })
            {
                return value.Syntax;
            }

            var body = SyntaxScopes.EnclosingFunctionOrScript(backward.Syntax);
            if (body is null)
            {
                return null;
            }

            var model = backward.SemanticModel!;
            var position = backward.Syntax.SpanStart;
            // Nothing that ends before the local's declaration can assign it: the search starts there when the declaration
            // is in this function (usually the statement before the call), and stops at the call.
            var declared = local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() as VariableDeclaratorSyntax;
            var start = declared is not null && body.Span.Contains(declared.Span) ? declared.SpanStart : body.SpanStart;
            if (start >= position)
            {
                return null;
            }

            // The local's name in the source text between them, each occurrence looked up as a token.
            SyntaxNode? last = null;
            foreach (var token in IdentifierSearch.Identifiers(body, torch.IndexOf(body.SyntaxTree), TextSpan.FromBounds(start, position), local.Name))
            {
                if (LastAssigned(token.Parent, local, declared, model) is { } assigned)
                {
                    last = assigned;
                }
            }

            return last;
        }

        // The value a declarator or an assignment of the local gives it, when that is what the node is.
        private static SyntaxNode? LastAssigned(SyntaxNode? node, ILocalSymbol local, VariableDeclaratorSyntax? declared, SemanticModel model) => node switch
        {
            VariableDeclaratorSyntax { Initializer: { } initializer } declarator
                when declarator.Identifier.ValueText == local.Name && IsDeclarationOf(declarator, local, declared, model) => initializer.Value,
            IdentifierNameSyntax { Parent: AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } assignment } identifier
                when identifier == target && target.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(target).Symbol, local) => assignment.Right,
            _ => null,
        };

        // A local has one declarator: another of the same name declares another local (a sibling scope's), no binding needed.
        private static bool IsDeclarationOf(VariableDeclaratorSyntax declarator, ILocalSymbol local, VariableDeclaratorSyntax? declared, SemanticModel model) =>
            declared is not null
                ? declarator == declared || (declarator.SyntaxTree == declared.SyntaxTree && declarator.Span == declared.Span)
                : SymbolEqualityComparer.Default.Equals(model.GetDeclaredSymbol(declarator), local);
    }
}

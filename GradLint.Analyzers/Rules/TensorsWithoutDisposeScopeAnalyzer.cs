using System.Collections.Immutable;
using System.Linq;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers.Rules
{
    /// <summary>
    /// GL3001: tensors created on every step with no dispose scope that frees them per step.
    /// <list type="bullet">
    /// <item><b>Loop form</b>, reported on the loop keyword: the iteration runs per-step tensor work (a forward
    /// pass, a loss, a <c>torch.nn.functional</c> op, <c>backward()</c>, an optimizer step) outside any dispose scope
    /// opened inside the iteration. Not reported when the loop is inside a scope opened per iteration of an
    /// enclosing loop; when every tensor the iteration creates is <c>using</c>-declared or disposed; for a loop
    /// that only runs forward passes inside a scope opened around it, or inside a module's own methods (the
    /// caller's scope owns those tensors). A loop that trains inside a scope opened once around it is reported:
    /// that scope frees nothing until training ends.</item>
    /// <item><b>Method form</b>, reported on the method name: a method that calls <c>backward()</c> outside its
    /// loops with no scope around it — the <c>Learn()</c>/<c>TrainStep()</c> an RL agent or trainer runs once per
    /// step — unless every call of it the compilation shows runs inside a dispose scope, or runs once
    /// (from <c>Main</c> or top-level code, outside loops; followed up to three callers deep).</item>
    /// </list>
    /// </summary>
    public sealed class TensorsWithoutDisposeScopeAnalyzer : TorchRuleAnalyzer
    {
        /// <summary>Diagnostic property: "Loop" or "Method", the form reported.</summary>
        public const string FormProperty = "Form";

        private const int CallerDepth = 3;

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL3001_TensorsWithoutDisposeScope);

        private protected override void Register(RuleActions actions, TorchContext torch)
        {
            var callSites = new CallSites(actions.Compilation, actions.CancellationToken);
            OperationContext.Register(actions, loop => TensorWork.BodyMayDoTensorWork(loop, torch), context => AnalyzeLoop(context, torch), SyntaxScopes.LoopKinds);
            OperationContext.Register(actions, function => torch.InvokedNames(function).Contains("backward"), context => AnalyzeMethod(context, torch, callSites), SyntaxKind.MethodDeclaration, SyntaxKind.LocalFunctionStatement);
        }

        private static void AnalyzeLoop(OperationContext context, TorchContext torch)
        {
            if (context.Operation is not ILoopOperation loop)
            {
                return;
            }

            var body = loop.Body.Syntax;
            var work = torch.TensorWorkIn(loop.Body, intoLoops: false);
            // OpenedAt reads no statement of a body whose text names no NewDisposeScope(: then every call is uncovered.
            var uncovered = work.Where(w => DisposeScopes.OpenedAt(w.Call.Syntax, body, torch) is null).OrderBy(w => w.Call.Syntax.SpanStart).ToList();
            if (uncovered.Count == 0)
            {
                return;
            }

            if (DisposeScopes.FreesEveryIteration(loop.Body))
            {
                return;
            }

            var trains = work.Any(w => w.Kind is TensorWorkKind.Backward or TensorWorkKind.Step);
            if (!trains && TensorWork.IsInsideModule(loop, torch))
            {
                return;
            }

            var outer = DisposeScopes.OpenedAt(loop.Syntax, region: null, torch);
            if (outer is not null && (!trains || SyntaxScopes.EnclosingLoop(outer) is not null))
            {
                return;
            }

            if (TensorOwnership.EveryTensorIsOwned(loop.Body, torch))
            {
                return;
            }

            var shown = uncovered.FirstOrDefault(w => w.Kind == TensorWorkKind.Backward).Call ?? uncovered[0].Call;
            var detail = outer is null ? string.Empty : " (the scope opened before the loop frees them only when it ends)";
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL3001_TensorsWithoutDisposeScope,
                SyntaxScopes.LoopKeyword(loop.Syntax).GetLocation(),
                ImmutableDictionary<string, string?>.Empty.Add(FormProperty, "Loop"),
                "this loop",
                TensorWork.Describe(shown),
                detail,
                "at the start of its body"));
        }

        private static void AnalyzeMethod(OperationContext context, TorchContext torch, CallSites callSites)
        {
            IOperation? body;
            SyntaxToken name;
            IMethodSymbol? method;
            switch (context.Operation)
            {
                case IMethodBodyOperation { BlockBody: { } block } methodBody when methodBody.Syntax is BaseMethodDeclarationSyntax declaration:
                    body = block;
                    // The driver's containing symbol is the method itself; asking the model for it costs a lookup of its namespace and type.
                    method = context.ContainingSymbol is IMethodSymbol declared && declared.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == declaration.SyntaxTree && r.Span == declaration.Span)
                        ? declared
                        : methodBody.SemanticModel?.GetDeclaredSymbol(declaration, context.CancellationToken) as IMethodSymbol;
                    name = declaration is MethodDeclarationSyntax m ? m.Identifier : declaration.GetFirstToken();
                    if (declaration is not MethodDeclarationSyntax)
                    {
                        return;   // constructors, operators: not a per-step method
                    }

                    break;
                case ILocalFunctionOperation { Body: { } localBody } local when local.Syntax is LocalFunctionStatementSyntax statement:
                    body = localBody;
                    method = local.Symbol;
                    name = statement.Identifier;
                    break;
                default:
                    return;
            }

            if (method is null || IsEntryPoint(method))
            {
                return;
            }

            var work = torch.TensorWorkIn(body, intoLoops: false);
            var backward = work.Where(w => w.Kind == TensorWorkKind.Backward && DisposeScopes.OpenedAt(w.Call.Syntax, body.Syntax, torch) is null)
                .Select(w => w.Call).OrderBy(c => c.Syntax.SpanStart).FirstOrDefault();
            if (backward is null || TensorOwnership.EveryTensorIsOwned(body, torch))
            {
                return;
            }

            if (!RunsPerStep(method.Name, callSites, torch, depth: 0, context.CancellationToken))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL3001_TensorsWithoutDisposeScope,
                name.GetLocation(),
                ImmutableDictionary<string, string?>.Empty.Add(FormProperty, "Method"),
                $"'{method.Name}'",
                TensorWork.Describe(backward),
                " on every call",
                "as its first statement"));
        }

        /// <summary>
        /// True when a method of this name may run once per training step with nothing freeing its tensors:
        /// no call is visible (a library's public step method), or some call runs in a loop or a lambda with no
        /// dispose scope opened between, or in a caller that does (up to <see cref="CallerDepth"/> callers up).
        /// </summary>
        private static bool RunsPerStep(string name, CallSites callSites, TorchContext torch, int depth, System.Threading.CancellationToken cancellationToken)
        {
            var calls = callSites.Named(name);
            if (calls.Count == 0 || depth > CallerDepth)
            {
                return true;
            }

            foreach (var call in calls)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var loopOrFunction = call.Ancestors().FirstOrDefault(a => SyntaxScopes.IsLoop(a) || SyntaxScopes.IsFunction(a) || a is CompilationUnitSyntax);
                var region = SyntaxScopes.LoopBody(loopOrFunction) ?? loopOrFunction;
                if (DisposeScopes.OpenedAt(call, region, torch) is not null)
                {
                    continue;
                }

                if (loopOrFunction is null || SyntaxScopes.IsLoop(loopOrFunction) || loopOrFunction is AnonymousFunctionExpressionSyntax)
                {
                    return true;   // in a loop, or a callback that may run any number of times
                }

                var callerName = loopOrFunction switch
                {
                    CompilationUnitSyntax => null,   // top-level code outside loops: runs once
                    MethodDeclarationSyntax { Identifier.ValueText: "Main" } => null,
                    MethodDeclarationSyntax caller => caller.Identifier.ValueText,
                    LocalFunctionStatementSyntax caller => caller.Identifier.ValueText,
                    _ => string.Empty,   // an accessor, a constructor, an operator: assume it repeats
                };
                if (callerName == string.Empty || (callerName is not null && RunsPerStep(callerName, callSites, torch, depth + 1, cancellationToken)))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsEntryPoint(IMethodSymbol method) =>
            method.Name == "Main" && method.IsStatic || method.Name == WellKnownMemberNames.TopLevelStatementsEntryPointMethodName;

    }
}

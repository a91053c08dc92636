using System.Collections.Generic;
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
    /// GL3003, two findings on a loop (reported on its keyword):
    /// <list type="bullet">
    /// <item><b>NoGrad</b>: the loop runs a forward pass with gradients on, and its function never trains — no
    /// <c>backward()</c>/<c>step()</c> in it or in a helper it calls, it returns no tensor, nothing computed from
    /// the forward pass is kept outside the loop — and no caller the compilation shows runs it under
    /// <c>no_grad()</c>: every pass records a graph for nothing.</item>
    /// <item><b>Eval</b>/<b>Train</b>: a model whose layers depend on the mode (Dropout, BatchNorm — its type in this
    /// compilation, or the expression that built it, says so) evaluated after a training loop of the same function
    /// with no <c>eval()</c> between, or trained after <c>eval()</c> with no <c>train()</c> between — also across
    /// the iterations of an enclosing epoch loop.</item>
    /// </list>
    /// </summary>
    public sealed class EvaluationBuildsGraphsAnalyzer : TorchRuleAnalyzer
    {
        /// <summary>Diagnostic property: "NoGrad", "Eval" or "Train" — what the fix inserts.</summary>
        public const string KindProperty = "Kind";

        /// <summary>Diagnostic property: the model expression, as written, for the Eval/Train fixes.</summary>
        public const string ModelProperty = "Model";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.GL3003_EvaluationBuildsGraphs);

        private protected override void Register(RuleActions actions, TorchContext torch)
        {
            var callSites = new CallSites(actions.Compilation, actions.CancellationToken);
            OperationContext.Register(actions, loop => TensorWork.BodyMayDoTensorWork(loop, torch), context => Analyze(context, torch, callSites), SyntaxScopes.LoopKinds);
        }

        private static void Analyze(OperationContext context, TorchContext torch, CallSites callSites)
        {
            if (context.Operation is not ILoopOperation loop)
            {
                return;
            }

            var work = torch.TensorWorkIn(loop.Body, intoLoops: false);
            var forwards = work.Where(w => w.Kind == TensorWorkKind.Forward).Select(w => w.Call).ToList();
            if (forwards.Count == 0 || TensorWork.IsInsideModule(loop, torch))
            {
                return;
            }

            var function = EnclosingFunction(loop);
            var code = CodeOf(function);
            var trainsHere = work.Any(w => w.Kind is TensorWorkKind.Backward or TensorWorkKind.Step)
                || torch.TensorWorkIn(loop.Body, intoLoops: true).Any(w => w.Kind is TensorWorkKind.Backward or TensorWorkKind.Step);
            if (!trainsHere)
            {
                CheckNoGrad(context, loop, forwards, function, code, torch, callSites);
            }

            CheckMode(context, loop, forwards, code, trainsHere, torch);
        }

        private static void CheckNoGrad(OperationContext context, ILoopOperation loop, List<IInvocationOperation> forwards, IOperation function, IReadOnlyList<IOperation> code, TorchContext torch, CallSites callSites)
        {
            var recording = forwards.FirstOrDefault(f => GradMode.NoGradScopeAt(f.Syntax) is null);
            if (recording is null
                || code.SelectMany(c => c.DescendantsAndSelf()).OfType<IInvocationOperation>().Any(c => TrainingCalls.Classify(c, torch) is TrainingCallKind.Backward or TrainingCallKind.Step)
                || code.Any(c => TrainingCalls.HelperContains(c, TrainingCallKind.Backward, torch, "backward"))
                || ReturnsTensors(function, torch)
                || KeepsAGraphOutside(loop, torch)
                || CalledOnlyUnderNoGrad(function, callSites))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GL3003_EvaluationBuildsGraphs,
                SyntaxScopes.LoopKeyword(loop.Syntax).GetLocation(),
                ImmutableDictionary<string, string?>.Empty.Add(KindProperty, "NoGrad"),
                $"This loop runs '{TensorWork.Describe(recording)}' with gradients on but its function never calls backward(): every forward pass records an autograd graph and keeps its activations for nothing; run the evaluation under 'using var noGrad = torch.no_grad();'"));
        }

        private static void CheckMode(OperationContext context, ILoopOperation loop, List<IInvocationOperation> forwards, IReadOnlyList<IOperation> code, bool trains, TorchContext torch)
        {
            foreach (var forward in forwards)
            {
                var model = OperationHelpers.ReferencedSymbol(forward.Instance);
                if (model is null || !HasModeDependentLayers(model, forward, torch))
                {
                    continue;
                }

                var events = ModeEvents(code, model, torch, exclude: loop);
                var position = loop.Syntax.SpanStart;
                var wanted = trains ? Mode.Train : Mode.Eval;
                var last = events.Where(e => e.End <= position).OrderBy(e => e.End).LastOrDefault();
                var wrong = last.Mode != Mode.None && last.Mode != wanted ? last : default;
                if (wrong.Mode == Mode.None)
                {
                    // Across the iterations of an enclosing epoch loop: the mode the previous iteration ended in.
                    var epoch = SyntaxScopes.EnclosingLoop(loop.Syntax);
                    if (epoch is not null)
                    {
                        var inEpoch = events.Where(e => epoch.Span.Contains(e.Span)).ToList();
                        var settingBefore = inEpoch.Any(e => e.End <= position && e.Mode == wanted && e.IsCall);
                        var afterwards = inEpoch.Where(e => e.Span.Start >= loop.Syntax.Span.End).OrderBy(e => e.End).LastOrDefault();
                        if (!settingBefore && afterwards.Mode != Mode.None && afterwards.Mode != wanted && !inEpoch.Any(e => e.IsCall && e.Mode == wanted))
                        {
                            wrong = afterwards;
                        }
                    }
                }

                if (wrong.Mode == Mode.None)
                {
                    continue;
                }

                var text = forward.Instance!.Syntax.ToString();
                var message = trains
                    ? $"'{text}' has Dropout or BatchNorm layers and this training loop runs after '{wrong.Text}' with no '{text}.train()' in between: it trains with dropout off and frozen batch statistics; call '{text}.train()' before it"
                    : $"'{text}' has Dropout or BatchNorm layers and this evaluation runs after '{wrong.Text}' with no '{text}.eval()' in between: dropout stays on and batch statistics are updated with evaluation data; call '{text}.eval()' before it";
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.GL3003_EvaluationBuildsGraphs,
                    SyntaxScopes.LoopKeyword(loop.Syntax).GetLocation(),
                    ImmutableDictionary<string, string?>.Empty.Add(KindProperty, trains ? "Train" : "Eval").Add(ModelProperty, text),
                    message));
                return;
            }
        }

        private enum Mode
        {
            None,
            Train,
            Eval,
        }

        private readonly struct ModeEvent
        {
            public ModeEvent(Mode mode, Microsoft.CodeAnalysis.Text.TextSpan span, bool isCall, string text)
            {
                Mode = mode;
                Span = span;
                IsCall = isCall;
                Text = text;
            }

            public Mode Mode { get; }
            public Microsoft.CodeAnalysis.Text.TextSpan Span { get; }
            public int End => Span.End;

            /// <summary>An explicit train()/eval() call (not a loop that only implies a mode).</summary>
            public bool IsCall { get; }

            public string Text { get; }
        }

        /// <summary>
        /// What sets or assumes the model's mode in the function, in source order: <c>train()</c>/<c>eval()</c>
        /// calls on it, and the other loops that train (leave it in training mode) or evaluate it.
        /// </summary>
        private static List<ModeEvent> ModeEvents(IReadOnlyList<IOperation> code, ISymbol model, TorchContext torch, ILoopOperation exclude)
        {
            var events = new List<ModeEvent>();
            foreach (var operation in code.SelectMany(c => TensorWork.Walk(c, intoLoops: true)))
            {
                if (operation is IInvocationOperation { TargetMethod.Name: "train" or "eval" } call && !call.TargetMethod.IsStatic
                    && torch.IsModule(call.TargetMethod.ContainingType) && SymbolEqualityComparer.Default.Equals(OperationHelpers.ReferencedSymbol(call.Instance), model))
                {
                    var eval = call.TargetMethod.Name == "eval"
                        || (call.Arguments.FirstOrDefault()?.Value is { ConstantValue: { HasValue: true, Value: false } } && !call.Arguments[0].IsImplicit);
                    events.Add(new ModeEvent(eval ? Mode.Eval : Mode.Train, call.Syntax.Span, isCall: true, call.Syntax.ToString()));
                }
                else if (operation is ILoopOperation other && other != exclude && !other.Syntax.Span.Contains(exclude.Syntax.Span) && !exclude.Syntax.Span.Contains(other.Syntax.Span))
                {
                    var otherWork = torch.TensorWorkIn(other.Body, intoLoops: true);
                    var forwardsModel = otherWork.Any(w => w.Kind == TensorWorkKind.Forward && SymbolEqualityComparer.Default.Equals(OperationHelpers.ReferencedSymbol(w.Call.Instance), model));
                    if (forwardsModel && otherWork.Any(w => w.Kind == TensorWorkKind.Backward))
                    {
                        events.Add(new ModeEvent(Mode.Train, other.Syntax.Span, isCall: false, "the training loop '" + LoopHeader(other.Syntax) + "'"));
                    }
                }
            }

            return events;
        }

        // "for (int epoch = 0; epoch < 10; epoch++)": how a message names a loop (line numbers mean little in a notebook).
        private static string LoopHeader(SyntaxNode loop)
        {
            var body = SyntaxScopes.LoopBody(loop)!;
            var header = loop is DoStatementSyntax ? "do … while (" + ((DoStatementSyntax)loop).Condition + ")" : loop.ToString().Substring(0, body.SpanStart - loop.SpanStart).Trim();
            header = System.Text.RegularExpressions.Regex.Replace(header, @"\s+", " ");
            return header.Length > 60 ? header.Substring(0, 57) + "…" : header;
        }

        /// <summary>True when the model's layers change with its mode: a TorchSharp Dropout/BatchNorm, a type of this compilation that builds one, or a local built with one.</summary>
        private static bool HasModeDependentLayers(ISymbol model, IOperation use, TorchContext torch)
        {
            var type = model switch
            {
                ILocalSymbol l => l.Type,
                IFieldSymbol f => f.Type,
                IPropertySymbol p => p.Type,
                IParameterSymbol p => p.Type,
                _ => null,
            };
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (current is INamedTypeSymbol named && torch.ModeDependentModules.Contains(named.OriginalDefinition))
                {
                    return true;
                }

                if (torch.CalledOrCreatedNames(current, ModeDependentNames).Count > 0)
                {
                    return true;
                }
            }

            // A local or field built in place: var model = Sequential(("drop", Dropout(0.5)), …).
            return model.DeclaringSyntaxReferences.Any(r => BuildsModeDependentLayer(r.GetSyntax()))
                || (model is ILocalSymbol local && GraphFlow.ValuesAssignedTo(local, use).Any(v => BuildsModeDependentLayer(v.Syntax)));
        }

        private static readonly NameSet ModeDependentNames = new NameSet(TorchContext.ModeDependentModuleNames);

        private static bool BuildsModeDependentLayer(SyntaxNode node) =>
            node.DescendantNodesAndSelf().Any(n => n switch
            {
                InvocationExpressionSyntax call => CandidateInvocations.InvokedName(call) is { } name && TorchContext.ModeDependentModuleNames.Contains(name),
                ObjectCreationExpressionSyntax creation => TorchContext.ModeDependentModuleNames.Contains(CandidateInvocations.CreatedTypeName(creation)),
                _ => false,
            });

        private static IOperation EnclosingFunction(IOperation operation)
        {
            for (var current = operation.Parent; current is not null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation or ILocalFunctionOperation || current.Parent is null)
                {
                    return current;
                }
            }

            return operation;
        }

        /// <summary>
        /// The operations of the function: the function itself, or — for top-level code, where a script (a notebook,
        /// a .csx) gives every global statement an operation tree of its own — every global statement of the file.
        /// </summary>
        private static IReadOnlyList<IOperation> CodeOf(IOperation function)
        {
            if (function.Parent is not null || SyntaxScopes.IsFunction(function.Syntax) || function.SemanticModel is not { } model
                || function.Syntax.FirstAncestorOrSelf<GlobalStatementSyntax>() is null)
            {
                return new[] { function };
            }

            return function.Syntax.SyntaxTree.GetRoot().ChildNodes().OfType<GlobalStatementSyntax>()
                .Select(g => model.GetOperation(g.Statement))
                .Where(o => o is not null)
                .Select(o => o!)
                .ToList();
        }

        private static bool ReturnsTensors(IOperation function, TorchContext torch)
        {
            var returnType = function switch
            {
                IAnonymousFunctionOperation lambda => lambda.Symbol.ReturnType,
                ILocalFunctionOperation local => local.Symbol.ReturnType,
                _ => (function.SemanticModel?.GetDeclaredSymbol(function.Syntax) as IMethodSymbol)?.ReturnType,
            };
            if (returnType is INamedTypeSymbol { IsGenericType: true } generic && generic.Name == "Task")
            {
                returnType = generic.TypeArguments[0];
            }

            return returnType is not null && (torch.IsTensor(returnType) || (returnType is INamedTypeSymbol named && named.TypeArguments.Any(torch.IsTensor))
                || (returnType is IArrayTypeSymbol array && torch.IsTensor(array.ElementType))
                || (returnType is INamedTypeSymbol { IsTupleType: true } tuple && tuple.TupleElements.Any(e => torch.IsTensor(e.Type))));
        }

        // Something computed with a graph is stored outside the loop (kept for a later backward, or GL3002's finding).
        private static bool KeepsAGraphOutside(ILoopOperation loop, TorchContext torch)
        {
            foreach (var operation in TensorWork.Walk(loop.Body, intoLoops: true))
            {
                IOperation? target = null, value = null;
                switch (operation)
                {
                    case IAssignmentOperation assignment:
                        (target, value) = (assignment.Target, assignment.Value);
                        break;
                    case IInvocationOperation { Instance: not null } add when TensorWork.CollectionAdds.Contains(add.TargetMethod.Name):
                        (target, value) = (add.Instance, add.Arguments.LastOrDefault()?.Value);
                        break;
                }

                if (target is null || value is null)
                {
                    continue;
                }

                var symbol = OperationHelpers.ReferencedSymbol(target) ?? OperationHelpers.ReferencedSymbol((target as IArrayElementReferenceOperation)?.ArrayReference);
                var outside = symbol is not ILocalSymbol || !symbol.DeclaringSyntaxReferences.Any(r => loop.Syntax.Span.Contains(r.Span));
                if (outside && GraphFlow.CarriesGraph(value, torch))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool CalledOnlyUnderNoGrad(IOperation function, CallSites callSites)
        {
            if (function is IAnonymousFunctionOperation || function.Syntax is CompilationUnitSyntax)
            {
                return false;
            }

            var name = function switch
            {
                ILocalFunctionOperation local => local.Symbol.Name,
                _ => function.SemanticModel?.GetDeclaredSymbol(function.Syntax)?.Name,
            };
            if (name is null)
            {
                return false;
            }

            var calls = callSites.Named(name);
            return calls.Count > 0 && calls.All(call => GradMode.NoGradScopeAt(call) is not null);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using GradLint.Analyzers.Model;
using GradLint.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradLint.Analyzers
{
    /// <summary>
    /// The one analyzer the package ships: it runs every GradLint rule, and hands each syntax node once to all the
    /// rules that asked for its kind.
    /// </summary>
    /// <remarks>
    /// Why one analyzer: the compiler's driver walks each declaration's nodes and dispatches them once per analyzer,
    /// and a benchmark control of 20 analyzers that do nothing costs about 1.4 % of a compile on its own
    /// (benchmarks/README.md) — a fixed toll the 20 rule analyzers paid in every build. Each rule stays a
    /// <see cref="TorchRuleAnalyzer"/> that can run alone (the tests run each rule that way); this host collects
    /// their actions through <see cref="RuleActions"/>. What one analyzer per rule gave for free is kept here:
    /// a rule that every setting for a file turns off (<c>dotnet_diagnostic.GLxxxx.severity = none</c> in
    /// .editorconfig or a global config, <c>/nowarn</c>) does no work in that file (<see cref="RuleSwitches"/>), and
    /// an exception in one rule does not keep the others from a node (it still surfaces as AD0001). The rules that look at
    /// calls (most of them) register a candidate test instead of a syntax action: the host reads each call's invoked name
    /// once and binds the call once for all the rules that accept it (<see cref="DispatchCall"/>).
    /// </remarks>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class GradLintAnalyzer : DiagnosticAnalyzer
    {
        public GradLintAnalyzer()
            : this(AllRules())
        {
        }

        internal GradLintAnalyzer(ImmutableArray<TorchRuleAnalyzer> rules)
        {
            Rules = rules;
            SupportedDiagnostics = rules.SelectMany(rule => rule.SupportedDiagnostics).Distinct().ToImmutableArray();
        }

        /// <summary>One instance of every rule (a test checks that no rule of this assembly is missing).</summary>
        internal static ImmutableArray<TorchRuleAnalyzer> AllRules() => ImmutableArray.Create<TorchRuleAnalyzer>(
            new MissingGradientClippingAnalyzer(),
            new MissingZeroGradAnalyzer(),
            new ZeroGradBeforeStepAnalyzer(),
            new MisplacedClippingAnalyzer(),
            new SchedulerBeforeOptimizerStepAnalyzer(),
            new BackwardUnderNoGradAnalyzer(),
            new UnguardedLogAnalyzer(),
            new LogOfSoftmaxAnalyzer(),
            new LogOfSigmoidAnalyzer(),
            new UnboundedExpAnalyzer(),
            new SigmoidIntoBceAnalyzer(),
            new SoftmaxIntoLossAnalyzer(),
            new HandWrittenLogSumExpAnalyzer(),
            new UnguardedSqrtAnalyzer(),
            new UnguardedDivisionAnalyzer(),
            new NaNEqualityAnalyzer(),
            new PrecisionLossAnalyzer(),
            new TensorsWithoutDisposeScopeAnalyzer(),
            new LossKeptAcrossIterationsAnalyzer(),
            new EvaluationBuildsGraphsAnalyzer());

        /// <summary>The rules this analyzer runs.</summary>
        internal ImmutableArray<TorchRuleAnalyzer> Rules { get; }

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; }

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(UserCodeActions.Flags);   // generated code is skipped per node, see UserCodeActions
            context.RegisterCompilationStartAction(start =>
            {
                var torch = TorchContext.For(start.Compilation);
                if (torch is null)
                {
                    return;
                }

                var collected = new CollectedActions(start.Compilation, start.CancellationToken);
                for (var index = 0; index < Rules.Length; index++)
                {
                    collected.CurrentRule = index;
                    Rules[index].RegisterActions(collected, torch);
                }

                var switches = new RuleSwitches(Rules, start.Compilation.Options);
                foreach (var byKind in collected.ByKind)
                {
                    var actions = byKind.Value.ToArray();
                    start.RegisterSyntaxNodeAction(context => Dispatch(context, actions, switches), byKind.Key);
                }

                if (collected.Invocations.Count > 0)
                {
                    var candidates = collected.Invocations.ToArray();
                    start.RegisterSyntaxNodeAction(context => DispatchCall(context, candidates, switches), SyntaxKind.InvocationExpression);
                }
            });
        }

        // Every call is shown to the dozen-odd rules that look at calls: its invoked name is read once, and it is bound
        // once, for the first rule that accepts it, instead of once per rule (CandidateInvocations.Run).
        private static void DispatchCall(in SyntaxNodeAnalysisContext context, OfRule<InvocationCandidate>[] candidates, RuleSwitches switches)
        {
            if (context.IsGeneratedCode)
            {
                return;
            }

            var call = (InvocationExpressionSyntax)context.Node;
            if (CandidateInvocations.InvokedName(call) is not { } name)
            {
                return;
            }

            var on = switches.For(call.SyntaxTree, context.CancellationToken);
            IInvocationOperation? invocation = null;
            List<ExceptionDispatchInfo>? failures = null;
            foreach (var candidate in candidates)
            {
                if (!on[candidate.Rule])
                {
                    continue;
                }

                try
                {
                    if (!candidate.Action.Accepts(call, name, context.Options))
                    {
                        continue;
                    }

                    invocation ??= context.SemanticModel.GetOperation(call, context.CancellationToken) as IInvocationOperation;
                    if (invocation is null)
                    {
                        break;   // not a call the compiler could bind (an error, a dynamic call): no rule looks at it
                    }

                    candidate.Action.Analyze(new InvocationContext(invocation, context));
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    (failures ??= new List<ExceptionDispatchInfo>()).Add(ExceptionDispatchInfo.Capture(exception));
                }
            }

            ThrowAfterAll(failures);
        }

        private static void Dispatch(in SyntaxNodeAnalysisContext context, OfRule<Action<SyntaxNodeAnalysisContext>>[] actions, RuleSwitches switches)
        {
            if (context.IsGeneratedCode)
            {
                return;
            }

            var on = switches.For(context.Node.SyntaxTree, context.CancellationToken);
            List<ExceptionDispatchInfo>? failures = null;
            foreach (var action in actions)
            {
                if (!on[action.Rule])
                {
                    continue;
                }

                try
                {
                    action.Action(context);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    (failures ??= new List<ExceptionDispatchInfo>()).Add(ExceptionDispatchInfo.Capture(exception));
                }
            }

            ThrowAfterAll(failures);
        }

        // One rule's exception does not keep the next rules from the node: failures are thrown after all of them ran,
        // so the driver reports them as AD0001.
        private static void ThrowAfterAll(List<ExceptionDispatchInfo>? failures)
        {
            if (failures is { Count: 1 })
            {
                failures[0].Throw();
            }

            if (failures is not null)
            {
                throw new AggregateException(failures.Select(failure => failure.SourceException));
            }
        }

        /// <summary>What a rule registered (a syntax action, or a call candidate), with the index of the rule it belongs to.</summary>
        private readonly struct OfRule<T>
        {
            public OfRule(int rule, T action)
            {
                Rule = rule;
                Action = action;
            }

            public int Rule { get; }

            public T Action { get; }
        }

        /// <summary>Every rule's syntax actions, by node kind, in rule order.</summary>
        private sealed class CollectedActions : RuleActions
        {
            public CollectedActions(Compilation compilation, CancellationToken cancellationToken)
                : base(compilation, cancellationToken)
            {
            }

            public int CurrentRule { get; set; }

            public Dictionary<SyntaxKind, List<OfRule<Action<SyntaxNodeAnalysisContext>>>> ByKind { get; } = new Dictionary<SyntaxKind, List<OfRule<Action<SyntaxNodeAnalysisContext>>>>();

            public List<OfRule<InvocationCandidate>> Invocations { get; } = new List<OfRule<InvocationCandidate>>();

            public override void RegisterInvocationAction(InvocationCandidate candidate) => Invocations.Add(new OfRule<InvocationCandidate>(CurrentRule, candidate));

            public override void RegisterUserCodeNodeAction(Action<SyntaxNodeAnalysisContext> action, params SyntaxKind[] kinds)
            {
                foreach (var kind in kinds.Distinct())
                {
                    if (!ByKind.TryGetValue(kind, out var list))
                    {
                        ByKind[kind] = list = new List<OfRule<Action<SyntaxNodeAnalysisContext>>>();
                    }

                    list.Add(new OfRule<Action<SyntaxNodeAnalysisContext>>(CurrentRule, action));
                }
            }
        }
    }
}

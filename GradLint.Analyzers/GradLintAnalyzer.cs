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
using Microsoft.CodeAnalysis.Diagnostics;

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
    /// an exception in one rule does not keep the others from a node (it still surfaces as AD0001).
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
            });
        }

        private static void Dispatch(in SyntaxNodeAnalysisContext context, RuleAction[] actions, RuleSwitches switches)
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
                    action.Run(context);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The next rules still see the node; the failure is thrown after them, so it is reported as AD0001.
                    (failures ??= new List<ExceptionDispatchInfo>()).Add(ExceptionDispatchInfo.Capture(exception));
                }
            }

            if (failures is { Count: 1 })
            {
                failures[0].Throw();
            }

            if (failures is not null)
            {
                throw new AggregateException(failures.Select(failure => failure.SourceException));
            }
        }

        private readonly struct RuleAction
        {
            public RuleAction(int rule, Action<SyntaxNodeAnalysisContext> run)
            {
                Rule = rule;
                Run = run;
            }

            public int Rule { get; }

            public Action<SyntaxNodeAnalysisContext> Run { get; }
        }

        /// <summary>Every rule's syntax actions, by node kind, in rule order.</summary>
        private sealed class CollectedActions : RuleActions
        {
            public CollectedActions(Compilation compilation, CancellationToken cancellationToken)
                : base(compilation, cancellationToken)
            {
            }

            public int CurrentRule { get; set; }

            public Dictionary<SyntaxKind, List<RuleAction>> ByKind { get; } = new Dictionary<SyntaxKind, List<RuleAction>>();

            public override void RegisterUserCodeNodeAction(Action<SyntaxNodeAnalysisContext> action, params SyntaxKind[] kinds)
            {
                foreach (var kind in kinds.Distinct())
                {
                    if (!ByKind.TryGetValue(kind, out var list))
                    {
                        ByKind[kind] = list = new List<RuleAction>();
                    }

                    list.Add(new RuleAction(CurrentRule, action));
                }
            }
        }
    }
}

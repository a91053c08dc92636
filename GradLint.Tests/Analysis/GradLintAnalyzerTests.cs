using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using GradLint.Analyzers;
using GradLint.Analyzers.Model;
using GradLint.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace GradLint.Tests.Analysis
{
    /// <summary>
    /// The package ships one analyzer, <see cref="GradLintAnalyzer"/>, which hosts every rule. These tests hold it to
    /// what one analyzer per rule gave: every rule runs, each finding is reported once and exactly as the rule alone
    /// reports it, a rule turned off for a file does no work there, and one rule's exception neither hides the other
    /// rules' findings nor goes unreported.
    /// </summary>
    public class GradLintAnalyzerTests
    {
        // A trainer and its losses with a finding for most rules, in one file, plus a second file for the memory rules.
        private const string Trainer = """
            using System;
            using System.Collections.Generic;
            using TorchSharp;
            using TorchSharp.Modules;
            using static TorchSharp.torch;

            public class Trainer
            {
                private readonly Sequential model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3));
                private readonly BCELoss criterion = nn.BCELoss();

                public void Train(IEnumerable<(Tensor X, Tensor Y)> batches, int epochs)
                {
                    var optimizer = optim.Adam(model.parameters(), 1e-3);
                    var scheduler = optim.lr_scheduler.StepLR(optimizer, 10);
                    for (int epoch = 0; epoch < epochs; epoch++)
                    {
                        foreach (var (x, y) in batches)
                        {
                            scheduler.step();
                            var loss = nn.functional.mse_loss(model.call(x), y);
                            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                            loss.backward();
                            optimizer.step();
                            optimizer.zero_grad();
                        }
                    }
                }

                public void TrainWithoutZeroGrad(Tensor x, Tensor y, int steps)
                {
                    var optimizer = optim.SGD(model.parameters(), 0.01);
                    for (int i = 0; i < steps; i++)
                    {
                        var loss = nn.functional.mse_loss(model.call(x), y);
                        loss.backward();
                        optimizer.step();
                    }
                }

                public void Finetune(Tensor x, Tensor y)
                {
                    var optimizer = optim.SGD(model.parameters(), 0.01);
                    using (torch.no_grad())
                    {
                        var loss = nn.functional.mse_loss(model.call(x), y);
                        optimizer.zero_grad();
                        loss.backward();
                        optimizer.step();
                    }
                }

                public void ClearsBeforeStepping(Tensor x, Tensor y)
                {
                    var optimizer = optim.SGD(model.parameters(), 0.01);
                    var loss = nn.functional.mse_loss(model.call(x), y);
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                    optimizer.zero_grad();
                    optimizer.step();
                }

                public Tensor Losses(Tensor logits, Tensor x, Tensor y)
                {
                    var a = torch.log(x);
                    var b = torch.log(logits.softmax(1));
                    var c = torch.log(torch.exp(logits).sum(1));
                    var d = (1 + x).log();
                    var e = torch.exp(x);
                    var f = criterion.call(logits.sigmoid(), y);
                    var g = nn.functional.cross_entropy(logits.softmax(1), y);
                    var h = torch.sqrt(x);
                    var i = x / y.sum();
                    var j = logits.sigmoid().log();
                    return a + b + c + d + e + f + g + h + i + j;
                }

                public bool Diverged(Tensor loss) => loss.item<float>() == float.NaN;
            }
            """;

        private const string Loops = """
            using System.Collections.Generic;
            using TorchSharp;
            using static TorchSharp.torch;

            public static class Loops
            {
                public static float Fit(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int steps)
                {
                    var optimizer = optim.SGD(model.parameters(), 0.01);
                    var total = zeros(1);
                    for (int i = 0; i < steps; i++)
                    {
                        optimizer.zero_grad();
                        var loss = nn.functional.mse_loss(model.call(x), y);
                        loss.backward();
                        optimizer.step();
                        total += loss;
                    }

                    return total.item<float>();
                }

                public static float Evaluate(nn.Module<Tensor, Tensor> model, IEnumerable<(Tensor X, Tensor Y)> batches)
                {
                    var sum = 0f;
                    foreach (var (x, y) in batches)
                    {
                        using var loss = nn.functional.mse_loss(model.call(x), y);
                        sum += loss.item<float>();
                    }

                    return sum;
                }
            }
            """;

        // What the sources above are written to trigger (each id at least once).
        private static readonly string[] Triggered =
        {
            "GL1001", "GL1002", "GL1003", "GL1004", "GL1005", "GL1006", "GL2001", "GL2002", "GL2003", "GL2004", "GL2005",
            "GL2006", "GL2007", "GL2008", "GL2009", "GL2010", "GL2011", "GL3001", "GL3002", "GL3003",
        };

        [Fact]
        public void It_is_the_only_analyzer_the_host_loads_and_it_hosts_every_rule_once()
        {
            var assembly = typeof(GradLintAnalyzer).Assembly;
            var loaded = assembly.GetTypes().Where(t => t.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), false).Length > 0);
            Assert.Equal(new[] { typeof(GradLintAnalyzer) }, loaded);

            var rules = assembly.GetTypes().Where(t => !t.IsAbstract && typeof(TorchRuleAnalyzer).IsAssignableFrom(t)).OrderBy(t => t.Name).ToArray();
            var hosted = new GradLintAnalyzer().Rules.Select(r => r.GetType()).OrderBy(t => t.Name).ToArray();
            Assert.Equal(rules, hosted);

            var ids = rules.SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics).Select(d => d.Id).Distinct().OrderBy(id => id);
            Assert.Equal(ids, new GradLintAnalyzer().SupportedDiagnostics.Select(d => d.Id).OrderBy(id => id));
        }

        [Fact]
        public async Task It_reports_exactly_what_the_rules_report_each_on_its_own()
        {
            var compilation = Compile.Create(false, Trainer, Loops);
            Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);

            var hosted = await GradLintFindings(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(new GradLintAnalyzer()));
            var alone = await GradLintFindings(compilation, GradLintAnalyzer.AllRules().CastArray<DiagnosticAnalyzer>());

            Assert.Equal(alone, hosted);
            Assert.Equal(hosted.Distinct().Count(), hosted.Length);   // nothing reported twice
            Assert.Empty(Triggered.Except(hosted.Select(f => f.Split(' ')[0])));   // every rule the sources are written for reported
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]   // a rule that looks at calls, whose calls the host reads and binds once for every such rule
        public async Task A_rule_turned_off_for_a_file_is_not_run_there_and_the_other_rules_still_report(bool looksAtCalls)
        {
            var compilation = Compile.Create(false, Trainer, Loops);
            var first = compilation.SyntaxTrees.First();
            var settings = new Settings(perTree: new() { [(first, CountingRule.Id)] = ReportDiagnostic.Suppress, [(first, "GL2009")] = ReportDiagnostic.Suppress });
            var counting = new CountingRule(looksAtCalls);
            var host = new GradLintAnalyzer(GradLintAnalyzer.AllRules().Add(counting));
            var diagnostics = await compilation.WithOptions(compilation.Options.WithSyntaxTreeOptionsProvider(settings))
                .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(host)).GetAnalyzerDiagnosticsAsync();
            var findings = Describe(diagnostics);

            Assert.Equal(new[] { "File1.cs" }, counting.Files.Distinct());   // handed no node of the file that turns it off
            Assert.DoesNotContain(findings, f => f.StartsWith("GL2009 File0.cs", StringComparison.Ordinal));
            Assert.Contains(findings, f => f.StartsWith("GL2008 File0.cs", StringComparison.Ordinal));
            Assert.Contains(findings, f => f.StartsWith("GL3002 File1.cs", StringComparison.Ordinal));
        }

        [Fact]
        public void A_rule_is_skipped_only_when_every_setting_that_names_it_says_none()
        {
            var tree = CSharpSyntaxTree.ParseText("class C { }", path: "C.cs");
            bool Off(Settings settings, params (string Id, ReportDiagnostic Value)[] specific)
            {
                var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
                    .WithSyntaxTreeOptionsProvider(settings)
                    .WithSpecificDiagnosticOptions(specific.Select(s => new KeyValuePair<string, ReportDiagnostic>(s.Id, s.Value)));
                return RuleSwitches.IsTurnedOff("GL2009", tree, options, CancellationToken.None);
            }

            // Not named anywhere: runs (a bulk category setting may turn it on).
            Assert.False(Off(new Settings()));
            // Turned off by the file's .editorconfig, by /nowarn, or by a global config alone.
            Assert.True(Off(new Settings(perTree: new() { [(tree, "GL2009")] = ReportDiagnostic.Suppress })));
            Assert.True(Off(new Settings(), ("GL2009", ReportDiagnostic.Suppress)));
            Assert.True(Off(new Settings(global: new() { ["GL2009"] = ReportDiagnostic.Suppress })));
            // Any setting that does not say none keeps it on, whichever would win.
            Assert.False(Off(new Settings(perTree: new() { [(tree, "GL2009")] = ReportDiagnostic.Suppress }, global: new() { ["GL2009"] = ReportDiagnostic.Warn })));
            Assert.False(Off(new Settings(global: new() { ["GL2009"] = ReportDiagnostic.Suppress }), ("GL2009", ReportDiagnostic.Error)));
            Assert.False(Off(new Settings(perTree: new() { [(tree, "GL2009")] = ReportDiagnostic.Info }), ("GL2009", ReportDiagnostic.Suppress)));
            // Another rule's setting is not this rule's.
            Assert.False(Off(new Settings(perTree: new() { [(tree, "GL2008")] = ReportDiagnostic.Suppress })));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task One_rules_exception_surfaces_as_AD0001_and_the_other_rules_still_see_the_node(bool looksAtCalls)
        {
            var compilation = Compile.Create(false, Trainer, Loops);
            var host = new GradLintAnalyzer(GradLintAnalyzer.AllRules().Insert(0, new ThrowingRule(looksAtCalls)));
            var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(host)).GetAnalyzerDiagnosticsAsync();

            Assert.Contains(diagnostics, d => d.Id == "AD0001" && d.GetMessage().Contains(nameof(ThrowingRule), StringComparison.Ordinal));
            var withoutFailure = await GradLintFindings(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(new GradLintAnalyzer()));
            Assert.Equal(withoutFailure, Describe(diagnostics.Where(d => d.Id.StartsWith("GL", StringComparison.Ordinal))));
        }

        private static async Task<string[]> GradLintFindings(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            var diagnostics = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
            return Describe(diagnostics);
        }

        private static string[] Describe(IEnumerable<Diagnostic> diagnostics) =>
            diagnostics.Select(d => $"{d.Id} {d.Location.SourceTree!.FilePath} {d.Location.SourceSpan} {d.GetMessage()}")
                .OrderBy(s => s, StringComparer.Ordinal)
                .ToArray();

        /// <summary>
        /// A rule that throws on every invocation it is shown (hosted, like every rule: no attribute) — from a syntax action,
        /// or as a rule that looks at calls, when each call is bound for it.
        /// </summary>
#pragma warning disable RS1001
        private sealed class ThrowingRule : TorchRuleAnalyzer
        {
            private readonly bool looksAtCalls;

            public ThrowingRule(bool looksAtCalls) => this.looksAtCalls = looksAtCalls;

            public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
                ImmutableArray.Create(new DiagnosticDescriptor("GL9999", "throws", "throws", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true));

            private protected override void Register(RuleActions actions, TorchContext torch)
            {
                if (looksAtCalls)
                {
                    CandidateInvocations.Register(actions, (_, _, _) => true, _ => throw new InvalidOperationException(nameof(ThrowingRule)));
                }
                else
                {
                    actions.RegisterUserCodeNodeAction(_ => throw new InvalidOperationException(nameof(ThrowingRule)), SyntaxKind.InvocationExpression);
                }
            }
        }
#pragma warning restore RS1001

        /// <summary>A rule that reports nothing and records the file of every invocation it is handed (or, looking at calls, asked about).</summary>
#pragma warning disable RS1001
        private sealed class CountingRule : TorchRuleAnalyzer
        {
            public const string Id = "GL9998";
            private readonly bool looksAtCalls;

            public CountingRule(bool looksAtCalls) => this.looksAtCalls = looksAtCalls;

            public System.Collections.Concurrent.ConcurrentQueue<string> Files { get; } = new System.Collections.Concurrent.ConcurrentQueue<string>();

            public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
                ImmutableArray.Create(new DiagnosticDescriptor(Id, "counts", "counts", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true));

            private protected override void Register(RuleActions actions, TorchContext torch)
            {
                if (looksAtCalls)
                {
                    CandidateInvocations.Register(actions, (_, _, tree) => { Files.Enqueue(tree.FilePath); return false; }, _ => { });
                }
                else
                {
                    actions.RegisterUserCodeNodeAction(context => Files.Enqueue(context.Node.SyntaxTree.FilePath), SyntaxKind.InvocationExpression);
                }
            }
        }
#pragma warning restore RS1001

        /// <summary>Severity settings as .editorconfig (per file) and global configs give them.</summary>
        private sealed class Settings : SyntaxTreeOptionsProvider
        {
            private readonly Dictionary<(SyntaxTree, string), ReportDiagnostic> perTree;
            private readonly Dictionary<string, ReportDiagnostic> global;

            public Settings(Dictionary<(SyntaxTree, string), ReportDiagnostic>? perTree = null, Dictionary<string, ReportDiagnostic>? global = null)
            {
                this.perTree = perTree ?? new Dictionary<(SyntaxTree, string), ReportDiagnostic>();
                this.global = global ?? new Dictionary<string, ReportDiagnostic>();
            }

            public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.Unknown;

            public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
                perTree.TryGetValue((tree, diagnosticId), out severity);

            public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
                global.TryGetValue(diagnosticId, out severity);
        }
    }
}

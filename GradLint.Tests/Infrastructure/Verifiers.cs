using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>No reference-assembly package: <see cref="TestReferences"/> supplies everything.</summary>
    internal static class NoPackages
    {
        public static ReferenceAssemblies ReferenceAssemblies { get; } = new ReferenceAssemblies("net8.0");

        public static void Configure(SolutionState state, bool withRuntime)
        {
            state.AdditionalReferences.AddRange(TestReferences.All);
            if (withRuntime)
            {
                state.AdditionalReferences.Add(TestReferences.GradLintRuntime);
            }
        }
    }

    /// <summary>An analyzer test over Microsoft.CodeAnalysis.Testing, compiled against real TorchSharp.</summary>
    public sealed class GradLintAnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        public GradLintAnalyzerTest(bool withRuntime = false)
        {
            ReferenceAssemblies = NoPackages.ReferenceAssemblies;
            NoPackages.Configure(TestState, withRuntime);
        }
    }

    /// <summary>A code-fix test (single fix, Fix All in document / project / solution).</summary>
    public sealed class GradLintCodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        public GradLintCodeFixTest(bool withRuntime = false)
        {
            ReferenceAssemblies = NoPackages.ReferenceAssemblies;
            NoPackages.Configure(TestState, withRuntime);
            NoPackages.Configure(FixedState, withRuntime);
        }
    }

    public static class Verify<TAnalyzer>
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        /// <summary>An expected report of rule <paramref name="id"/>, at the severity its descriptor gives it (GL1003 and GL1006 are errors, GL2005 info).</summary>
        public static DiagnosticResult Diagnostic(string id) =>
            new DiagnosticResult(id, new TAnalyzer().SupportedDiagnostics.First(d => d.Id == id).DefaultSeverity);

        /// <summary>Runs the analyzer over <paramref name="source"/>; markup (<c>{|GL1002:…|}</c>) states the expected reports.</summary>
        public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected) => AnalyzerAsync(source, withRuntime: false, editorConfig: null, expected);

        /// <summary>As above, optionally referencing GradLint.Runtime and with an .editorconfig for the sources.</summary>
        public static Task AnalyzerAsync(string source, bool withRuntime, string? editorConfig, params DiagnosticResult[] expected)
        {
            var test = new GradLintAnalyzerTest<TAnalyzer>(withRuntime) { TestCode = source };
            if (editorConfig is not null)
            {
                test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
            }

            test.ExpectedDiagnostics.AddRange(expected);
            return test.RunAsync(CancellationToken.None);
        }
    }

    public static class Verify<TAnalyzer, TCodeFix>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        /// <summary>Applies the fix to every diagnostic one by one and with Fix All, and checks both results.</summary>
        public static Task CodeFixAsync(string source, string fixedSource, int? iterations = null) =>
            CodeFixAsync(source, fixedSource, iterations, withRuntime: false, editorConfig: null, actionIndex: null);

        /// <summary>As above, choosing the fix's action by index, referencing GradLint.Runtime, and with an .editorconfig.</summary>
        public static Task CodeFixAsync(string source, string fixedSource, int? iterations, bool withRuntime, string? editorConfig, int? actionIndex)
        {
            var test = new GradLintCodeFixTest<TAnalyzer, TCodeFix>(withRuntime) { TestCode = source, FixedCode = fixedSource, CodeActionIndex = actionIndex };
            if (iterations is int n)
            {
                test.NumberOfIncrementalIterations = n;
                test.NumberOfFixAllIterations = 1;
            }

            if (editorConfig is not null)
            {
                var config = ("/.editorconfig", "root = true\n\n[*]\n" + editorConfig);
                test.TestState.AnalyzerConfigFiles.Add(config);
                test.FixedState.AnalyzerConfigFiles.Add(config);
            }

            return test.RunAsync(CancellationToken.None);
        }
    }
}

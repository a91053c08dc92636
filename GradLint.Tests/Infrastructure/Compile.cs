using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>Compiles sources with the real references and runs every GradLint analyzer over them.</summary>
    public static class Compile
    {
        public static ImmutableArray<DiagnosticAnalyzer> AllGradLintAnalyzers { get; } =
            typeof(global::GradLint.Analyzers.Rules.MissingZeroGradAnalyzer).Assembly.GetTypes()
                .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), false).Length > 0)
                .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
                .ToImmutableArray();

        public static CSharpCompilation Create(bool withRuntime, params string[] sources)
        {
            var references = withRuntime ? TestReferences.All.Add(TestReferences.GradLintRuntime) : TestReferences.All;
            return CSharpCompilation.Create(
                "UserProject",
                sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, path: $"File{i}.cs")),
                references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        }

        /// <summary>
        /// Every GradLint report on a top-level-statements program (script or notebook style), as
        /// (rule, the trimmed source line it is on); asserts it compiles and no analyzer threw.
        /// </summary>
        public static async Task<(string Id, string Line)[]> ScriptFindingsAsync(string script)
        {
            var compilation = Create(false, script).WithOptions(new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
            var diagnostics = await AllDiagnosticsAsync(compilation);
            Xunit.Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error || d.Id == "AD0001");
            return diagnostics.Where(d => d.Id.StartsWith("GL", StringComparison.Ordinal))
                .Select(d => (d.Id, d.Location.SourceTree!.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim()))
                .ToArray();
        }

        /// <summary>
        /// Every GradLint report on a class library, as (rule, the trimmed source line it is on); asserts
        /// it compiles and no analyzer threw.
        /// </summary>
        public static async Task<(string Id, string Line)[]> LibraryFindingsAsync(string source)
        {
            var diagnostics = await AllDiagnosticsAsync(Create(false, source));
            Xunit.Assert.DoesNotContain(diagnostics, d => (d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("GL", StringComparison.Ordinal)) || d.Id == "AD0001");
            return diagnostics.Where(d => d.Id.StartsWith("GL", StringComparison.Ordinal))
                .Select(d => (d.Id, d.Location.SourceTree!.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim()))
                .OrderBy(f => f.Item2, StringComparer.Ordinal).ThenBy(f => f.Id, StringComparer.Ordinal)
                .ToArray();
        }

        /// <summary>Compiler diagnostics (warnings and errors) plus every GradLint analyzer's reports; analyzer exceptions surface as AD0001.</summary>
        public static async Task<ImmutableArray<Diagnostic>> AllDiagnosticsAsync(Compilation compilation)
        {
            var withAnalyzers = compilation.WithAnalyzers(AllGradLintAnalyzers, new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false));
            var all = await withAnalyzers.GetAllDiagnosticsAsync();
            return all.Where(d => d.Severity >= DiagnosticSeverity.Warning || d.Id.StartsWith("GL", StringComparison.Ordinal)).ToImmutableArray();
        }

        /// <summary>
        /// Compiles <paramref name="source"/>, applies <paramref name="fixer"/> to every
        /// <paramref name="fixedId"/> report as a user accepting each light bulb would, compiles the
        /// result, and asserts the fix introduced nothing (<see cref="AssertFixIntroducesNothing"/>).
        /// </summary>
        public static async Task<(string FixedSource, ImmutableArray<Diagnostic> After)> ApplyFixesAndCompareAsync(
            string source, DiagnosticAnalyzer analyzer, Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider fixer, string fixedId)
        {
            var before = await AllDiagnosticsAsync(Create(false, source));
            var fixedSource = await CodeFixRunner.ApplyAllAsync(source, analyzer, fixer);
            var after = await AllDiagnosticsAsync(Create(false, fixedSource));
            AssertFixIntroducesNothing(before, after, fixedId);
            return (fixedSource, after);
        }

        /// <summary>
        /// The fix removed every <paramref name="fixedId"/> report, and everything reported after the
        /// fix (compiler errors and warnings, GradLint rules) was already reported before it.
        /// </summary>
        public static void AssertFixIntroducesNothing(ImmutableArray<Diagnostic> before, ImmutableArray<Diagnostic> after, string fixedId)
        {
            Xunit.Assert.Contains(before, d => d.Id == fixedId);
            Xunit.Assert.DoesNotContain(after, d => d.Id == fixedId);
            Xunit.Assert.DoesNotContain(after, d => d.Severity == DiagnosticSeverity.Error);
            var introduced = after.Select(d => d.Id).Except(before.Select(d => d.Id)).ToList();
            Xunit.Assert.True(introduced.Count == 0, "the fix introduced " + string.Join(", ", introduced));
            Xunit.Assert.True(after.Length < before.Length, $"expected fewer diagnostics after the fix: {before.Length} before, {after.Length} after");
        }
    }
}

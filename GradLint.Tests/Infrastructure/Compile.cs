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

        /// <summary>Compiler diagnostics (warnings and errors) plus every GradLint analyzer's reports; analyzer exceptions surface as AD0001.</summary>
        public static async Task<ImmutableArray<Diagnostic>> AllDiagnosticsAsync(Compilation compilation)
        {
            var withAnalyzers = compilation.WithAnalyzers(AllGradLintAnalyzers, new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false));
            var all = await withAnalyzers.GetAllDiagnosticsAsync();
            return all.Where(d => d.Severity >= DiagnosticSeverity.Warning || d.Id.StartsWith("GL", StringComparison.Ordinal)).ToImmutableArray();
        }
    }
}

using GradLint.Cli.Checking;

namespace GradLint.Demo
{
    /// <summary>Part 1: GradLint's analyzers and fixes over the bundled training file.</summary>
    public static class StaticCheckPart
    {
        public const string BundledFileName = "ChurnTraining.cs";

        /// <summary>The bundled risky training file (embedded in the demo; not compiled into it).</summary>
        public static string BundledSource()
        {
            using var stream = typeof(StaticCheckPart).Assembly.GetManifestResourceStream("GradLint.Demo.Bundled.ChurnTraining.cs")
                ?? throw new InvalidOperationException("The bundled training file is missing from the demo assembly; rebuild the demo.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        public static async Task<FixReport> RunAsync(TextWriter output)
        {
            var source = BundledSource();
            var report = await GradLintChecker.ForTorchSharp().FixAsync(source, BundledFileName).ConfigureAwait(false);

            output.WriteLine($"GradLint analyzers over {BundledFileName} (bundled, {source.Split('\n').Length} lines; compiled against TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}):");
            output.WriteLine();
            output.Write(ConsoleTable.Format(
                new[] { "rule", "line", "message" },
                report.Before.Findings.Select(f => new[] { f.RuleId, f.Line.ToString(System.Globalization.CultureInfo.InvariantCulture), Shorten(f.Message, 110) })));
            output.WriteLine();
            output.WriteLine($"Applying the code fixes ({report.Applied.Count}, first action each, as accepting every light bulb would):");
            foreach (var fix in report.Applied)
            {
                output.WriteLine($"  {fix.Finding.RuleId}: {fix.Title}");
            }

            output.WriteLine();
            output.Write(report.Diff(BundledFileName));
            output.WriteLine();
            output.WriteLine(report.After.IsClean
                ? $"Fixed file: compiles, {report.After.Findings.Count} GradLint findings."
                : $"Fixed file is NOT clean: {report.After.CompileErrors.Count} compile errors, {report.After.Findings.Count} findings ({string.Join(", ", report.After.Findings.Select(f => f.RuleId))}).");
            return report;
        }

        private static string Shorten(string message, int max) => message.Length <= max ? message : message[..(max - 1)] + "…";
    }
}

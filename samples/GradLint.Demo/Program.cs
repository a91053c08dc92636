using System.Diagnostics;
using System.Globalization;

namespace GradLint.Demo
{
    /// <summary>
    /// README's first command: what GradLint does, in under two minutes on a 2-core CPU.
    /// 1. static findings and fixes on a bundled risky training file; 2. one model trained three
    /// ways on a task whose gradients really explode, and again with a learning rate ten times too
    /// high, where the guard repairs; 3. a plot of the three runs.
    /// </summary>
    public static class Program
    {
        public static async Task<int> Main(string[] args)
        {
            var (options, error, help) = DemoOptions.Parse(args);
            if (help)
            {
                Console.WriteLine(DemoOptions.Help);
                return 0;
            }

            if (options is null)
            {
                Console.Error.WriteLine(error);
                Console.Error.WriteLine("Run with --help for the options.");
                return 2;
            }

            var total = Stopwatch.StartNew();
            Heading("1. Static check: GradLint analyzers and code fixes");
            var fixReport = await StaticCheckPart.RunAsync(Console.Out);

            Heading("2. Runtime: one model, trained three ways");
            var runs = RuntimePart.Run(options, Console.Out);

            Heading("2b. Runtime: the learning rate ten times too high — repair");
            RuntimePart.RunTooHighLearningRate(options, Console.Out);

            if (options.Plot)
            {
                Heading("3. Picture");
                try
                {
                    DemoPlot.Save(runs, options.OutputPath);
                    Console.WriteLine($"Wrote {Path.GetFullPath(options.OutputPath)}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
                {
                    // The tables above are the result; a picture that cannot be written should not hide them.
                    Console.Error.WriteLine($"Could not write the plot to '{options.OutputPath}': {e.Message} Choose another --out path, or run with --no-plot.");
                    return 3;
                }
            }

            Console.WriteLine();
            Console.WriteLine($"Done in {total.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s.");
            return fixReport.After.IsClean ? 0 : 1;
        }

        private static void Heading(string title)
        {
            Console.WriteLine();
            Console.WriteLine(title);
            Console.WriteLine(new string('=', title.Length));
        }
    }
}

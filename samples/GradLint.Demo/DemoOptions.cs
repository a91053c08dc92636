using System.Globalization;

namespace GradLint.Demo
{
    /// <summary>The demo's command line: <c>--steps</c>, <c>--seed</c>, <c>--out</c>, <c>--no-plot</c>, <c>--help</c>.</summary>
    public sealed record DemoOptions(int Steps, int Seed, string OutputPath, bool Plot)
    {
        public const int DefaultSteps = 300;
        public const int DefaultSeed = 1;
        public const string DefaultOutput = "gradlint-demo.png";

        public static string Help { get; } = $"""
            GradLint demo: static findings and fixes, then one model trained three ways, and again
            with a learning rate ten times too high, where the guard repairs.

            Usage: dotnet run --project samples/GradLint.Demo [-- options]

              --steps N     training steps per run (default {DefaultSteps}; at least 20)
              --seed N      seed for the generated data and the initial weights (default {DefaultSeed})
              --out PATH    where to write the plot (default {DefaultOutput}, in the current folder)
              --no-plot     skip the plot
              --help        show this text
            """;

        /// <summary>Parses <paramref name="args"/>; on bad input returns null and an error that says what to type instead.</summary>
        public static (DemoOptions? Options, string? Error, bool HelpRequested) Parse(IReadOnlyList<string> args)
        {
            int steps = DefaultSteps, seed = DefaultSeed;
            string output = DefaultOutput;
            bool plot = true;
            for (int i = 0; i < args.Count; i++)
            {
                string arg = args[i];
                switch (arg)
                {
                    case "--help" or "-h":
                        return (null, null, true);
                    case "--no-plot":
                        plot = false;
                        break;
                    case "--steps" or "--seed" or "--out":
                        if (i + 1 >= args.Count)
                        {
                            return (null, $"'{arg}' needs a value, e.g. '{arg} {(arg == "--out" ? "plot.png" : "300")}'.", false);
                        }

                        string value = args[++i];
                        if (arg == "--out")
                        {
                            if (string.IsNullOrWhiteSpace(value) || !value.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                            {
                                return (null, $"'--out' takes a .png file path, not '{value}'.", false);
                            }

                            output = value;
                        }
                        else if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || (arg == "--steps" ? number < 20 : number < 0))
                        {
                            return (null, arg == "--steps" ? $"'--steps' takes a whole number of at least 20, not '{value}'." : $"'--seed' takes a whole number ≥ 0, not '{value}'.", false);
                        }
                        else if (arg == "--steps")
                        {
                            steps = number;
                        }
                        else
                        {
                            seed = number;
                        }

                        break;
                    default:
                        return (null, $"Unknown argument '{arg}'. Use --steps N, --seed N, --out PATH, --no-plot or --help.", false);
                }
            }

            return (new DemoOptions(steps, seed, output, plot), null, false);
        }
    }
}

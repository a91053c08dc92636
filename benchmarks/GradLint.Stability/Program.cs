using System.Globalization;
using System.Text;
using TorchSharp;

namespace GradLint.Stability
{
    /// <summary>
    /// Runs every scenario × protection × seed and prints the held-out loss table, the goals of the
    /// guard's default, the too-high-rate scenarios against a correctly tuned run, and a picture. One command: dotnet run -c Release --project benchmarks/GradLint.Stability
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            int seeds = 3;
            string? only = null, protectionFilter = null, plotPath = "stability.png";
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--seeds" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n >= 1: seeds = n; i++; break;
                    case "--scenario" when i + 1 < args.Length: only = args[++i]; break;
                    case "--protection" when i + 1 < args.Length: protectionFilter = args[++i]; break;
                    case "--out" when i + 1 < args.Length: plotPath = args[++i]; break;
                    case "--no-plot": plotPath = null; break;
                    case "--trace": Runner.Trace = Console.Error; break;
                    case "--help":
                        Console.WriteLine("usage: GradLint.Stability [--seeds N (3)] [--scenario NAME-PART] [--protection NAME-PART] [--out stability.png | --no-plot] [--trace (every guard intervention to stderr)]");
                        Console.WriteLine("scenarios: " + string.Join(", ", Scenarios.All.Select(s => s.Name)));
                        return 0;
                    default:
                        Console.Error.WriteLine($"Unknown or incomplete option '{args[i]}'; run with --help to see the options.");
                        return 2;
                }
            }

            torch.set_num_threads(1);   // small models: threads only add noise
            var scenarios = Scenarios.All.Where(s => only is null || s.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();
            var protections = Protection.All.Where(p => protectionFilter is null || p.Name.Contains(protectionFilter, StringComparison.OrdinalIgnoreCase) || p.Name == "unprotected" || p.Name.StartsWith("clip ", StringComparison.Ordinal)).ToList();
            var results = new List<RunResult>();
            var tunedRuns = new List<RunResult>();   // the too-high-rate scenarios at a correct rate: the reference, not a protection
            var watch = System.Diagnostics.Stopwatch.StartNew();
            foreach (var scenario in scenarios)
            {
                for (int seed = 1; seed <= seeds; seed++)
                {
                    using var task = scenario.Create(seed);
                    foreach (var protection in protections)
                    {
                        results.Add(Runner.Run(scenario, task, protection));
                    }

                    if (scenario.RateTooHighBy > 0)
                    {
                        tunedRuns.Add(Runner.Run(scenario, task, new Protection("tuned rate", RateDivisor: scenario.RateTooHighBy)));
                    }
                }

                Console.Error.WriteLine($"  {scenario.Name} done ({watch.Elapsed.TotalSeconds:F0} s)");
            }

            Console.WriteLine(Table(scenarios, protections, results, seeds));
            foreach (var name in protections.Where(p => p.IsGuardDefault).Select(p => p.Name))
            {
                Console.WriteLine(GoalSummary(results, name));
            }

            Console.WriteLine(GoalCounts(results, protections));
            Console.WriteLine(TunedRateComparison(scenarios, results, tunedRuns));

            Console.WriteLine($"Suite: {scenarios.Count} scenarios × {protections.Count} protections × {seeds} seeds = {results.Count} runs in {watch.Elapsed.TotalSeconds:F0} s.");
            if (plotPath is not null)
            {
                StabilityPlot.Save(results, scenarios, plotPath);
                Console.WriteLine($"Picture: {Path.GetFullPath(plotPath)}");
            }

            return 0;
        }

        /// <summary>
        /// Repair against a correctly tuned run (issue §3): for each scenario whose learning rate is too high by a
        /// known factor, the same task and seed trained at the rate divided by it with no protection, beside the
        /// guard's default and the best clip. Ratios are the guard's held-out loss over the tuned run's.
        /// </summary>
        public static string TunedRateComparison(IReadOnlyList<Scenario> scenarios, IReadOnlyList<RunResult> results, IReadOnlyList<RunResult> tunedRuns)
        {
            var text = new StringBuilder();
            if (tunedRuns.Count == 0) return "";
            text.AppendLine("Repair against a correctly tuned run: the same task at the learning rate divided by how much too high it is, no protection (held-out loss; ratio to the tuned run)");
            text.AppendLine();
            text.AppendLine("| scenario | seed | tuned rate, plain | guard default, step(loss) | guard default, step() | best clip_grad_norm_ |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var scenario in scenarios.Where(s => s.RateTooHighBy > 0))
            {
                foreach (var tunedRun in tunedRuns.Where(r => r.Scenario == scenario.Name).OrderBy(r => r.Seed))
                {
                    var (seed, tuned) = (tunedRun.Seed, tunedRun.HeldOut);
                    var runs = results.Where(r => r.Scenario == scenario.Name && r.Seed == seed).ToList();
                    string Cell(RunResult? run) => run is null ? "—" : run.Finite ? string.Create(CultureInfo.InvariantCulture, $"{Number(run.HeldOut)} ({run.HeldOut / tuned:F1}×)") : Number(run.HeldOut);
                    var bestClip = runs.Where(r => r.Protection.StartsWith("clip ", StringComparison.Ordinal) && r.Finite).OrderBy(r => r.HeldOut).FirstOrDefault();
                    text.AppendLine($"| {scenario.Name} (÷{scenario.RateTooHighBy:G}) | {seed} | {Number(tuned)} | {Cell(runs.FirstOrDefault(r => r.Protection == "guard default, step(loss)"))} | {Cell(runs.FirstOrDefault(r => r.Protection == "guard default, step()"))} | {Cell(bestClip)} |");
                }
            }

            return text.ToString();
        }

        /// <summary>Markdown table: per scenario and protection, the held-out loss per seed and the interventions summed over seeds.</summary>
        public static string Table(IReadOnlyList<Scenario> scenarios, IReadOnlyList<Protection> protections, IReadOnlyList<RunResult> results, int seeds)
        {
            var text = new StringBuilder();
            text.AppendLine("| scenario | protection | held-out loss per seed | non-finite steps | clipped | skipped | repaired | ms/run |");
            text.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
            foreach (var scenario in scenarios)
            {
                foreach (var protection in protections)
                {
                    var runs = results.Where(r => r.Scenario == scenario.Name && r.Protection == protection.Name).OrderBy(r => r.Seed).ToList();
                    if (runs.Count == 0) continue;
                    var losses = string.Join(" / ", runs.Select(r => r.Failure is null ? Number(r.HeldOut) : $"threw ({Number(r.HeldOut)})"));
                    var name = protection.IsGuardDefault ? $"**{protection.Name}**" : protection.Name;
                    text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {scenario.Name} | {name} | {losses} | {runs.Sum(r => r.NonFiniteSteps)} | {runs.Sum(r => r.Clipped)} | {runs.Sum(r => r.Skipped)} | {runs.Sum(r => r.Repairs)} | {runs.Average(r => r.Milliseconds):F0} |"));
                }
            }

            return text.ToString();
        }

        public static string GoalSummary(IReadOnlyList<RunResult> results, string protection)
        {
            var verdicts = Goals.Judge(results, protection).ToList();
            var text = new StringBuilder();
            text.AppendLine($"Goals for '{protection}' over {verdicts.Count} scenario-seeds:");
            text.AppendLine($"  finite weights: {verdicts.Count(v => v.Finite)}/{verdicts.Count}");
            text.AppendLine($"  within {Goals.Ratio}x (+{Goals.Slack}) of the best clip_grad_norm_ (0.5, 1, 5): {verdicts.Count(v => v.NearBestClip)}/{verdicts.Count}");
            text.AppendLine($"  within {Goals.Ratio}x (+{Goals.Slack}) of plain training where it does not explode: {verdicts.Count(v => v.NearPlain)}/{verdicts.Count}");
            text.AppendLine($"  better than clip_grad_norm_(1.0): {verdicts.Count(v => v.BeatsClip1)}/{verdicts.Count}");
            foreach (var miss in verdicts.Where(v => !v.Met))
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  missed: {miss.Scenario} seed {miss.Seed}: {Number(miss.HeldOut)} (best clip {Number(miss.BestClip)}, plain {Number(miss.Plain)})"));
            }

            return text.ToString();
        }

        /// <summary>One line per protection: how many scenario-seeds meet each goal (the same yardstick for every protection).</summary>
        public static string GoalCounts(IReadOnlyList<RunResult> results, IReadOnlyList<Protection> protections)
        {
            var text = new StringBuilder();
            text.AppendLine("| protection | finite | within 1.25x of best clip | within 1.25x of plain (when plain does not explode) | better than clip 1 | all goals |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var protection in protections)
            {
                var v = Goals.Judge(results, protection.Name).ToList();
                text.AppendLine($"| {protection.Name} | {v.Count(x => x.Finite)}/{v.Count} | {v.Count(x => x.NearBestClip)}/{v.Count} | {v.Count(x => x.NearPlain)}/{v.Count} | {v.Count(x => x.BeatsClip1)}/{v.Count} | {v.Count(x => x.Met)}/{v.Count} |");
            }

            return text.ToString();
        }

        public static string Number(double value) =>
            double.IsNaN(value) ? "NaN"
            : double.IsInfinity(value) ? "Inf"
            : value.ToString(Math.Abs(value) >= 1e4 || (Math.Abs(value) < 1e-3 && value != 0) ? "0.00E+0" : "0.0000", CultureInfo.InvariantCulture);
    }
}
